"""A case's page and every write on it: actions, refusals, remarks, exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from engine.calendar import LOCAL_TZ
from engine.models import Case, CaseEvent
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
    # A person's spreadsheet: Vietnamese headers and labels, local times (history.json keeps the codes).
    assert rows[0][:3] == ["Mã ý kiến", "STT sự kiện", "Thời điểm (giờ UTC)"] and len(rows) == 5
    assert [row[11] for row in rows[1:4]] == [e.hash for e in stored]
    assert rows[1][5] == "Tiếp nhận ý kiến" and "receive" not in rows[1] and re.fullmatch(r"\d\d/\d\d/\d{4} [\d:]{8}", rows[1][3])
    assert rows[-1][5] == "Kiểm tra chuỗi băm" and rows[-1][8] == "Toàn vẹn"
    assert all(not cell.startswith("=") for row in rows for cell in row)
    # Someone edits the history behind the application's back: the export says so.
    with sessions() as s:
        s.execute(update(CaseEvent).where(CaseEvent.id == stored[1].id).values(note="sửa lén"))
        s.commit()
    r = page.get(f"/cases/{case.code}/history.json")
    assert r.headers["x-chain-verified"] == "broken"
    assert r.json()["verification"]["ok"] is False and "#2" in r.json()["verification"]["problem"]
    rows = list(csv.reader(io.StringIO(page.get(f"/cases/{case.code}/history.csv").content.decode("utf-8-sig"))))
    assert rows[-1][8].startswith("Bị sửa: ")


def test_export_needs_scope_and_names_no_citizen(browser, world):
    case = world.new_case()
    assert browser("off_b").get(f"/cases/{case.code}/history.csv").status_code == 404
    r = browser("off_a").get(f"/cases/{case.code}/history.csv")
    assert r.status_code == 200 and "Nguyễn Văn Dân" not in r.text


def test_notebook_entry_received_days_ago_counts_from_then(browser, world, service, clock):
    received = (clock.now() - timedelta(days=30)).astimezone(LOCAL_TZ)
    snap = service.create(world["off_a"], NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi",
                                                  content="Sổ tay", received_at=received))
    html = browser("off_a").get("/").text
    assert snap.code in html[html.index('id="h-overdue"'):html.index('id="h-soon"')]
