"""Extensions (gia hạn) and paused clocks: the deadline moves by exactly the granted
or paused working time, derived from the history; hostile requests change nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engine.deadline_rules import ExtensionRefused, StageFacts, sweep
from engine.deadline_rules.stages import stage_facts
from engine.errors import InvalidField, InvalidTransition, MissingField, OutOfScope, RoleNotAllowed, StaleVersion
from engine.models import Case, CaseEvent, OutboxMessage, Timer
from engine.services.calendars import load_calendar

from .conftest import HCM


def at(y: int, m: int, d: int, h: int = 17, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=HCM)


def live_timers(sessions, code: str) -> dict[str, datetime]:
    with sessions() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == code))
        rows = s.scalars(select(Timer).where(Timer.case_id == case_id, Timer.status.in_(("pending", "paused"))))
        return {t.rule: t.due_at.astimezone(HCM) for t in rows}


def facts_from_history(service, workflows, code: str) -> StageFacts:
    """Recompute the current stage from the event rows alone, as an auditor would."""
    with service.uow(write=False) as uow:
        case = uow.session.scalar(select(Case).where(Case.code == code))
        rows = uow.session.execute(select(CaseEvent.seq, CaseEvent.at, CaseEvent.trigger, CaseEvent.to_state,
                                          CaseEvent.data).where(CaseEvent.case_id == case.id,
                                                                CaseEvent.seq >= case.stage_seq)
                                   .order_by(CaseEvent.seq)).all()
        return stage_facts(workflows[case.workflow_key], rows)


# ------------------------------------------------------------------- extensions


def test_extension_moves_the_deadline_and_the_timers(world, service, sessions, clock):
    case = world.new_case()  # due Tue 08/12 17:00
    clock.set(at(2026, 12, 3, 10))
    snap = service.extend(world["lead_a"], case.code, 3, "Chờ kết quả xét nghiệm mẫu nước",
                          expected_version=case.version)
    # Three working days after Tue 08/12: Wed 09, Thu 10, Fri 11.
    assert snap.due_at == at(2026, 12, 11)
    assert (snap.version, snap.event_count, snap.state) == (2, 2, "received")
    assert live_timers(sessions, case.code) == {
        "remind": at(2026, 12, 9), "overdue": at(2026, 12, 11, 17, 0, 1), "auto_escalate": at(2026, 12, 16, 17, 0, 1)}
    [event] = [e for e in service.history(world["lead_a"], case.code) if e.trigger == "extend"]
    assert (event.actor, event.from_state, event.to_state) == ("lead_a", "received", "received")
    assert event.data["working_days"] == 3 and event.data["reason"] == "Chờ kết quả xét nghiệm mẫu nước"
    assert datetime.fromisoformat(event.data["previous_due_at"]) == at(2026, 12, 8)
    assert datetime.fromisoformat(event.data["due_at"]) == snap.due_at
    # The deadline is the history's: base + the extension.
    facts = facts_from_history(service, service.workflows, case.code)
    with sessions() as s:
        assert facts.due(load_calendar(s), clock.now()) == snap.due_at
    # Nothing fires on the old dates.
    assert sweep(service, at(2026, 12, 8, 17, 0, 1)).overdue == 0
    assert sweep(service, at(2026, 12, 11, 17, 0, 1)).overdue == 1


def test_a_reminder_already_sent_is_not_sent_again(world, service, sessions, clock):
    case = world.new_case()
    assert sweep(service, at(2026, 12, 4)).reminders == 1
    clock.set(at(2026, 12, 7, 9))
    service.extend(world["lead_a"], case.code, 2, "Chờ ý kiến phòng chuyên môn")
    assert "remind" not in live_timers(sessions, case.code)
    assert sweep(service, at(2026, 12, 8, 17)).claimed == 0  # the new reminder time has passed: fired is fired


def finish(service, world, code: str, when: datetime, clock) -> str | None:
    clock.set(when)
    service.fire(world["off_a"], code, "answer_on_site", {"answer": "Đã trả lời"})
    return service.get(world["lead_a"], code).last_stage_outcome


def test_reports_tell_met_met_after_extension_and_missed_apart(world, service, clock):
    codes = [world.new_case().code for _ in range(3)]
    clock.set(at(2026, 12, 1, 9))
    for code in codes[1:]:
        service.extend(world["lead_a"], code, 2, "Cần thêm thời gian xác minh")  # due Thu 10/12
    assert finish(service, world, codes[0], at(2026, 12, 8, 16), clock) == "met"
    assert finish(service, world, codes[1], at(2026, 12, 10, 16), clock) == "met_after_extension"
    assert finish(service, world, codes[2], at(2026, 12, 10, 17, 1), clock) == "missed"


def test_a_case_extended_but_finished_early_was_met(world, service, clock):
    case = world.new_case()
    service.extend(world["lead_a"], case.code, 5, "Dự phòng")
    assert finish(service, world, case.code, at(2026, 12, 8, 10), clock) == "met"


def test_weekly_programme_allows_two_extensions_within_ten_days(world, service, clock):
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    with pytest.raises(InvalidTransition):  # no extension while just received in this programme
        service.extend(world["lead_a"], case.code, 1, "r")
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    service.extend(world["lead_a"], case.code, 6, "Lần 1")
    with pytest.raises(InvalidField) as info:
        service.extend(world["lead_a"], case.code, 5, "Lần 2 quá dài")
    assert "4" in info.value.message("vi")
    service.extend(world["lead_a"], case.code, 4, "Lần 2")
    with pytest.raises(ExtensionRefused):
        service.extend(world["lead_a"], case.code, 1, "Lần 3")


@pytest.mark.parametrize(
    ("who", "days", "reason", "error"),
    [
        ("off_a", 2, "Lý do", RoleNotAllowed),  # officials may not extend
        ("aud_p", 2, "Lý do", RoleNotAllowed),  # the Front watches, it does not extend
        ("lead_b", 2, "Lý do", OutOfScope),  # another commune's case
        ("lead_a", 2, None, MissingField),
        ("lead_a", 2, "   ", MissingField),
        ("lead_a", 2, "x" * 4001, InvalidField),
        ("lead_a", 6, "Lý do", InvalidField),  # beyond the limit of 5
        ("lead_a", 0, "Lý do", InvalidField),
        ("lead_a", -3, "Lý do", InvalidField),
        ("lead_a", True, "Lý do", InvalidField),
        ("lead_a", 2.5, "Lý do", InvalidField),
        ("lead_a", "ba", "Lý do", InvalidField),
        ("lead_a", 10**12, "Lý do", InvalidField),
    ],
)
def test_hostile_extensions_change_nothing(world, service, sessions, who, days, reason, error):
    case = world.new_case()
    before = live_timers(sessions, case.code)
    with pytest.raises(error):
        service.extend(world[who], case.code, days, reason)
    after = service.get(world["lead_a"], case.code)
    assert (after.due_at, after.version, after.event_count) == (case.due_at, case.version, case.event_count)
    assert live_timers(sessions, case.code) == before


def test_second_extension_and_stale_version_and_late_requests_are_refused(world, service, clock):
    case = world.new_case()
    snap = service.extend(world["lead_a"], case.code, 2, "Lần 1")
    with pytest.raises(ExtensionRefused) as info:
        service.extend(world["lead_a"], case.code, 1, "Lần 2")
    assert info.value.code == "extension-refused" and "1" in info.value.message("en")
    other = world.new_case()
    with pytest.raises(StaleVersion):
        service.extend(world["lead_a"], other.code, 1, "Phiên bản cũ", expected_version=other.version + 1)
    clock.set(at(2026, 12, 8, 17, 0, 1))  # overdue: too late to extend
    with pytest.raises(ExtensionRefused):
        service.extend(world["lead_a"], other.code, 1, "Muộn")
    assert service.get(world["lead_a"], case.code).due_at == snap.due_at


def test_no_extension_where_the_workflow_allows_none(world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã trả lời"})
    with pytest.raises(InvalidTransition) as info:
        service.extend(world["lead_a"], case.code, 1, "r")
    assert info.value.params["trigger"] == "extend"
    service.fire(world["off_a"], case.code, "withdraw", {"reason": "Dân rút"})
    with pytest.raises(InvalidTransition):
        service.extend(world["lead_a"], case.code, 1, "r")


# ------------------------------------------------------------------------ pauses


def weekly_escalated(world, service, clock):
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    promised = at(2026, 12, 4, 15)  # Fri 04/12 15:00
    return service.fire(world["off_a"], case.code, "escalate", {
        "target_unit": "A-KT", "reason": "Cần hồ sơ đất", "appointment": promised.isoformat()})


def test_a_paused_clock_adds_exactly_the_paused_working_days(world, service, sessions, clock):
    snap = weekly_escalated(world, service, clock)
    assert snap.due_at == at(2026, 12, 4, 15)
    clock.set(at(2026, 11, 26, 10))  # Thu
    paused = service.fire(world["off_kt"], snap.code, "await_citizen", {"reason": "Chờ bản sao sổ đỏ"})
    assert paused.due_at is None
    assert set(live_timers(sessions, snap.code)) == {"remind", "overdue", "auto_escalate"}
    with sessions() as s:
        assert set(s.scalars(select(Timer.status).where(Timer.stage_seq == 2))) == {"paused"}
    # While paused nothing fires, even long past the original deadline.
    assert sweep(service, at(2026, 12, 10)).claimed == 0

    clock.set(at(2026, 12, 3, 11))  # Thu a week later: Fri 27, Mon 30, Tue 1, Wed 2, Thu 3 = 5 working days
    resumed = service.fire(world["off_kt"], snap.code, "resume", {"note": "Đã nhận bản sao"})
    assert resumed.state == "escalated"
    assert resumed.due_at == at(2026, 12, 11, 15)  # Fri 04/12 + 5 working days, same hour
    last = service.history(world["lead_a"], snap.code)[-1]
    assert (last.data["paused_working_days"], last.data["resumed_stage"]) == (5, 2)
    assert resumed.stage_started_at == snap.stage_started_at  # the same stage goes on
    timers = live_timers(sessions, snap.code)
    assert timers["overdue"] == at(2026, 12, 11, 15, 0, 1) and timers["remind"] == at(2026, 12, 8, 15)
    # Derived from the events' timestamps, not stored anywhere else.
    facts = facts_from_history(service, service.workflows, snap.code)
    assert facts.pauses == ((at(2026, 11, 26, 10).astimezone(facts.started_at.tzinfo),
                             at(2026, 12, 3, 11).astimezone(facts.started_at.tzinfo)),)
    with sessions() as s:
        assert facts.due(load_calendar(s), clock.now()) == resumed.due_at


def test_pause_over_a_weekend_counts_one_working_day(world, service, clock):
    snap = weekly_escalated(world, service, clock)
    clock.set(at(2026, 11, 27, 16))  # Fri
    service.fire(world["off_kt"], snap.code, "await_citizen", {"reason": "Chờ giấy tờ"})
    clock.set(at(2026, 11, 30, 9))  # Mon
    assert service.fire(world["off_kt"], snap.code, "resume", {"note": "Đủ"}).due_at == at(2026, 12, 7, 15)


def test_extension_and_pause_add_up(world, service, clock):
    snap = weekly_escalated(world, service, clock)
    service.extend(world["lead_kt"], snap.code, 2, "Cần đo đạc lại")  # Fri 04/12 → Tue 08/12
    clock.set(at(2026, 11, 30, 9))
    service.fire(world["off_kt"], snap.code, "await_citizen", {"reason": "Chờ giấy tờ"})
    with pytest.raises(InvalidTransition):  # no deadline runs while paused
        service.extend(world["lead_kt"], snap.code, 1, "r")
    clock.set(at(2026, 12, 2, 9))  # Tue 1, Wed 2: two working days
    resumed = service.fire(world["off_kt"], snap.code, "resume", {"note": "Đủ"})
    assert resumed.due_at == at(2026, 12, 10, 15)
    clock.set(at(2026, 12, 9, 9))
    # Met only thanks to the extension: the pause alone moved the deadline to Tue 08/12.
    service.fire(world["off_kt"], snap.code, "answer", {"answer": "Đã cấp lại"})
    assert service.get(world["lead_a"], snap.code).last_stage_outcome == "met_after_extension"


def test_leaving_from_the_paused_state_ends_the_stage(world, service, sessions, clock):
    snap = weekly_escalated(world, service, clock)
    clock.set(at(2026, 11, 26, 10))
    service.fire(world["off_kt"], snap.code, "await_citizen", {"reason": "Chờ giấy tờ"})
    clock.set(at(2026, 12, 20, 10))  # long past the original deadline, but the clock was stopped
    done = service.fire(world["off_a"], snap.code, "withdraw", {"reason": "Dân rút ý kiến"})
    assert (done.last_stage_outcome, done.last_stage_state) == ("met", "escalated")
    assert live_timers(sessions, snap.code) == {}
    with sessions() as s:
        assert s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind.like("deadline.%"))) is None


def test_pausing_twice_in_one_stage_adds_both(world, service, clock):
    snap = weekly_escalated(world, service, clock)
    for start, end in ((at(2026, 11, 24, 9), at(2026, 11, 26, 9)), (at(2026, 11, 27, 9), at(2026, 12, 1, 9))):
        clock.set(start)
        service.fire(world["off_kt"], snap.code, "await_citizen", {"reason": "Chờ"})
        clock.set(end)
        resumed = service.fire(world["off_kt"], snap.code, "resume", {"note": "Đủ"})
    # 24/11 is a holiday: 25, 26 (2) then 30/11, 01/12 (2): Fri 04/12 + 4 → Thu 10/12.
    assert resumed.due_at == at(2026, 12, 10, 15)
