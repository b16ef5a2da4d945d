"""The overdue board, the case list, a case's page and every write on it."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from engine.calendar import LOCAL_TZ
from engine.models import Case, CaseEvent
from engine.services.calendars import load_calendar
from engine.services.cases import NewCase

from .browser.web import browser, counts, csrf_of, form_values, web_app, web_container  # noqa: F401
from .conftest import HCM


def act(page, code: str, trigger: str, version: int | str | None = None, **fields: str):
    html = page.get(f"/cases/{code}").text
    hidden = form_values(html, f"/cases/{code}/act") if f'action="/cases/{code}/act"' in html else {}
    if version is None:
        version = re.search(r'name="version" value="(\d+)"', html).group(1)
    data = {"trigger": trigger, "version": str(version), **fields}
    return page.post(f"/cases/{code}/act", data, csrf=hidden.get("csrf") or csrf_of(html))


def events(sessions, code: str) -> list[CaseEvent]:
    with sessions() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == code))
        return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))


# -- the overdue board -------------------------------------------------------------

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
        assert due.astimezone(HCM).strftime("%d/%m/%Y %H:%M") in row
        assert "Điện nước hạ tầng" in row and row.count("Ấp A1") == 2 and "Đã tiếp nhận" in row
    assert fresh.code in soon and fresh.code not in overdue
    assert "11/12/2026 17:00" in soon
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

def test_case_page_shows_content_deadline_timeline_and_allowed_actions(browser, world, service):
    case = world.new_case(content="Đèn đường hỏng\nnhiều tháng")
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "P-SO", "reason": "Thuộc thẩm quyền Sở"})
    html = browser("off_a").get(f"/cases/{case.code}").text
    assert "Đèn đường hỏng\nnhiều tháng" in html
    assert "Đã chuyển xử lý" in html and "Sở Nông nghiệp và Môi trường" in html
    assert "Tiếp nhận ý kiến" in html and "Chuyển xử lý" in html and "Thuộc thẩm quyền Sở" in html
    assert "Nguyễn Văn Dân" in html and "0901234567" in html
    snap = service.get(world["off_a"], case.code)
    assert snap.due_at.astimezone(HCM).strftime("%d/%m/%Y %H:%M") in html
    offered = set(re.findall(r'name="trigger" value="([a-z_]+)"', html))
    allowed = {o.trigger for o in service.allowed_actions(world["off_a"], case.code) if o.allowed}
    assert offered == allowed == {"escalate", "withdraw"}  # answering is the department's
    so = browser("off_so").get(f"/cases/{case.code}").text
    assert set(re.findall(r'name="trigger" value="([a-z_]+)"', so)) == {"escalate", "answer", "withdraw"}
    assert '<select id="f-escalate-target_unit"' in so and "Phòng Kinh tế xã A" in so
    lead = browser("lead_a").get(f"/cases/{case.code}").text
    assert "merge" in set(re.findall(r'name="trigger" value="([a-z_]+)"', lead))


def test_another_communes_case_is_not_found_exactly_like_a_missing_one(browser, world, sessions):
    case = world.new_case(unit="A1")
    page = browser("off_b")
    theirs = page.get(f"/cases/{case.code}")
    prefix, year, _ = case.code.split("-")
    missing = page.get(f"/cases/{prefix}-{year}-0000000")
    malformed = page.get("/cases/not-a-code")
    assert theirs.status_code == missing.status_code == malformed.status_code == 404
    # The same page, but for the address typed (kept for the language switch).
    same = {r.text.replace(r.request.url.path, "/PATH") for r in (theirs, missing, malformed)}
    assert len(same) == 1
    assert case.code not in theirs.text.replace(f'value="/cases/{case.code}"', "")  # only the address typed
    for path in (f"/cases/{case.code}/history.json", f"/cases/{case.code}/history.csv"):
        assert page.get(path).status_code == 404
    before = counts(sessions)
    token = page.token("/")
    r = page.post(f"/cases/{case.code}/act", {"trigger": "withdraw", "reason": "x", "version": "1"}, csrf=token)
    assert r.status_code == 404 and r.text.replace(f"/cases/{case.code}/act", "/PATH") in same
    r = page.post(f"/cases/{case.code}/remark", {"kind": "urge", "note": "x", "version": "1"}, csrf=token)
    assert r.status_code == 404
    assert counts(sessions) == before


def test_escalate_through_the_form(browser, world, service, sessions):
    case = world.new_case()
    page = browser("off_a")
    r = act(page, case.code, "escalate", target_unit="A-KT", reason="Vượt thẩm quyền", appointment="2026-11-30T14:30")
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.code}?done=escalate"
    html = page.get(r.headers["location"]).text
    assert "Đã thực hiện: Chuyển xử lý." in html
    snap = service.get(world["off_a"], case.code)
    assert snap.state == "escalated" and snap.handling_unit == "A-KT"
    assert snap.appointment_at == datetime(2026, 11, 30, 14, 30, tzinfo=HCM)
    assert "30/11/2026 14:30" in html
    last = events(sessions, case.code)[-1]
    assert last.trigger == "escalate" and last.actor == "off_a" and last.data["reason"] == "Vượt thẩm quyền"


@pytest.mark.parametrize("lang, message", [
    ("vi", "Thiếu thông tin bắt buộc “Chuyển đến đơn vị” cho thao tác “escalate”."),
    ("en", "“escalate” requires the field “Pass to unit”."),
])
def test_refusals_are_shown_in_the_users_language_with_the_input_kept(browser, world, sessions, lang, message):
    case = world.new_case()
    page = browser("off_a")
    if lang == "en":
        page.post("/lang", {"lang": "en", "next": "/"}, token_from="/")
    before = counts(sessions)
    r = act(page, case.code, "escalate", reason="Lý do <b>đậm</b> vẫn còn")
    assert r.status_code == 400
    assert message in r.text
    assert "Lý do &lt;b&gt;đậm&lt;/b&gt; vẫn còn</textarea>" in r.text
    assert '<details class="action" open>' in r.text
    assert counts(sessions) == before


@pytest.mark.parametrize("who, trigger, fields, status, message", [
    ("off_a", "verify", {"satisfaction": "satisfied", "note": "n"}, 409, "Không thể “verify”"),
    ("aud_p", "answer_on_site", {"answer": "a"}, 403, "Vai trò của bạn không được phép “answer_on_site”"),
    ("off_a", "answer_on_site", {"answer": "x" * 10_001}, 400, "dài quá 10000 ký tự"),
    ("off_a", "answer_on_site", {"answer": "   "}, 400, "Thiếu thông tin bắt buộc “Nội dung trả lời”"),
    ("off_a", "escalate", {"target_unit": "NOPE", "reason": "r"}, 400, "không có đơn vị “NOPE”"),
    ("off_a", "escalate", {"target_unit": "A-KT", "reason": "r", "appointment": "ngày mai"}, 400,
     "không đúng dạng ngày giờ"),
    ("off_a", "escalate", {"target_unit": "A-KT", "reason": "r", "appointment": "2026-11-20T09:00"}, 400,
     "hẹn trả lời phải ở tương lai"),
    ("off_a", "escalate", {"target_unit": "A-KT", "reason": "r", "appointment": "2027-06-01T09:00"}, 400,
     "thời hạn hẹn tối đa 15 ngày làm việc"),
    ("lead_a", "merge", {"duplicate_of": "P-2026-0000000"}, 400, "không tìm thấy ý kiến gốc"),
    ("off_a", "'; DROP TABLE cases; --", {}, 409, "Không thể “&#39;; DROP TABLE cases; --”"),
    ("off_a", "answer_on_site", {"answer": "a"}, 400, "Biểu mẫu không hợp lệ"),  # version "abc" below
])
def test_hostile_and_wrong_action_posts_are_refused_with_a_message(browser, world, sessions, who, trigger, fields,
                                                                   status, message):
    case = world.new_case()
    page = browser(who)
    before = counts(sessions)
    version = "abc" if message == "Biểu mẫu không hợp lệ" else 1
    r = act(page, case.code, trigger, version=version, **fields)
    assert r.status_code == status, r.text[-2000:]
    assert message in r.text
    assert counts(sessions) == before
    assert [e.trigger for e in events(sessions, case.code)] == ["receive"]


def test_a_replayed_or_stale_form_changes_nothing(browser, world, sessions, service):
    case = world.new_case()
    page = browser("off_a")
    html = page.get(f"/cases/{case.code}").text
    form = form_values(html, f"/cases/{case.code}/act")
    data = {**form, "trigger": "answer_on_site", "answer": "Đã trả lời"}
    assert page.post(f"/cases/{case.code}/act", data, csrf=form["csrf"]).status_code == 303
    before = counts(sessions)
    replay = page.post(f"/cases/{case.code}/act", data, csrf=form["csrf"])
    assert replay.status_code == 409
    assert "vừa được người khác cập nhật" in replay.text
    assert counts(sessions) == before
    # A colleague acted meanwhile: the form shown before is stale too.
    lead = browser("lead_a")
    html = lead.get(f"/cases/{case.code}").text
    service.fire(world["lead_a"], case.code, "reopen", {"reason": "chưa đạt"})
    form = form_values(html, f"/cases/{case.code}/act")
    r = lead.post(f"/cases/{case.code}/act", {**form, "trigger": "verify", "satisfaction": "satisfied", "note": "n"},
                  csrf=form["csrf"])
    assert r.status_code == 409 and service.get(world["lead_a"], case.code).state == "escalated"


def test_unknown_fields_are_dropped_and_html_is_stored_as_text(browser, world, service):
    case = world.new_case()
    page = browser("off_a")
    answer = "<img src=x onerror=alert(1)> ' OR 1=1; --"
    r = act(page, case.code, "answer_on_site", answer=answer, target_unit="B", citizen_name="x")
    assert r.status_code == 303
    snap = service.get(world["off_a"], case.code)
    assert snap.answer == answer and snap.handling_unit == "A1"
    html = page.get(f"/cases/{case.code}").text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; &#39; OR 1=1; --" in html


def test_a_script_in_an_opinion_is_shown_as_text_everywhere(browser, world, clock):
    evil = "<script>alert('xss')</script>"
    case = world.new_case(content=evil, citizen_name="<b>Tên</b>")
    clock.advance(timedelta(days=30))
    page = browser("lead_a")
    for path in ("/", "/cases", f"/cases/{case.code}", "/cases?q=script"):
        html = page.get(path).text
        assert case.code in html, path
        assert "<script>" not in html and "<b>Tên</b>" not in html, path
    html = page.get(f"/cases/{case.code}").text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html and "&lt;b&gt;Tên&lt;/b&gt;" in html


def test_leader_verifies_and_resolves(browser, world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "a"})
    page = browser("lead_a")
    assert act(page, case.code, "verify", satisfaction="satisfied", note="Dân hài lòng").status_code == 303
    html = page.get(f"/cases/{case.code}").text
    assert "Hài lòng" in html and "Dân hài lòng" in html
    assert act(page, case.code, "resolve").status_code == 303
    html = page.get(f"/cases/{case.code}").text
    assert "Đã giải quyết xong" in html and 'name="trigger"' not in html
    assert "Bạn không có thao tác nào" in html


def test_denouncers_identity_is_shown_only_to_leaders_of_the_handling_unit(browser, world):
    case = world.new_case(kind="to_cao", citizen_name="Người Tố Cáo", citizen_phone="0911222333")
    for who, sees in (("off_a", False), ("aud_p", False), ("lead_a", True)):
        html = browser(who).get(f"/cases/{case.code}").text
        assert ("Người Tố Cáo" in html) == sees, who
        assert ("0911222333" in html) == sees, who


# -- the Front -----------------------------------------------------------------------

def test_auditor_reads_everything_in_scope_and_only_remarks(browser, world, service, sessions):
    case = world.new_case(unit="B1", who="off_b")
    page = browser("aud_p")
    html = page.get(f"/cases/{case.code}").text
    assert 'action="/cases/' + case.code + '/act"' not in html
    assert "Bạn xem ý kiến này với vai trò giám sát" in html
    form = form_values(html, f"/cases/{case.code}/remark")
    r = page.post(f"/cases/{case.code}/remark", {**form, "kind": "urge", "note": "Đề nghị trả lời sớm"},
                  csrf=form["csrf"])
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.code}?done=remark"
    html = page.get(r.headers["location"]).text
    assert "Đã ghi ý kiến giám sát." in html and "Đôn đốc" in html and "Đề nghị trả lời sớm" in html
    assert service.get(world["aud_p"], case.code).state == "received"
    last = events(sessions, case.code)[-1]
    assert (last.trigger, last.actor, last.note) == ("urge", "aud_p", "Đề nghị trả lời sớm")
    before = counts(sessions)
    replay = page.post(f"/cases/{case.code}/remark", {**form, "kind": "urge", "note": "Đề nghị trả lời sớm"},
                       csrf=form["csrf"])
    assert replay.status_code == 409 and counts(sessions) == before
    for bad in ({"kind": "delete", "note": "x"}, {"kind": "remark", "note": ""}, {"kind": "remark", "note": "x" * 4001}):
        html = page.get(f"/cases/{case.code}").text
        form = form_values(html, f"/cases/{case.code}/remark")
        r = page.post(f"/cases/{case.code}/remark", {**form, **bad}, csrf=form["csrf"])
        assert r.status_code == 400, bad
        assert counts(sessions) == before


def test_history_export_json_and_csv_with_hashes_and_verification(browser, world, service, sessions):
    case = world.new_case(citizen_name="Nguyễn Văn Dân", content="=HYPERLINK(\"http://x\")")
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    service.remark(world["aud_p"], case.code, "Theo dõi", kind="remark")
    page = browser("aud_p")
    r = page.get(f"/cases/{case.code}/history.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["x-chain-verified"] == "ok" and "attachment" in r.headers["content-disposition"]
    body = r.json()
    assert [e["trigger"] for e in body["events"]] == ["receive", "escalate", "remark"]
    assert body["verification"]["ok"] is True
    stored = events(sessions, case.code)
    assert [e["hash"] for e in body["events"]] == [e.hash for e in stored]
    assert body["events"][1]["prev_hash"] == stored[0].hash
    assert "Nguyễn Văn Dân" not in r.text and "0901234567" not in r.text
    r = page.get(f"/cases/{case.code}/history.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["case", "seq", "at_utc"] and len(rows) == 5
    assert [row[11] for row in rows[1:4]] == [e.hash for e in stored]
    assert rows[-1][5] == "verification" and rows[-1][8] == "OK"
    assert all(not cell.startswith("=") for row in rows for cell in row)
    # Someone edits the history behind the application's back: the export says so.
    with sessions() as s:
        s.execute(update(CaseEvent).where(CaseEvent.id == stored[1].id).values(note="sửa lén"))
        s.commit()
    r = page.get(f"/cases/{case.code}/history.json")
    assert r.headers["x-chain-verified"] == "broken"
    assert r.json()["verification"]["ok"] is False and "#2" in r.json()["verification"]["problem"]
    rows = list(csv.reader(io.StringIO(page.get(f"/cases/{case.code}/history.csv").content.decode("utf-8-sig"))))
    assert rows[-1][8].startswith("BROKEN")


def test_export_needs_scope_and_names_no_citizen(browser, world):
    case = world.new_case()
    assert browser("off_b").get(f"/cases/{case.code}/history.csv").status_code == 404
    r = browser("off_a").get(f"/cases/{case.code}/history.csv")
    assert r.status_code == 200 and "Nguyễn Văn Dân" not in r.text


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


def test_notebook_entry_received_days_ago_counts_from_then(browser, world, service, clock):
    received = (clock.now() - timedelta(days=30)).astimezone(LOCAL_TZ)
    snap = service.create(world["off_a"], NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi",
                                                  content="Sổ tay", received_at=received))
    html = browser("off_a").get("/").text
    assert snap.code in html[html.index('id="h-overdue"'):html.index('id="h-soon"')]


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


def test_search_needs_no_derived_data(browser, world, sessions):
    # Content written behind the application's back (an import, a restore) is found
    # at once: the folding happens in the query, there is nothing to rebuild.
    case = world.new_case(content="Ý kiến")
    with sessions() as s:
        s.execute(update(Case).where(Case.code == case.code).values(content="Đường ĐAL liên ấp bị sạt lở"))
        s.commit()
    html = browser("off_a").get("/cases", params={"q": "duong dal sat lo"}).text
    assert case.code in html


def test_a_cursor_from_another_list_or_a_forged_one_starts_over(browser, world):
    made = [world.new_case().code for _ in range(3)]
    page = browser("off_a")
    for after in ("zz", "d9" * 90, "x" * 5000):
        html = page.get("/cases", params={"after": after}).text
        assert set(re.findall(r'<a class="code" href="/cases/([A-Z0-9-]+)"', html)) == set(made)
