"""A synthetic programme entered through the services — meetings with the officials
who took part, opinions answered on the spot, transferred within the commune,
proposed higher, extended, withdrawn, left open, and opinions carried over from
February — and the March report checked against figures the test works out itself
from what it entered: on the page, in the API's JSON, in CSV and in XLSX.

What the test computes is independent of the report's SQL: directions from its own
map of the unit tree, states and stage outcomes from each case's history as the
service returns it, meetings and participants from what it recorded.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from engine.actors import SYSTEM
from engine.calendar import LOCAL_TZ
from engine.reports import Period, ReportRequest, build_report
from engine.reports.export import report_csv
from engine.services.meetings import MeetingService, NewMeeting, Opinion, Participant

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import browser, client, web_app, web_container  # noqa: F401
from .test_reports_support import NDN, at

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
AS_OF = date(2026, 4, 15)  # the report is made on 15 April for the month of March
TODAY = at(2026, 4, 20, 10)
QUERY = "from=2026-03-01&to=2026-03-31&unit=P&as_of=2026-04-15"
PAGE_QUERY = "start=2026-03-01&end=2026-03-31&unit=P&as_of=2026-04-15"

# The test's own map of the world's tree (tests/world.py): the administrative level
# each unit belongs to, and which levels are above which.
LEVEL_OF = {"A1": "A", "A2": "A", "A": "A", "A-KT": "A", "A-MT": "A", "B": "B", "B1": "B", "P": "P", "P-SO": "P"}
ABOVE = {"A": {"P"}, "B": {"P"}, "P": set()}


def direction(source: str, target: str) -> str:
    return "up" if LEVEL_OF[target] in ABOVE[LEVEL_OF[source]] else "across"


def local_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), LOCAL_TZ)


@dataclass
class Programme:
    codes: list[str] = field(default_factory=list)
    handling: dict[str, str] = field(default_factory=dict)
    moves: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)
    meetings: list[tuple[date, int, int]] = field(default_factory=list)  # held on, attendees, participants


def build(world, service, clock) -> Programme:  # type: ignore[no-untyped-def]
    w, prog = world, Programme()
    meetings = MeetingService(service)

    def fire(when: datetime, who: str, code: str, trigger: str, **data: object) -> None:
        clock.set(when)
        if "target_unit" in data:
            target = str(data["target_unit"])
            prog.moves[code].append((direction(prog.handling[code], target), when))
            prog.handling[code] = target
        service.fire(w[who], code, trigger, data)

    def meeting(held: datetime, unit: str, attendees: int, participants: list[Participant],
                opinions: list[Opinion], who: str = "off_a") -> list[str]:
        clock.set(held + timedelta(hours=3))
        recorded = meetings.record(w[who], NewMeeting(programme=NDN, held_on=held.date(), unit=unit, attendees=attendees,
                                                     participants=participants, opinions=opinions))
        prog.meetings.append((held.date(), attendees, len(participants)))
        for code, o in zip(recorded.meeting.cases, opinions):
            prog.codes.append(code)
            prog.handling[code] = o.unit or unit
            prog.moves[code] = []
            if o.target_unit:
                prog.moves[code].append((direction(o.unit or unit, o.target_unit), held + timedelta(hours=3)))
                prog.handling[code] = o.target_unit
        return list(recorded.meeting.cases)

    def new(when: datetime, who: str, unit: str) -> str:
        clock.set(when)
        code = w.new_case(who, unit, received_at=when.isoformat()).code
        prog.codes.append(code)
        prog.handling[code], prog.moves[code] = unit, []
        return code

    def opinion(**kw: object) -> Opinion:
        return Opinion(topic="dien_nuoc", content="Ý kiến của cử tri", **kw)  # type: ignore[arg-type]

    def answered(**kw: object) -> Opinion:
        return opinion(outcome="answer_on_site", answer="Đã trả lời tại chỗ", **kw)

    # February: opinions that will be carried over into March (or not).
    c1 = new(at(2026, 2, 3), "off_a", "A1")
    fire(at(2026, 2, 3, 10), "off_a", c1, "answer_on_site", answer="Đã trả lời")
    c2 = new(at(2026, 2, 4), "off_a", "A2")
    c3 = new(at(2026, 2, 5), "off_b", "B1")
    fire(at(2026, 2, 5, 10), "off_b", c3, "answer_on_site", answer="Đã trả lời")
    c4 = new(at(2026, 2, 2), "off_a", "A1")
    fire(at(2026, 2, 2, 10), "off_a", c4, "answer_on_site", answer="Đã trả lời")
    fire(at(2026, 2, 5), "lead_a", c4, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 2, 6), "off_a", c4, "resolve")  # closed before March: not carried over
    meeting(at(2026, 2, 24, 8), "A1", 10, [Participant(user="off_a")], [])  # February: not counted

    o1, o2, o3, o4 = meeting(at(2026, 3, 3, 8), "A1", 40, [
        Participant(user="off_a"), Participant(user="lead_a"), Participant(user="off_kt"),
        Participant(name="Nguyễn Văn Huyện")], [
        answered(), answered(), opinion(outcome="escalate", target_unit="A-KT"),
        opinion(outcome="escalate", target_unit="P-SO")])
    o5, o6, o7 = meeting(at(2026, 3, 10, 8), "A2", 25, [
        Participant(user="off_a"), Participant(user="aud_p"), Participant(name="Trần Thị Mai")], [
        opinion(), opinion(outcome="escalate", target_unit="A"), opinion()])
    o8, o9 = meeting(at(2026, 3, 17, 8), "B1", 30, [Participant(user="off_b"), Participant(user="lead_b")], [
        opinion(outcome="escalate", target_unit="B"), answered()], who="off_b")
    late_april = new(at(2026, 4, 1), "off_a", "A1")  # April: outside the period

    fire(at(2026, 3, 4), "lead_a", c1, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 3, 4, 10), "off_a", c1, "resolve")
    fire(at(2026, 3, 5), "lead_a", o1, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 3, 5, 10), "off_a", o1, "resolve")
    # Answered at the household on the day, but closed after the closing stage's limit.
    fire(at(2026, 3, 20), "lead_a", o2, "verify", satisfaction="not_satisfied", note="Chưa ổn")
    fire(at(2026, 3, 20, 10), "off_a", o2, "resolve")
    fire(at(2026, 3, 6), "off_kt", o3, "answer", answer="Phòng đã xử lý")
    fire(at(2026, 3, 9), "lead_a", o3, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 3, 9, 10), "off_a", o3, "resolve")
    clock.set(at(2026, 3, 20))
    service.extend(w["lead_a"], o5, 3, "Chờ ý kiến của phòng chuyên môn")
    fire(at(2026, 3, 26), "off_a", o5, "answer_on_site", answer="Đã trả lời sau khi có ý kiến")
    fire(at(2026, 3, 27), "lead_a", o5, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 3, 27, 10), "off_a", o5, "resolve")
    fire(at(2026, 3, 12), "off_a", o7, "withdraw", reason="Người dân rút ý kiến")
    fire(at(2026, 3, 18), "off_b", o8, "escalate", target_unit="P-SO", reason="Vượt thẩm quyền xã")
    # After the period, before the as-of day.
    fire(at(2026, 4, 2), "off_so", o4, "answer", answer="Sở đã trả lời")
    fire(at(2026, 4, 3), "lead_a", o4, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 4, 3, 10), "off_a", o4, "resolve")
    fire(at(2026, 4, 8), "lead_b", c3, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 4, 8, 10), "off_b", c3, "resolve")
    fire(at(2026, 4, 10), "lead_b", o9, "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 4, 10, 10), "off_b", o9, "resolve")
    # After the as-of day: counts in neither status.
    fire(at(2026, 4, 17), "lead_a", c2, "answer_on_site", answer="Trả lời muộn")
    del o6, late_april  # left open; received after the period
    clock.set(TODAY)
    return prog


def expected(service, prog: Programme, end: datetime) -> Counter:  # type: ignore[no-untyped-def]
    """The cohort's figures at ``end``, from each case's history and the test's moves."""
    start, period_end = local_end(MARCH[0] - timedelta(days=1)), local_end(MARCH[1])
    out: Counter = Counter()
    for code in prog.codes:
        snap = service.get(SYSTEM, code)
        if not start <= snap.received_at < period_end:
            continue
        events = [e for e in service.history(SYSTEM, code) if e.at < end]
        states = [e.to_state for e in events if e.from_state != e.to_state]
        dirs = [d for d, when in prog.moves[code] if when < end]
        out["received"] += 1
        out["answered_on_site"] += "answered_on_site" in states
        out["escalated"] += bool(dirs)
        out["proposed_higher"] += "up" in dirs
        out["transferred_within"] += "up" not in dirs and "across" in dirs
        resolved = "resolved" in states
        closed = resolved or "merged" in states or "withdrawn" in states
        out["resolved"] += resolved
        out["closed_other"] += closed and not resolved
        outcomes = {e.data.get("stage_outcome") for e in events}
        if resolved:
            out["late" if "missed" in outcomes else "extended" if "met_after_extension" in outcomes
                else "on_time"] += 1
        if not closed:
            due = [e.data.get("due_at") for e in events if e.trigger not in ("remark", "urge", "confirm")][-1]
            out["still_overdue"] += due is not None and datetime.fromisoformat(due) < end
        rated = [e.data["satisfaction"] for e in events if e.data.get("satisfaction")]
        if rated:
            out[rated[-1]] += 1
    return out


def expected_carried(service, prog: Programme) -> dict[str, int]:  # type: ignore[no-untyped-def]
    start, end, as_of_end = local_end(MARCH[0] - timedelta(days=1)), local_end(MARCH[1]), local_end(AS_OF)
    out = Counter()
    for code in prog.codes:
        if service.get(SYSTEM, code).received_at >= start:
            continue
        events = service.history(SYSTEM, code)
        closed = [e.at for e in events if e.from_state != e.to_state and e.to_state in ("resolved", "merged", "withdrawn")]
        if closed and closed[0] < start:
            continue
        resolved = [e.at for e in events if e.to_state == "resolved" and e.from_state != e.to_state]
        out["open_at_start"] += 1
        out["resolved"] += bool(resolved) and resolved[0] < end
        out["resolved_as_of"] += bool(resolved) and resolved[0] < as_of_end
    return dict(out)


def vi_number(value: int | float | None) -> str:
    """What a Vietnamese reader expects to see (small numbers: no thousands here)."""
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.1f}".replace(".", ",")


def share(n: int, of: int) -> float | None:
    return round(100 * n / of, 1) if of else None


@pytest.fixture
def march(world, service, clock):  # type: ignore[no-untyped-def]
    prog = build(world, service, clock)
    at_end = expected(service, prog, local_end(MARCH[1]))
    as_of = expected(service, prog, local_end(AS_OF))
    meetings = [m for m in prog.meetings if MARCH[0] <= m[0] <= MARCH[1]]
    figures = {
        "meetings": len(meetings), "attendees": sum(m[1] for m in meetings),
        "participations": sum(m[2] for m in meetings),
    }
    return prog, at_end, as_of, figures, expected_carried(service, prog)


KEYS = ("received", "answered_on_site", "escalated", "transferred_within", "proposed_higher", "resolved",
        "closed_other", "on_time", "extended", "late", "still_overdue", "satisfied", "not_satisfied")


def test_the_programme_exercises_every_figure(march):
    _, at_end, as_of, meetings, carried = march
    # The data is built so that each figure is non-trivial, and the two statuses differ.
    assert all(at_end[k] for k in ("received", "answered_on_site", "transferred_within", "proposed_higher",
                                   "resolved", "on_time", "extended", "late", "closed_other", "still_overdue"))
    assert as_of["resolved"] > at_end["resolved"] and as_of["late"] > at_end["late"]
    assert meetings["participations"] > meetings["meetings"] > 0
    assert carried["open_at_start"] > carried["resolved_as_of"] > carried["resolved"] > 0


def test_json_has_the_figures_the_test_computed(march, api, as_user, service):
    prog, at_end, as_of, meetings, carried = march
    r = api.get(f"/api/v1/reports/summary?{QUERY}", headers=as_user("aud_p"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["as_of"] == "2026-04-15"
    assert {k: data["totals"][k] for k in KEYS} == {k: at_end[k] for k in KEYS}
    assert {k: data["totals_as_of"][k] for k in KEYS} == {k: as_of[k] for k in KEYS}
    assert data["carried_over"] == carried
    assert {k: data["meetings"][k] for k in meetings} == meetings
    # The three classes of timeliness add up to the resolved, in both statuses.
    for totals in (data["totals"], data["totals_as_of"]):
        assert totals["on_time"] + totals["extended"] + totals["late"] == totals["resolved"]
    # By unit the same figures add up; carried over and participations are per unit too.
    assert sum(r["as_of"]["resolved"] for r in data["by_unit"]) == as_of["resolved"]
    assert sum(r["carried_over"]["open_at_start"] for r in data["by_unit"]) == carried["open_at_start"]
    assert sum(r["meetings"]["participations"] for r in data["by_unit"]) == meetings["participations"]
    # Without as_of the second status is today's (the clock's), and no later day may be asked.
    today = api.get("/api/v1/reports/summary?from=2026-03-01&to=2026-03-31&unit=P", headers=as_user("aud_p")).json()
    assert today["as_of"] == "2026-04-20"
    assert today["totals_as_of"]["resolved"] == expected(service, prog, local_end(TODAY.date()))["resolved"]
    future = api.get("/api/v1/reports/summary?from=2026-03-01&to=2026-03-31&as_of=2026-04-21",
                     headers=as_user("aud_p"))
    assert future.status_code == 422 and future.headers["content-type"] == "application/problem+json"
    early = api.get("/api/v1/reports/summary?from=2026-03-01&to=2026-03-31&as_of=2026-03-30",
                    headers=as_user("aud_p"))
    assert early.status_code == 422


def summary_expectations(march) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Summary line text → (count at the period end, count as of the report's day), as shown."""
    _, a, b, m, c = march
    out = {
        "Số buổi tiếp xúc, đối thoại": (m["meetings"], m["meetings"]),
        "Số lượt người dân tham dự": (m["attendees"], m["attendees"]),
        "Số lượt cán bộ, công chức tham gia": (m["participations"], m["participations"]),
        "Tổng số ý kiến, kiến nghị tiếp nhận": (a["received"], b["received"]),
        "Trả lời, giải thích tại chỗ": (a["answered_on_site"], b["answered_on_site"]),
        "Trong đó: chuyển trong cấp xã (cùng cấp)": (a["transferred_within"], b["transferred_within"]),
        "Đề xuất với cấp ủy, chính quyền cấp trên": (a["proposed_higher"], b["proposed_higher"]),
        "Đã giải quyết xong": (a["resolved"], b["resolved"]),
        "Trong đó: giải quyết đúng hạn": (a["on_time"], b["on_time"]),
        "Đúng hạn sau gia hạn": (a["extended"], b["extended"]),
        "Trễ hạn": (a["late"], b["late"]),
        "Ý kiến kỳ trước chuyển sang (chưa xong khi bắt đầu kỳ)": (c["open_at_start"], c["open_at_start"]),
        "Trong đó: đã giải quyết xong": (c["resolved"], c["resolved_as_of"]),
    }
    return {k: (vi_number(x), vi_number(y)) for k, (x, y) in out.items()}


def test_the_page_shows_the_same_figures_in_vietnamese_numbers(march, browser):
    _, a, b, _, _ = march
    r = browser("aud_p").get(f"/reports?{PAGE_QUERY}")
    assert r.status_code == 200, r.text[-2000:]
    rows = {html_lib.unescape(text): (count, later, pct, later_pct) for text, count, pct, later, later_pct in re.findall(
        r'<tr data-figure="\d+"><td>[^<]*</td><th scope="row">([^<]*)</th><td class="num">([^<]*)</td>'
        r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>', r.text)}
    for text, (count, later) in summary_expectations(march).items():
        assert rows[text][:2] == (count, later), text
    # Shares with a decimal comma, both statuses.
    assert rows["Đã giải quyết xong"][2:] == (vi_number(share(a["resolved"], a["received"])),
                                              vi_number(share(b["resolved"], b["received"])))
    assert "," in rows["Đã giải quyết xong"][2]
    # The rule of timeliness is written under the tables.
    assert r.text.count("Chỉ tính ý kiến đã giải quyết xong") >= 5


def test_csv_and_xlsx_carry_the_same_figures(march, api, as_user, service, world):
    _, a, b, m, c = march
    r = api.get(f"/api/v1/reports/summary?{QUERY}&format=csv", headers=as_user("aud_p"))
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    total = dict(zip(rows[0], rows[1]))
    later = "đến ngày 15/04/2026"
    assert total["Số ý kiến tiếp nhận"] == vi_number(a["received"])
    for key, name in (("answered_on_site", "Trả lời tại chỗ"), ("transferred_within", "Chuyển trong cấp xã (cùng cấp)"),
                      ("proposed_higher", "Đề xuất cấp trên"), ("resolved", "Đã giải quyết xong"),
                      ("on_time", "Giải quyết đúng hạn"), ("extended", "Đúng hạn sau gia hạn"), ("late", "Trễ hạn"),
                      ("still_overdue", "Còn quá hạn")):
        assert (total[f"{name} – cuối kỳ"], total[f"{name} – {later}"]) == (vi_number(a[key]), vi_number(b[key])), key
    assert total["Tỷ lệ giải quyết (%) – cuối kỳ"] == vi_number(share(a["resolved"], a["received"]))
    assert (total["Kỳ trước chuyển sang"], total["Kỳ trước chuyển sang, giải quyết xong trong kỳ"],
            total["Kỳ trước chuyển sang, giải quyết xong đến ngày báo cáo"]) == tuple(
        vi_number(c[k]) for k in ("open_at_start", "resolved", "resolved_as_of"))
    assert (total["Số buổi tiếp xúc, đối thoại"], total["Số lượt người dân dự"],
            total["Số lượt cán bộ, công chức tham gia"]) == tuple(vi_number(m[k]) for k in
                                                                 ("meetings", "attendees", "participations"))
    # In English the CSV holds plain machine numbers.
    with service.uow(write=False) as uow:
        rep = build_report(uow.session, world["aud_p"], ReportRequest(Period(*MARCH), "P", as_of=AS_OF),
                           now=service.clock.now())
    en = list(csv.reader(io.StringIO(report_csv(rep, "en").encode("utf-8").decode("utf-8-sig"))))
    en_total = dict(zip(en[0], en[1]))
    assert en_total["Share resolved (%) – at the period end"] == str(share(a["resolved"], a["received"]))

    book = load_workbook(io.BytesIO(api.get(f"/api/v1/reports/summary?{QUERY}&format=xlsx",
                                            headers=as_user("aud_p")).content))
    sheet = book["Tổng hợp"]
    cells = {sheet.cell(r, 2).value: (sheet.cell(r, 3), sheet.cell(r, 5)) for r in range(1, sheet.max_row + 1)}
    for text, (count, later_count) in summary_expectations(march).items():
        at_end_cell, later_cell = cells[text]
        # Numbers stay numbers in the workbook, with a number format.
        assert (vi_number(at_end_cell.value), vi_number(later_cell.value)) == (count, later_count), text
        assert isinstance(at_end_cell.value, int) and at_end_cell.number_format == "#,##0"
    units = book["Theo đơn vị"]
    header = [c.value for c in units[1]]
    body = {row[2].value: dict(zip(header, [c.value for c in row])) for row in units.iter_rows(min_row=2)
            if row[2].value}
    assert sum(body[u]["Số lượt cán bộ, công chức tham gia"] for u in ("A", "B", "P-SO")) == m["participations"]


def test_the_command_line_takes_the_as_of_day(march, run):
    import json

    _, at_end, as_of, meetings, carried = march
    out = run("report", "--from", "2026-03-01", "--to", "2026-03-31", "--unit", "P", "--as-of", "2026-04-15")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {k: data["totals_as_of"][k] for k in KEYS} == {k: as_of[k] for k in KEYS}
    assert data["carried_over"] == carried and data["meetings"]["participations"] == meetings["participations"]
    bad = run("report", "--from", "2026-03-01", "--to", "2026-03-31", "--as-of", "2026-03-15")
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1 and "cuối kỳ" in bad.output


def test_the_sql_rule_and_the_python_rule_of_timeliness_agree(march, sessions):
    from sqlalchemy import select

    from engine.models import CaseFacts
    from engine.reports.timeliness import classify

    _, at_end, as_of, _, _ = march
    start, period_end = local_end(MARCH[0] - timedelta(days=1)), local_end(MARCH[1])
    with sessions() as s:
        facts = s.execute(select(CaseFacts.received_at, CaseFacts.resolved_at, CaseFacts.extended_at,
                                 CaseFacts.missed_at)).all()
    for end, want in ((period_end, at_end), (local_end(AS_OF), as_of)):
        got = Counter(classify(r, x, m, end) for received, r, x, m in facts if start <= received < period_end)
        assert {k: got[k] for k in ("on_time", "extended", "late")} == {k: want[k] for k in ("on_time", "extended",
                                                                                              "late")}
