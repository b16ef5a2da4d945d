"""Fast intake of a meeting's opinions: many rows, one transaction."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.models import Case, Meeting
from engine.models import IdempotencyKey

from .browser.web import browser, counts, csrf_of, form_values, web_app, web_container  # noqa: F401
from .conftest import HCM


def intake_form(page) -> dict[str, str]:
    html = page.get("/meetings/new").text
    return form_values(html, "/meetings/new")


def meeting(hidden: dict[str, str], rows: list[dict[str, str]], **fields: str) -> dict[str, str]:
    data = {**hidden, "programme": "nghe-dan-noi", "held_on": "2026-11-23", "unit": "A", "place": "Nhà văn hóa ấp A1",
            "hosts": "Chủ tịch UBND xã", "attendees": "57", "rows": str(max(len(rows), int(hidden.get("rows", 5)))),
            "save": "1"}
    for i, row in enumerate(rows):
        data.update({f"r{i}_{k}": v for k, v in row.items()})
    data.update(fields)
    return data


THREE = [
    {"topic": "dien_nuoc", "kind": "kien_nghi", "content": "Nước sinh hoạt bị đục", "name": "Thạch Văn A",
     "phone": "0901 234 567", "village": "A1", "outcome": "answer_on_site",
     "answer": "Đã hướng dẫn lắp bộ lọc, xã hỗ trợ kinh phí."},
    {"topic": "giao_thong", "content": "Đường liên ấp nhiều ổ gà", "village": "A2", "outcome": "escalate",
     "target": "P-SO"},
    {"topic": "an_ninh_trat_tu", "kind": "phan_anh", "content": "Trộm gà ban đêm", "outcome": "record"},
]


def test_a_meeting_with_three_opinions_is_recorded_at_once(browser, world, service, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    r = page.post("/meetings/new", meeting(hidden, THREE), csrf=hidden["csrf"])
    assert r.status_code == 303, r.text[-3000:]
    location = r.headers["location"]
    assert re.fullmatch(r"/meetings/\d+\?saved=3", location)
    html = page.get(location).text
    assert "Đã lưu 3 ý kiến của buổi tiếp xúc." in html and "Nhà văn hóa ấp A1" in html and "57" in html
    with sessions() as s:
        m = s.scalar(select(Meeting))
        cases = list(s.scalars(select(Case).where(Case.meeting_id == m.id).order_by(Case.id)))
        assert (m.held_on.isoformat(), m.unit.code, m.attendees, m.hosts) == ("2026-11-23", "A", 57, "Chủ tịch UBND xã")
    assert [c.code in html for c in cases] == [True] * 3
    states = [service.get(world["off_a"], c.code) for c in cases]
    assert [x.state for x in states] == ["answered_on_site", "escalated", "received"]
    assert states[0].answer == "Đã hướng dẫn lắp bộ lọc, xã hỗ trợ kinh phí."
    assert states[0].citizen.name == "Thạch Văn A" and states[0].origin_unit == "A1"
    assert states[1].handling_unit == "P-SO" and states[1].origin_unit == "A2"
    assert states[2].origin_unit == "A" and states[2].kind == "phan_anh"
    history = service.history(world["off_a"], states[1].code)
    assert history[-1].data["reason"].startswith("Vượt thẩm quyền trả lời tại chỗ (buổi tiếp xúc ngày 23/11/2026)")
    # The opinions were received at the meeting: this morning, not when typed in.
    assert all(x.received_at == datetime(2026, 11, 23, 8, 0, tzinfo=HCM) for x in states)


def test_one_bad_row_saves_nothing_and_keeps_everything_typed(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    rows = [*THREE, {"topic": "y_te", "content": "Trạm y tế thiếu thuốc", "phone": "gọi tôi <script>"}]
    before = counts(sessions)
    r = page.post("/meetings/new", meeting(hidden, rows), csrf=hidden["csrf"])
    assert r.status_code == 400
    assert "Chưa lưu: có 1 lỗi" in r.text
    assert "số điện thoại không hợp lệ" in r.text
    assert "gọi tôi &lt;script&gt;" in r.text and "Trộm gà ban đêm</textarea>" in r.text
    assert "Đã hướng dẫn lắp bộ lọc, xã hỗ trợ kinh phí.</textarea>" in r.text
    assert 'value="Nhà văn hóa ấp A1"' in r.text
    assert counts(sessions) == before
    with sessions() as s:
        assert s.scalar(select(IdempotencyKey)) is None
    # Corrected and sent again with the same form: saved.
    fixed = [*THREE, {"topic": "y_te", "content": "Trạm y tế thiếu thuốc", "phone": "0912 345 678"}]
    r = page.post("/meetings/new", meeting(form_values(r.text, "/meetings/new"), fixed), csrf=hidden["csrf"])
    assert r.status_code == 303 and r.headers["location"].endswith("saved=4")


def test_a_replayed_intake_post_records_nothing_twice(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    data = meeting(hidden, THREE)
    first = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert first.status_code == 303
    before = counts(sessions)
    again = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert again.status_code == 303
    meeting_path = first.headers["location"].split("?")[0]
    assert again.headers["location"] == f"{meeting_path}?replayed=1"
    assert "Biểu mẫu này đã được gửi trước đó" in page.get(again.headers["location"]).text
    assert counts(sessions) == before


@pytest.mark.parametrize("fields, rows, message", [
    ({"unit": "B"}, THREE[:1], "bạn không được nhập ý kiến cho đơn vị này"),
    ({"unit": "P"}, THREE[:1], "bạn không được nhập ý kiến cho đơn vị này"),
    ({"held_on": "2026-11-24"}, THREE[:1], "không được ở tương lai"),
    ({"held_on": "23/11/2026"}, THREE[:1], "không đúng dạng ngày"),
    ({"attendees": "nhiều"}, THREE[:1], "phải là số nguyên từ 0 đến 100000"),
    ({"attendees": "-3"}, THREE[:1], "phải là số nguyên từ 0 đến 100000"),
    ({"programme": "khong-co"}, THREE[:1], "không có chương trình này"),
    ({}, [], "Chưa có ý kiến nào"),
    ({}, [{"topic": "khong_co", "content": "x"}], "hãy chọn một lĩnh vực"),
    ({}, [{"topic": "khac", "content": "x" * 10_001}], "dài quá 10000 ký tự"),
    ({}, [{"topic": "khac", "content": "x", "village": "B1"}], "bạn không được nhập ý kiến cho đơn vị này"),
    ({}, [{"topic": "khac", "content": "x", "outcome": "answer_on_site"}], "cần nội dung trả lời tại chỗ"),
    ({}, [{"topic": "khac", "content": "x", "outcome": "escalate"}], "cần chọn đơn vị nhận"),
    # A department is not where an opinion is raised (engine.unit_kinds): passed to its own village instead.
    ({}, [{"topic": "khac", "content": "x", "outcome": "escalate", "target": "A1", "village": "A1"}],
     "ý kiến đang ở chính đơn vị này"),
    ({}, [{"topic": "khac", "content": "x", "outcome": "delete"}], "không hợp lệ"),
    ({}, [{"topic": "khac", "content": "x", "kind": "bomb"}], "không hợp lệ"),
])
def test_intake_refusals(browser, world, sessions, fields, rows, message):
    page = browser("off_a")
    hidden = intake_form(page)
    before = counts(sessions)
    r = page.post("/meetings/new", meeting(hidden, rows, **fields), csrf=hidden["csrf"])
    assert r.status_code == 400, r.status_code
    assert message in r.text
    assert counts(sessions) == before


def test_only_officials_and_leaders_record_meetings(browser, world):
    assert browser("aud_p").get("/meetings/new").status_code == 403
    assert browser("admin").get("/meetings/new").status_code == 403
    assert browser("off_a").get("/meetings/new").status_code == 200


def test_more_rows_keeps_what_was_typed(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    assert hidden["rows"] == "5"
    data = meeting(hidden, THREE[:2])
    data.pop("save")
    data["more"] = "1"
    before = counts(sessions)
    r = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert r.status_code == 200
    assert form_values(r.text, "/meetings/new")["rows"] == "10"
    assert "Đường liên ấp nhiều ổ gà</textarea>" in r.text and 'id="r9-content"' in r.text
    assert counts(sessions) == before
    data["rows"] = "99999"  # hostile: capped, never a server error
    r = page.post("/meetings/new", data, csrf=hidden["csrf"])
    assert r.status_code == 200 and 'id="r99-content"' in r.text and 'id="r100-content"' not in r.text


def test_a_bad_nonce_is_refused(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    before = counts(sessions)
    r = page.post("/meetings/new", meeting({**hidden, "nonce": "<x>"}, THREE), csrf=hidden["csrf"])
    assert r.status_code == 400 and counts(sessions) == before


def test_meeting_pages_respect_scope(browser, world):
    page = browser("off_a")
    hidden = intake_form(page)
    r = page.post("/meetings/new", meeting(hidden, THREE), csrf=hidden["csrf"])
    path = r.headers["location"].split("?")[0]
    assert browser("off_b").get(path).status_code == 404
    assert browser("aud_p").get(path).status_code == 200
    assert browser("off_a").get("/meetings/999999").status_code == 404
    assert browser("off_a").get("/meetings/abc").status_code == 404
    listing = page.get("/meetings").text
    assert path in listing and "Nhà văn hóa ấp A1" in listing
    assert path not in browser("off_b").get("/meetings").text


def test_intake_page_is_translated(browser, world):
    page = browser("off_a")
    page.post("/lang", {"lang": "en", "next": "/"}, token_from="/")
    html = page.get("/meetings/new").text
    assert "Record a meeting&#39;s opinions" in html and "Answered on the spot" in html and "Traffic and roads" in html
    assert csrf_of(html)


def test_a_form_sent_again_with_other_content_is_refused(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    first = page.post("/meetings/new", meeting(hidden, THREE), csrf=hidden["csrf"])
    assert first.status_code == 303
    before = counts(sessions)
    # Back in the browser, a row changed, the same form sent again: not a second meeting.
    edited = [*THREE[:2], {**THREE[2], "content": "Trộm gà và vịt ban đêm"}]
    r = page.post("/meetings/new", meeting(hidden, edited), csrf=hidden["csrf"])
    assert r.status_code == 409
    meeting_id = first.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert f"đã được gửi trước đó với nội dung khác (đã lưu thành buổi tiếp xúc số {meeting_id})" in r.text
    assert "Trộm gà và vịt ban đêm</textarea>" in r.text  # what was typed is still there
    assert counts(sessions) == before


def test_each_problem_is_marked_on_its_own_row(browser, world, sessions):
    page = browser("off_a")
    hidden = intake_form(page)
    rows = [
        {},  # an empty row is skipped: the opinions below keep their row numbers
        {"topic": "khac", "content": "Điện chập chờn", "phone": "không có"},
        THREE[0],
        # Passed to the village it came from: only firing the step finds that out.
        {"topic": "khac", "content": "Cống nghẹt", "village": "A1", "outcome": "escalate", "target": "A1"},
    ]
    before = counts(sessions)
    r = page.post("/meetings/new", meeting(hidden, rows), csrf=hidden["csrf"])
    assert r.status_code == 400 and "Chưa lưu: có 2 lỗi" in r.text
    errors = dict(re.findall(r'<p class="error" id="([^"]+)-err">([^<]+)</p>', r.text))
    assert set(errors) == {"r1-phone", "r3-target"}
    assert "số điện thoại không hợp lệ" in errors["r1-phone"]
    assert "ý kiến đang ở chính đơn vị này" in errors["r3-target"]
    assert counts(sessions) == before  # row 2 was fine, and is not saved either


@pytest.mark.parametrize("fields, row", [
    ({"unit": "A\x00"}, {}),
    ({}, {"village": "A1\x00; DROP TABLE cases"}),
    ({}, {"outcome": "escalate", "target": "P-SO\x00"}),
    ({}, {"outcome": "escalate", "target": "P" * 5000}),
])
def test_unit_codes_that_cannot_be_codes_are_refused_before_the_database(browser, world, sessions, fields, row):
    page = browser("off_a")
    hidden = intake_form(page)
    before = counts(sessions)
    r = page.post("/meetings/new", meeting(hidden, [{"topic": "khac", "content": "x", **row}], **fields),
                  csrf=hidden["csrf"])
    assert r.status_code == 400 and "không có đơn vị này" in r.text
    assert counts(sessions) == before
