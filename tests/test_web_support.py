"""The support pages: a meeting's afternoon in one form and one transaction (a bad
row saves nothing and shows the error in the reader's language; sent twice it is
saved once), a home visit from a phone, the fund ledger with income and a reversal,
the public month without personal data, the report page and its downloads, the
leader's board section."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from engine.models import Case, FundEntry, HomeVisit, SupportActivity
from engine.services.fund import NewIncome
from engine.services.meetings import NewMeeting
from engine.services.support import NewActivity

from .browser.web import browser, counts, csrf_of, form_values, web_app, web_container  # noqa: F401


def n(sessions, table) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(table))


def a_meeting(container, world) -> int:
    return container.meetings.record(world["off_a"], NewMeeting(
        programme="nghe-dan-noi", held_on="2026-11-23", unit="A", place="Hội trường", hosts="", attendees=40,
        opinions=())).meeting.id


def afternoon(page, meeting_id: int, rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    # Right after the meeting's opinions: the meeting's page leads to its afternoon.
    assert f'href="/meetings/{meeting_id}/afternoon"' in page.get(f"/meetings/{meeting_id}").text
    html = page.get(f"/meetings/{meeting_id}/afternoon").text
    hidden = form_values(html, f"/meetings/{meeting_id}/afternoon")
    data = {**hidden, "save": "1", "rows": str(max(len(rows), int(hidden["rows"])))}
    for i, row in enumerate(rows):
        data.update({f"r{i}_{k}": v for k, v in row.items()})
    return hidden, data


ROWS = [{"kind": "gift", "category": "poor", "households": "3", "value": "1,5 triệu", "source": "budget",
         "beneficiaries": "Trần Thị Mai"},
        {"kind": "cleaning", "participations": "45", "length_km": "3,2", "source": "budget"}]


def test_the_afternoon_in_one_form(browser, web_container, world, sessions):
    meeting_id = a_meeting(web_container, world)
    page = browser("off_a")
    hidden, data = afternoon(page, meeting_id, ROWS)
    r = page.post(f"/meetings/{meeting_id}/afternoon", data, csrf=hidden["csrf"])
    assert r.status_code == 303
    again = page.post(f"/meetings/{meeting_id}/afternoon", data, csrf=hidden["csrf"])  # a double click
    assert again.status_code == 303 and again.headers["location"] == r.headers["location"]
    assert n(sessions, SupportActivity) == 2
    html = page.get(r.headers["location"]).text
    assert "Trần Thị Mai" in html and "1.500.000" in html


def test_a_bad_row_saves_nothing_and_says_why(browser, web_container, world, sessions):
    meeting_id = a_meeting(web_container, world)
    page = browser("off_a")
    hidden, data = afternoon(page, meeting_id, [*ROWS, {"kind": "gift", "households": "1", "value": "-200.000",
                                                        "source": "budget"}])
    r = page.post(f"/meetings/{meeting_id}/afternoon", data, csrf=hidden["csrf"])
    assert r.status_code == 400 and "dòng 3" in r.text and "không được âm" in r.text
    assert 'value="1,5 triệu"' in r.text  # what was typed is kept
    assert n(sessions, SupportActivity) == 0
    other = browser("off_b")
    assert other.get(f"/meetings/{meeting_id}/afternoon").status_code == 404
    assert page.get("/meetings/1x/afternoon").status_code == 404


def test_a_visit_from_a_phone(browser, web_container, world, sessions):
    page = browser("off_a")
    html = page.get("/visits/new").text
    assert 'name="viewport"' in html and "<table" not in html  # one column on a 360 px phone
    hidden = form_values(html, "/visits/new")
    data = {**hidden, "village": "A1", "visited_on": "2026-11-23", "h_poor": "2", "officials": "off_a\nBà Năm",
            "o0_topic": "dien_nuoc", "o0_content": "Đèn đường hỏng", "o1_content": ""}
    r = page.post("/visits/new", data, csrf=hidden["csrf"])
    assert r.status_code == 303 and re.fullmatch(r"/support/visits/\d+", r.headers["location"])
    done = page.get(r.headers["location"]).text
    assert "Bà Năm" in done
    with sessions() as s:
        assert s.scalar(select(Case.channel)) == "home_visit"
    bad = page.post("/visits/new", {**data, "nonce": "x" * 40, "h_poor": "-3"}, csrf=hidden["csrf"])
    assert bad.status_code == 400 and n(sessions, HomeVisit) == 1


def test_fund_page_income_reversal_and_public_month(browser, web_container, world, sessions):
    page = browser("lead_a")
    html = page.get("/fund/A").text
    hidden = form_values(html, "/fund/A/income")
    r = page.post("/fund/A/income", {**hidden, "on_date": "2026-11-23", "amount": "2.000.000",
                                     "donor": "Nguyễn Văn Hảo"}, csrf=hidden["csrf"])
    assert r.status_code == 303
    stale = page.post("/fund/A/income", {**hidden, "nonce": "y" * 40, "on_date": "2026-11-23", "amount": "1"},
                      csrf=hidden["csrf"])  # the page showed 0 entries; there is one now
    assert stale.status_code == 400 and "tải lại" in stale.text
    html = page.get("/fund/A").text
    assert "Nguyễn Văn Hảo" in html and "2.000.000" in html
    rev = form_values(html, "/fund/A/entries/1/reverse")
    assert page.post("/fund/A/entries/1/reverse", {**rev, "reason": "Ghi nhầm"}, csrf=rev["csrf"]).status_code == 303
    assert n(sessions, FundEntry) == 2
    other = browser("off_b")
    assert other.get("/fund/A").status_code == 404
    theirs = form_values(other.get("/fund/B").text, "/fund/B/income")
    assert other.post("/fund/A/income", {**theirs, "on_date": "2026-11-23", "amount": "5.000.000"},
                      csrf=theirs["csrf"]).status_code == 404  # another commune's ledger
    assert other.post("/fund/A/entries/1/reverse", {**theirs, "reason": "x"}, csrf=theirs["csrf"]).status_code == 404
    public = browser()  # nobody signed in
    got = public.get("/public/fund/A/2026/11")
    assert got.status_code == 200 and "Hảo" not in got.text and "Ghi nhầm" not in got.text
    assert public.get("/fund/A").status_code == 303  # the ledger needs a sign-in
    for bad in ("/public/fund/A/abc/11", "/public/fund/A/2026/13", "/public/fund/A/99999999999/1",
                "/public/fund/%3Cb%3E/2026/1"):
        got = public.get(bad)
        assert got.status_code == 404 and got.headers["content-type"].startswith("text/html"), bad


def test_report_page_board_and_downloads(browser, web_container, world, clock):
    web_container.fund.record_income(world["off_a"], NewIncome("A", date(2026, 11, 2), "1 triệu"))
    web_container.support.record(world["off_a"], NewActivity(kind="gift", unit="A1", held_on=date(2026, 11, 2),
                                                             households=1, value="300 nghìn"))
    page = browser("lead_a")
    html = page.get("/reports/support?start=2026-11-01&end=2026-11-30&unit=A").text
    assert "1 phần quà, trị giá 0,3 triệu đồng" in html and "<svg" in html
    assert page.get("/reports/support/export.xlsx?start=2026-11-01&end=2026-11-30&unit=A").status_code == 200
    assert page.get("/reports/support?unit=B").status_code == 404
    board = page.get("/").text
    assert "1/2" in board and "Ấp A2" in board
