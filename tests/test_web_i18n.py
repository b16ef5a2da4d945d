"""Vietnamese text helpers and translations of the pages."""

from __future__ import annotations

from datetime import date, datetime, timezone

from engine.errors import InvalidField, MissingField
from engine import catalogue
from web.pages.i18n import Translator, fold, local_date, local_dt, vi_sort_key


def test_fold_removes_every_diacritic_and_folds_d_with_stroke():
    assert fold("Nước sinh hoạt") == "nuoc sinh hoat"
    assert fold("ĐƯỜNG   Đal  liên ấp") == "duong   dal  lien ap"  # letters change, nothing else
    assert fold("Ủy ban MTTQ xã Tam Ngãi") == "uy ban mttq xa tam ngai"
    # Both Unicode forms people type (precomposed and combining marks) fold alike.
    assert fold("Vi\u1ec7t") == fold("Vie\u0323\u0302t") == "viet"


def test_vietnamese_alphabetical_order():
    words = ["Đông", "Dương", "Bình", "Ấp", "Ăn", "An", "Ông", "Ơn", "Oanh", "Ư", "Uyên"]
    assert sorted(words, key=vi_sort_key) == ["An", "Ăn", "Ấp", "Bình", "Dương", "Đông", "Oanh", "Ông", "Ơn",
                                               "Uyên", "Ư"]
    # Tones only break ties, in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
    assert sorted(["mạ", "má", "mã", "mả", "mà", "ma"], key=vi_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(["Khóm 10", "Khóm 2", "Khóm 1"], key=vi_sort_key)[0] == "Khóm 1"


def test_dates_are_local_and_day_first():
    instant = datetime(2026, 11, 30, 17, 30, tzinfo=timezone.utc)  # 00:30 on 1 December in Hà Nội
    assert local_date(instant) == "01/12/2026"
    assert local_dt(instant) == "01/12/2026 00:30"
    assert local_date(date(2026, 2, 3)) == "03/02/2026" and local_date(None) == "—"


def test_every_message_has_both_languages_and_the_same_placeholders():
    import string

    # The catalogue replaced the dict of the pages (tests/test_catalogue.py checks it whole).
    for key, vi in catalogue.messages("vi").items():
        en = catalogue.messages("en")[key]
        assert vi and en, key
        names = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
        assert names(vi) == names(en), key


def test_engine_refusals_name_fields_by_their_label():
    err = MissingField(field="target_unit", trigger="escalate")
    assert Translator("vi").error(err) == "Thiếu thông tin bắt buộc “Chuyển đến đơn vị” cho thao tác “escalate”."
    assert Translator("en").error(err) == "“escalate” requires the field “Pass to unit”."
    bad = InvalidField(field="citizen_phone", problem_vi="số điện thoại không hợp lệ", problem_en="not a phone number")
    assert Translator("en").error(bad) == "Field “Phone” is invalid: not a phone number"
    assert Translator("xx").lang == "vi"
