"""The case page's extension and assignment forms, "Việc của tôi" and the board:
shown only to whom the engine allows, refusals in the reader's language with what
was typed, nothing written twice by a form sent twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.deadline_rules import sweep
from engine.models import Case

from .browser.web import browser, form_values, web_app, web_container  # noqa: F401


def counts(sessions, code: str) -> tuple[int, int, int | None]:
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        return case.version, case.event_count, case.assignee_id


def post_form(page, code: str, action: str, **fields: str):
    html = page.get(f"/cases/{code}").text
    hidden = form_values(html, f"/cases/{code}/{action}")
    return page.post(f"/cases/{code}/{action}", {**hidden, **fields}, token_from=None), hidden


def test_the_forms_are_shown_only_to_whom_the_engine_allows(browser, world, service):
    case = world.new_case()
    lead = browser("lead_a").get(f"/cases/{case.code}").text
    assert 'action="/cases/%s/extend"' % case.code in lead and 'action="/cases/%s/assign"' % case.code in lead
    assert "Còn được gia hạn tối đa 5 ngày làm việc (1 lần)" in lead
    assert re.search(r'<option value="off_a"', lead) and not re.search(r'<option value="off_b"', lead)
    off = browser("off_a").get(f"/cases/{case.code}").text
    assert f'action="/cases/{case.code}/extend"' not in off  # officials do not extend
    assert "Nhận xử lý" in off and 'name="assignee"' not in off  # they take; they do not assign
    aud = browser("aud_p").get(f"/cases/{case.code}").text
    assert f'/cases/{case.code}/assign"' not in aud and f'/cases/{case.code}/extend"' not in aud
    assert "Người phải xử lý" in aud and "Cán bộ hoặc Lãnh đạo – Xã A" in aud


def test_extend_from_the_page_shows_when_by_whom_and_why(browser, world, service, sessions, clock):
    case = world.new_case()
    page = browser("lead_a")
    response, hidden = post_form(page, case.code, "extend", working_days="3", reason="Chờ kết quả xét nghiệm nước")
    assert response.status_code == 303 and response.headers["location"].endswith("?done=extend")
    written = counts(sessions, case.code)
    again = page.post(f"/cases/{case.code}/extend", {**hidden, "working_days": "3",
                                                     "reason": "Chờ kết quả xét nghiệm nước"}, token_from=None)
    assert again.status_code == 303 and counts(sessions, case.code) == written  # the same nonce: once
    html = page.get(f"/cases/{case.code}?done=extend").text
    snap = service.get(world["lead_a"], case.code)
    assert "Đã gia hạn" in html and "Chờ kết quả xét nghiệm nước" in html and "lead_a" in html
    assert "thêm 3 ngày làm việc" in html and "Gia hạn xử lý" in html  # the history labels the step
    assert snap.due_at > case.due_at
    clock.set(snap.due_at - timedelta(hours=2))  # due soon: on the board, which says it was extended
    soon = browser("lead_a").get("/").text  # a new sign-in: days have passed
    soon = soon[soon.index('id="h-soon"'):]
    row = soon[soon.index(snap.code):]
    assert "Đã gia hạn 3 ngày" in row[:row.index("</tr>")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"working_days": "9", "reason": "Lý do"}, "tối đa 5 ngày làm việc"),
        ({"working_days": "ba", "reason": "Lý do"}, "số ngày làm việc"),
        ({"working_days": "2", "reason": "   "}, "Thiếu thông tin bắt buộc"),
        ({"working_days": "2", "reason": "=HYPERLINK(\"x\")\u202e"}, "U+202E"),
        ({"working_days": "2", "reason": "x" * 20000}, "dài quá"),
    ],
)
def test_a_refused_extension_keeps_what_was_typed_and_writes_nothing(browser, world, sessions, fields, message):
    case = world.new_case()
    before = counts(sessions, case.code)
    response, _ = post_form(browser("lead_a"), case.code, "extend", **fields)
    assert response.status_code in (400, 409) and message in response.text
    assert "<details class=\"action\" open>" in response.text
    assert counts(sessions, case.code) == before


def test_a_stale_or_replayed_form_is_refused_in_words(browser, world, service, sessions):
    case = world.new_case()
    page = browser("lead_a")
    html = page.get(f"/cases/{case.code}").text
    hidden = form_values(html, f"/cases/{case.code}/extend")
    service.remark(world["aud_p"], case.code, "Đề nghị khẩn trương")  # the case moved on
    before = counts(sessions, case.code)
    stale = page.post(f"/cases/{case.code}/extend", {**hidden, "working_days": "1", "reason": "r"}, token_from=None)
    assert stale.status_code == 409 and "vừa được người khác cập nhật" in stale.text
    forged = page.post(f"/cases/{case.code}/extend", {**hidden, "nonce": "x", "working_days": "1", "reason": "r"},
                       token_from=None)
    assert forged.status_code == 400
    assert counts(sessions, case.code) == before


def test_assign_from_the_page_then_my_cases_and_the_board_name_the_person(browser, world, service, sessions):
    case = world.new_case()
    response, _ = post_form(browser("lead_a"), case.code, "assign", assignee="off_a")
    assert response.status_code == 303 and response.headers["location"].endswith("?done=assign")
    assert counts(sessions, case.code)[2] is not None
    official = browser("off_a")
    mine = official.get("/my-cases").text
    assert case.code in mine and "Việc của tôi" in mine
    assert "Việc của tôi" in official.get("/").text  # in the menu
    page = official.get(f"/cases/{case.code}").text
    assert '<dd id="who-acts">off_a</dd>' in page and "Thôi giao" in page
    assert "Giao xử lý" in page and "Giao cho" in page  # the history's step in words
    assert case.code not in browser("lead_a").get("/my-cases").text
    bad, _ = post_form(browser("lead_a"), case.code, "assign", assignee="off_b")
    assert bad.status_code == 400 and "đang làm việc tại đơn vị xử lý" in bad.text


def test_the_board_keeps_a_case_late_below_until_answered(browser, world, service, clock):
    case = world.new_case()
    due = service.get(world["off_a"], case.code).due_at
    sweep(service, due + timedelta(days=10))
    clock.set(due + timedelta(days=10, hours=1))
    html = browser("lead_a").get("/").text
    below = html[html.index('id="h-late-below"'):html.index('id="h-soon"')]
    overdue = html[html.index('id="h-overdue"'):html.index('id="h-late-below"')]
    assert case.code in below and case.code not in overdue
    assert "Quá hạn ở Ấp A1" in below
    service.fire(world["off_a"], case.code, "answer", {"answer": "Đã sửa"})
    html = browser("lead_a").get("/").text
    assert case.code not in html[html.index('id="h-late-below"'):html.index('id="h-soon"')]


def test_my_cases_when_nothing_is_mine(browser, world):
    html = browser("off_b").get("/my-cases").text
    assert "Hiện không có ý kiến nào được giao cho bạn." in html
