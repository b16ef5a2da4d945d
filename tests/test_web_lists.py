"""The overdue board and case lists: order, filters, diacritic-insensitive search, keyset paging, scope."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import text, update

from engine.models import Case
from engine.services.calendars import load_calendar

from .browser.web import browser, counts, csrf_of, form_values, web_app, web_container  # noqa: F401
from .conftest import HCM


def test_board_shows_overdue_worst_first_then_due_soon(browser, world, service, clock, sessions):
    # 24/11 is a day off from 2026 on (Vietnamese Culture Day): ten working days
    # from Monday 23/11 end on Tuesday 08/12.
    start = clock.now()  # Monday 23/11/2026
    oldest = world.new_case(content="Ý kiến cũ nhất")  # due Tuesday 08/12
    clock.advance(timedelta(days=2))
    newer = world.new_case(content="Ý kiến mới hơn")  # due Wednesday 09/12
    clock.advance(timedelta(days=2))
    fresh = world.new_case(content="Ý kiến vừa nhận")  # due Friday 11/12
    far = world.new_case(unit="B1", who="off_b", content="Ý kiến xã B")
    done = world.new_case(content="Đã rút")
    service.fire(world["off_a"], done.code, "withdraw", {"reason": "rút"})
    clock.set(start + timedelta(days=17))  # Thursday 10/12/2026, 09:00
    now = clock.now()
    with sessions() as s:
        cal = load_calendar(s)

    html = browser("lead_a").get("/").text
    overdue = html[html.index('id="h-overdue"'):html.index('id="h-soon"')]
    soon = html[html.index('id="h-soon"'):]
    assert overdue.index(oldest.code) < overdue.index(newer.code)  # the latest first
    for case, late in ((oldest, 2), (newer, 1)):
        due = service.get(world["off_a"], case.code).due_at
        assert cal.working_days_between(cal.local_date(due), cal.local_date(now)) == late
        row = overdue[overdue.index(case.code):]
        row = row[:row.index("</tr>")]
        assert f"quá {late} ngày" in row
        # The exact instant, as the case page reads it ("24:00 ngày …" for a Civil Code limit).
        assert due.astimezone(HCM).strftime("%H:%M ngày %d/%m/%Y") in row
        assert "Điện nước hạ tầng" in row and row.count("Ấp A1") == 2 and "Đã tiếp nhận" in row
    assert fresh.code in soon and fresh.code not in overdue
    assert "17:00 ngày 11/12/2026" in soon
    assert far.code not in html and done.code not in html
    assert far.code in browser("lead_b").get("/").text
    english = browser("lead_a")
    english.post("/lang", {"lang": "en", "next": "/"}, token_from="/")
    html = english.get("/").text
    assert "2 days late" in html and "Power, water and infrastructure" in html and "Received" in html


def test_board_due_soon_lists_the_next_two_working_days(browser, world, clock, service):
    case = world.new_case()
    # Friday 4 December 2026: the deadline (Tuesday 8 December, 17:00) is two working days away.
    clock.set(datetime(2026, 12, 4, 10, 0, tzinfo=HCM))
    assert service.get(world["off_a"], case.code).due_at.astimezone(HCM).date().isoformat() == "2026-12-08"
    html = browser("off_a").get("/").text
    assert case.code in html[html.index('id="h-soon"'):]
    clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=HCM))  # Wednesday: three working days to go
    html = browser("off_a").get("/").text
    assert case.code not in html


# -- the case list -----------------------------------------------------------------

def test_search_ignores_diacritics_and_case(browser, world):
    water = world.new_case(content="Nước sinh hoạt ở ấp bị đục")
    road = world.new_case(content="Đường ĐAL liên ấp xuống cấp", topic="giao_thong")
    other = world.new_case(content="Trộm gà ban đêm", topic="an_ninh_trat_tu")
    page = browser("off_a")

    def found(q: str) -> set[str]:
        html = page.get("/cases", params={"q": q}).text
        return {c for c in (water.code, road.code, other.code) if c in html}

    assert found("nuoc sinh hoat") == {water.code}
    assert found("NƯỚC   SINH") == {water.code}
    assert found("duong dal") == {road.code}  # đ / Đ fold to d
    assert found("đường") == {road.code}
    assert found("tron ga") == set()
    assert found("trom ga") == {other.code}
    assert found("%") == set() and found("_") == set()  # LIKE wildcards are literal
    assert found(water.code.lower()) == {water.code}  # a code finds its case
    # Cases recorded after the first search are found too.
    late = world.new_case(content="Nước thải sinh hoạt")
    assert late.code in page.get("/cases", params={"q": "nuoc thai"}).text


def test_list_filters(browser, world, service, clock):
    a1 = world.new_case(unit="A1", topic="dien_nuoc")
    a2 = world.new_case(unit="A2", topic="giao_thong")
    home = world.new_case(unit="A2", workflow="moi-tuan-mot-diem-den", topic="y_te")
    service.fire(world["off_a"], a1.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    page = browser("off_a")

    def listed(**params: str) -> set[str]:
        html = page.get("/cases", params=params).text
        return {c.code for c in (a1, a2, home) if c.code in html}

    assert listed() == {a1.code, a2.code, home.code}
    assert listed(state="escalated") == {a1.code}
    assert listed(state="open") == {a1.code, a2.code, home.code}
    assert listed(topic="giao_thong") == {a2.code}
    assert listed(unit="A2") == {a2.code, home.code}
    assert listed(unit="A-KT") == {a1.code}  # handled there
    assert listed(unit="B") == set()  # not the official's unit
    assert listed(programme="moi-tuan-mot-diem-den") == {home.code}
    assert listed(overdue="1") == set()
    clock.advance(timedelta(days=40))
    page = browser("off_a")  # the old session expired meanwhile
    assert listed(overdue="1") == {a1.code, a2.code, home.code}
    # Nonsense parameters are ignored, never a server error.
    assert listed(state="<x>", topic="'; drop table cases;--", programme="x" * 500, sort="?", after="zz") == \
        {a1.code, a2.code, home.code}


def _walk(page, url: str) -> list[str]:
    """The codes of every page of a list, following its "next" links."""
    seen: list[str] = []
    for _ in range(10):
        html = page.get(url).text
        seen += re.findall(r'<a class="code" href="/cases/([A-Z0-9-]+)"', html)
        nxt = re.search(r'href="(/cases\?[^"]*after=[^"]+)" rel="next"', html)
        if not nxt:
            return seen
        url = nxt.group(1).replace("&amp;", "&")
    raise AssertionError("the list never ends")


def test_list_pages_with_a_keyset_cursor(browser, world, service, clock):
    made = []
    for i in range(57):
        clock.advance(timedelta(minutes=7))
        made.append(world.new_case(content=f"Ý kiến số {i}").code)
    # Most share one deadline (17:00 of the same day): ties are broken by id. Closed
    # cases have no deadline at all and come last.
    no_deadline = made[:3]
    for code in no_deadline:
        service.fire(world["off_a"], code, "withdraw", {"reason": "rút"})
    page = browser("off_a")
    seen = _walk(page, "/cases")
    assert len(seen) == 57 and set(seen) == set(made)
    assert len(set(seen)) == len(seen)
    assert seen[-3:] == no_deadline and seen[:54] == made[3:]  # by deadline, then by id
    newest = re.findall(r'<a class="code" href="/cases/([A-Z0-9-]+)"', page.get("/cases?sort=new").text)
    assert newest[0] == made[-1] and len(newest) == 50


def test_the_list_shows_only_the_actors_units(browser, world):
    mine = world.new_case(unit="A1")
    theirs = world.new_case(unit="B1", who="off_b")
    html = browser("off_a").get("/cases").text
    assert mine.code in html and theirs.code not in html
    html = browser("aud_p").get("/cases").text
    assert mine.code in html and theirs.code in html


# -- a case ------------------------------------------------------------------------

def test_sql_looking_search_is_just_text(browser, world, sessions):
    world.new_case()
    page = browser("off_a")
    r = page.get("/cases", params={"q": "'; DELETE FROM cases; --", "unit": "A' OR '1'='1"})
    assert r.status_code == 200
    with sessions() as s:
        assert s.execute(text("SELECT count(*) FROM cases")).scalar() == 1


def test_pages_refuse_huge_query_strings_gracefully(browser, world):
    world.new_case()
    page = browser("off_a")
    assert page.get("/cases", params={"q": "nước " * 600, "after": "d9" * 500}).status_code == 200
    assert page.get("/cases/" + "A" * 3000).status_code == 404


def test_search_pages_within_the_actors_units_without_repeats_or_gaps(browser, world, clock):
    mine = []
    for i in range(53):
        clock.advance(timedelta(minutes=3))
        mine.append(world.new_case(content=f"Nước sinh hoạt bị đục, lần {i}").code)
    theirs = world.new_case(unit="B1", who="off_b", content="Nước sinh hoạt của xã B").code
    world.new_case(content="Đường hư")
    page = browser("off_a")
    by_due = _walk(page, "/cases?q=nuoc+sinh+hoat")
    assert by_due == mine  # one deadline for all: ties by id, and no case twice or missing
    assert _walk(page, "/cases?q=NUOC+sinh&sort=new") == mine[::-1]
    assert _walk(browser("off_b"), "/cases?q=nuoc+sinh+hoat") == [theirs]
    assert set(_walk(browser("aud_p"), "/cases?q=nuoc+sinh+hoat")) == {*mine, theirs}


def test_search_reads_the_index_the_case_service_writes(browser, world, sessions):
    # Changed with the search index (issue 19 item 6): the search no longer folds every
    # row's content in the query, it reads ``content_folded`` and its index, which the
    # case service writes in the case's own transaction. A case is found as soon as it
    # is recorded; content written behind the service's back is not indexed.
    case = world.new_case(content="Đường ĐAL liên ấp bị sạt lở")
    html = browser("off_a").get("/cases", params={"q": "duong dal sat lo"}).text
    assert case.code in html
    with sessions() as s:
        s.execute(update(Case).where(Case.code == case.code).values(content="Ý kiến khác hẳn"))
        s.commit()
    assert case.code not in browser("off_a").get("/cases", params={"q": "y kien khac han"}).text


def test_a_cursor_from_another_list_or_a_forged_one_starts_over(browser, world):
    made = [world.new_case().code for _ in range(3)]
    page = browser("off_a")
    for after in ("zz", "d9" * 90, "x" * 5000):
        html = page.get("/cases", params={"after": after}).text
        assert set(re.findall(r'<a class="code" href="/cases/([A-Z0-9-]+)"', html)) == set(made)
