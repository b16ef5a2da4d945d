"""Input hygiene (engine.services.fields) on every surface: text with nothing visible
is empty, bidirectional controls and other control characters are refused with a
message in Vietnamese and English, and nothing is written; a new case goes only
to a handling unit its creator works for (engine.authz)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidField, UnitNotAllowed
from engine.services.cases import NewCase
from engine.services.fields import clean_text, is_blank

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import new_case
from .browser.web import browser, counts, form_values, web_app, web_container  # noqa: F401
from .test_web_intake import THREE, intake_form, meeting

INVISIBLE = ["\u200b", "\u200b\u200c\u200d\ufeff", "\u00a0\u00a0", " \u2060\u3000\u180e ", "\u3164\u2800", "\u00ad"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
SPOOF = "Đã nhận đủ tiền hỗ trợ \u202e000.005\u202c đồng"  # shows a different amount than it holds


@pytest.mark.parametrize("text", INVISIBLE)
def test_text_with_nothing_visible_is_empty(text):
    assert is_blank(text)
    with pytest.raises(InvalidField) as caught:
        clean_text("content", text)
    assert caught.value.message("vi").endswith("không được để trống")
    assert caught.value.message("en").endswith("must not be empty")


@pytest.mark.parametrize("char", BIDI)
def test_every_bidirectional_control_is_refused_by_its_code_point(char):
    with pytest.raises(InvalidField) as caught:
        clean_text("note", f"trước{char}sau")
    point = f"U+{ord(char):04X}"
    assert point in caught.value.message("vi") and "hướng chữ" in caught.value.message("vi")
    assert point in caught.value.message("en") and "bidirectional" in caught.value.message("en")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_refused(char):
    with pytest.raises(InvalidField) as caught:
        clean_text("content", f"a{char}b")
    assert f"U+{ord(char):04X}" in caught.value.message("en")


def test_what_is_kept_removed_and_normalised():
    # Tab, newline and CR stay; direction marks go; NFC; invisible edges trimmed; inner joiners kept.
    assert clean_text("content", "\u200b dòng 1\r\n\tdòng 2 \u00a0\ufeff") == "dòng 1\r\n\tdòng 2"
    assert clean_text("content", "a\u200eb\u200fc\u061cd") == "abcd"
    assert clean_text("content", "Nu\u031bo\u031b\u0301c") == "Nước"  # decomposed as some keyboards type it
    family = "gia đình 👨\u200d👩\u200d👧"
    assert clean_text("content", family) == family
    assert clean_text("citizen_name", "x" * 200) == "x" * 200
    with pytest.raises(InvalidField):
        clean_text("citizen_name", "x" * 201)
    with pytest.raises(InvalidField):
        clean_text("content", "\ud800")  # a lone surrogate is not Unicode


def test_zero_width_content_is_refused_on_the_api(api, as_user, sessions):
    before = counts(sessions)
    for text in INVISIBLE:
        r = api.post("/api/v1/cases", json={"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc",
                                            "kind": "kien_nghi", "content": text}, headers=as_user("off_a", "en"))
        assert r.status_code == 422, (text, r.text)
        assert r.json()["errors"][0]["field"] == "content" and "must not be empty" in r.json()["detail"]
    code = new_case(api, as_user("off_a"))["code"]
    r = api.post(f"/api/v1/cases/{code}/remarks", json={"note": "\u200b\u200b", "kind": "remark"},
                 headers=as_user("aud_p"))
    assert r.status_code == 422 and "không được để trống" in r.json()["detail"]
    r = api.post(f"/api/v1/cases/{code}/actions/answer_on_site", json={"data": {"answer": "\u2060\u00a0"}},
                 headers=as_user("off_a"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "answer"
    assert counts(sessions)["events"] == before["events"] + 1  # only the case made for the remark


def test_bidi_controls_are_refused_on_every_api_write(api, as_user, sessions):
    code = new_case(api, as_user("off_a"))["code"]
    before = counts(sessions)
    base = {"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc", "kind": "kien_nghi", "content": "Nước"}
    attempts = [
        ("/api/v1/cases", {**base, "content": SPOOF}, "content", "U+202E"),
        ("/api/v1/cases", {**base, "citizen_name": "Trần\u2067 Văn"}, "citizen_name", "U+2067"),
        ("/api/v1/cases", {**base, "citizen_address": "ấp A1\u202d"}, "citizen_address", "U+202D"),
        (f"/api/v1/cases/{code}/remarks", {"note": SPOOF}, "note", "U+202E"),
        (f"/api/v1/cases/{code}/actions/answer_on_site", {"data": {"answer": SPOOF}}, "answer", "U+202E"),
        (f"/api/v1/cases/{code}/actions/escalate", {"data": {"target_unit": "A-KT", "reason": "\u2068r"}}, "reason",
         "U+2068"),
    ]
    for url, body, field, point in attempts:
        r = api.post(url, json=body, headers=as_user("lead_a", "en"))
        assert r.status_code == 422, (url, r.text)
        problem = r.json()
        assert problem["errors"][0]["field"] == field and point in problem["detail"], problem
        assert "bidirectional" in problem["detail"]
    meeting_body = {"programme": "nghe-dan-noi", "held_on": "2026-11-23", "unit": "A", "place": "Nhà\u2066 văn hóa",
                    "opinions": [{"topic": "dien_nuoc", "content": "Nước đục"}]}
    r = api.post("/api/v1/meetings", json=meeting_body, headers=as_user("off_a"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "place"
    assert counts(sessions) == before


def test_open311_refuses_bidi_and_invisible_descriptions(api, tokens, sessions):
    before = counts(sessions)
    for description, expected in ((SPOOF, "U+202E"), ("\u200b\u200b\u200b", "description")):
        r = api.post("/open311/v2/requests.json", data={"api_key": tokens["off_a"], "service_code": "dien_nuoc",
                                                        "attribute[unit]": "A1", "description": description})
        assert r.status_code == 400 and expected in r.text, r.text
    assert counts(sessions) == before


def test_pages_refuse_invisible_and_bidi_text(browser, world, sessions):
    case = world.new_case()
    page, official = browser("aud_p"), browser("off_a")
    before = counts(sessions)
    for note, message in (("\u200b\u00a0\u200b", "không được để trống"), (SPOOF, "U+202E")):
        html = page.get(f"/cases/{case.code}").text
        form = form_values(html, f"/cases/{case.code}/remark")
        r = page.post(f"/cases/{case.code}/remark", {**form, "kind": "remark", "note": note}, csrf=form["csrf"])
        assert r.status_code == 400 and message in r.text
    hidden = intake_form(official)
    rows = [{**THREE[2], "content": "\u200b\u200d", "name": "Thạch Văn A"}]
    r = official.post("/meetings/new", meeting(hidden, rows), csrf=hidden["csrf"])
    assert r.status_code == 400 and "không được để trống" in r.text
    hidden = intake_form(official)
    r = official.post("/meetings/new", meeting(hidden, [{**THREE[2], "content": SPOOF}]), csrf=hidden["csrf"])
    assert r.status_code == 400 and "U+202E" in r.text
    assert counts(sessions) == before


def test_the_cli_refuses_invisible_and_bidi_text_in_one_line(run, world, sessions):
    before = counts(sessions)
    for content, message in (("\u200b\u2060", "must not be empty"), (SPOOF, "U+202E")):
        result = run("cases", "create", "--as", "off_a", "--unit", "A1", "--topic", "dien_nuoc", "--content", content,
                     lang="en")
        assert result.exit_code == 2 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    case = world.new_case()
    result = run("cases", "remark", case.code, "--as", "aud_p", "--note", "\u00a0\u200b")
    assert result.exit_code == 2 and "không được để trống" in result.output
    assert counts(sessions)["events"] == before["events"] + 1


def test_a_new_case_goes_only_to_a_unit_its_creator_works_for(api, as_user, world, service, sessions):
    before = counts(sessions)
    # Another commune's unit, or the province's department: no event and no reason would say why.
    for who, handling in (("off_a", "B1"), ("off_a", "B"), ("off_a", "P-SO"), ("off_kt", "A1")):
        with pytest.raises(UnitNotAllowed) as caught:
            world.new_case(who=who, unit="A1" if who == "off_a" else "A-KT", handling_unit=handling)
        assert caught.value.params["field"] == "handling_unit" and "escalate" in caught.value.message("en")
    r = api.post("/api/v1/cases", json={"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc",
                                        "kind": "kien_nghi", "content": "Nước đục", "handling_unit": "B1"},
                 headers=as_user("off_a"))
    assert r.status_code == 403 and r.json()["type"].endswith("/unit-out-of-scope")
    assert r.json()["errors"][0]["field"] == "handling_unit" and "chuyển xử lý" in r.json()["detail"]
    assert counts(sessions) == before
    # Within the creator's own units it is allowed; elsewhere the way is an escalation with a reason.
    mine = world.new_case(who="off_a", unit="A1", handling_unit="A-KT")
    assert (mine.origin_unit, mine.handling_unit) == ("A1", "A-KT")
    moved = service.fire(world["off_a"], world.new_case().code, "escalate", {"target_unit": "B1", "reason": "Của xã B"})
    assert moved.handling_unit == "B1"
    assert service.history(world["off_a"], moved.code)[-1].data["reason"] == "Của xã B"


def test_the_system_may_still_place_a_case_anywhere(world, service):
    from engine.actors import SYSTEM

    snap = service.create(SYSTEM, NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi",
                                          content="nhập từ sổ", handling_unit="B1"))
    assert snap.handling_unit == "B1"
