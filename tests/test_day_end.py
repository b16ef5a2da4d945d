"""The legal end of a day: calendar-day limits end at 24:00 of their last day (Civil
Code 2015, Art. 148), working-day limits when the office closes; each workflow
deadline says which (``day_ends``), and pages show the exact instant."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from engine.calendar import WorkingCalendar, deadline_parts
from engine.deadline_rules import sweep
from engine.deadlines import compute_due, lateness
from engine.workflow import WorkflowDefinitionError, parse_workflow
from workflows import load_builtin

from .browser.web import Page, browser, web_app, web_container  # noqa: F401
from .conftest import HCM


def at(y: int, m: int, d: int, h: int = 17, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=HCM)


@dataclass(frozen=True)
class Rule:
    working_days: int | None = None
    calendar_days: int | None = None
    hours: int | None = None
    appointment: bool = False
    max_working_days: int | None = None
    day_end: str = "office_close"


CAL = WorkingCalendar()


def test_a_calendar_day_limit_ends_at_midnight_of_its_last_day():
    # Received Mon 23/11/2026; 30 days later is Wed 23/12/2026, a working day.
    due = compute_due(CAL, at(2026, 11, 23, 9), Rule(calendar_days=30, day_end="midnight"))
    assert due == at(2026, 12, 24, 0)
    assert deadline_parts(due) == ("24:00", date(2026, 12, 23))
    # On time up to the last second of the day, late from the first of the next.
    assert lateness(CAL, due, at(2026, 12, 23, 23, 59, 59)) == 0
    assert lateness(CAL, due, at(2026, 12, 25, 9)) == 2  # Thu 24 and Fri 25 are working days late
    # The same limit read at the office's close ends seven hours earlier.
    assert compute_due(CAL, at(2026, 11, 23, 9), Rule(calendar_days=30)) == at(2026, 12, 23, 17)


def test_a_limit_ending_on_a_day_off_ends_at_midnight_of_the_next_working_day():
    # 26 days after Mon 23/11/2026 is Sat 19/12: the limit moves to Mon 21/12, 24:00.
    due = compute_due(CAL, at(2026, 11, 23, 9), Rule(calendar_days=26, day_end="midnight"))
    assert deadline_parts(due) == ("24:00", date(2026, 12, 21))


def test_working_day_limits_and_the_workflows_say_which_end_they_have():
    due = compute_due(CAL, at(2026, 11, 23, 9), Rule(working_days=10))
    # 24/11 is Vietnam Cultural Day, so the tenth working day is Tue 08/12.
    assert due == at(2026, 12, 8, 17) and deadline_parts(due) == ("17:00", date(2026, 12, 8))
    weekly = load_builtin()["moi-tuan-mot-diem-den"].spec.states
    assert weekly["escalated"].deadline.day_end == "midnight"  # 30 calendar days, Civil Code
    assert weekly["received"].deadline.day_end == "office_close"


BASE = textwrap.dedent("""\
    key: t
    name: {vi: "Thử", en: "Test"}
    initial: open
    states:
      open:
        label: {vi: "Mở", en: "Open"}
        deadline: DEADLINE
      done:
        label: {vi: "Xong", en: "Done"}
        final: true
    transitions:
      - trigger: finish
        label: {vi: "Kết thúc", en: "Finish"}
        from: [open]
        to: done
        roles: [official]
    """)


@pytest.mark.parametrize(("deadline", "needle"), [
    ("{hours: 4, day_ends: midnight}", "only applies to a limit counted in days"),
    ("{calendar_days: 5, day_ends: noon}", "office_close"),
])
def test_the_loader_refuses_a_bad_day_end(deadline, needle):
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_workflow(BASE.replace("DEADLINE", deadline), "t.yaml")
    [problem] = info.value.problems
    assert problem.key.startswith("states.open.deadline") and needle in problem.message


def test_the_loader_defaults_follow_the_kind_of_limit():
    spec = parse_workflow(BASE.replace("DEADLINE", "{calendar_days: 5}"), "t.yaml").spec
    assert spec.states["open"].deadline.day_end == "midnight"
    spec = parse_workflow(BASE.replace("DEADLINE", "{calendar_days: 5, day_ends: office_close}"), "t.yaml").spec
    assert spec.states["open"].deadline.day_end == "office_close"


def test_an_escalated_weekly_case_is_due_at_2400_and_alerted_after_it(world, service, clock, browser):
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    snap = service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    assert snap.due_at == at(2026, 12, 24, 0)  # 24:00 on Wed 23/12/2026
    html = browser("lead_a").get(f"/cases/{case.code}").text
    assert "24:00 ngày 23/12/2026" in html
    # Not overdue during the last evening; overdue the second after midnight.
    clock.set(at(2026, 12, 23, 23, 59, 59))
    assert sweep(service, clock.now()).overdue == 0
    clock.set(at(2026, 12, 24, 0, 0, 1))
    assert sweep(service, clock.now()).overdue == 1


def test_an_extension_of_a_midnight_deadline_counts_from_its_last_day(world, service, clock):
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    extended = service.extend(world["lead_kt"], case.code, 2, "Chờ khảo sát hiện trường")
    # Two working days after Wed 23/12: Thu 24 and Fri 25 → 24:00 on Fri 25/12.
    assert deadline_parts(extended.due_at) == ("24:00", date(2026, 12, 25))


def test_a_midnight_deadline_two_working_days_away_is_on_the_due_soon_board(world, service, clock, browser):
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    clock.set(at(2026, 12, 21, 9))  # Mon; the limit ends 24:00 on Wed 23/12, two working days away
    html = browser("lead_a").get("/").text
    soon = html[html.index('id="h-soon"'):]
    assert case.code in soon and "24:00 ngày 23/12/2026" in soon


def test_every_surface_reads_a_midnight_deadline_as_its_last_day(world, service, clock, sessions, browser):
    from sqlalchemy import select

    from engine.models import OutboxMessage

    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    # The citizen's tracking page: the last day, not the next morning.
    track = browser().post("/track", {"code": case.code}, token_from="/track").text
    assert "24:00 ngày 23/12/2026" in track and "24/12/2026" not in track
    # The reminder three working days before: its message says 24:00 on 23/12.
    clock.set(at(2026, 12, 19, 0, 0, 1))
    assert sweep(service, clock.now()).reminders == 1
    with sessions() as s:
        reminder = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "deadline.reminder"))
        assert "24:00 23/12/2026" in str(reminder.payload)
