"""Timers follow the case's stages: entering a state creates its timers, leaving it
cancels them, re-entering creates fresh ones; how each stage's deadline fared is
frozen on the case by the transition that ended it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.models import Case, CaseEvent, Timer

from .conftest import HCM


def at(y: int, m: int, d: int, h: int = 17, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=HCM)


def timers(sessions) -> list[Timer]:
    with sessions() as s:
        return list(s.scalars(select(Timer).order_by(Timer.stage_seq, Timer.id)))


def table(sessions) -> list[tuple[int, str, str, datetime, str]]:
    return [(t.stage_seq, t.state, t.rule, t.due_at.astimezone(HCM), t.status) for t in timers(sessions)]


def test_a_new_case_gets_its_first_stage_timers(world, sessions):
    case = world.new_case()  # Mon 23/11/2026 09:00, due Tue 08/12 17:00
    assert table(sessions) == [
        (1, "received", "remind", at(2026, 12, 4), "pending"),  # 2 working days before
        (1, "received", "overdue", at(2026, 12, 8, 17, 0, 1), "pending"),
        (1, "received", "auto_escalate", at(2026, 12, 11, 17, 0, 1), "pending"),  # 3 working days late
    ]
    with sessions() as s:
        assert s.scalar(select(Case.stage_seq).where(Case.code == case.code)) == 1


def test_weekly_programme_has_its_own_timers(world, sessions):
    world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")  # due Tue 01/12
    assert table(sessions) == [
        (1, "received", "remind", at(2026, 11, 30), "pending"),  # 1 working day before
        (1, "received", "overdue", at(2026, 12, 1, 17, 0, 1), "pending"),
        (1, "received", "auto_escalate", at(2026, 12, 3, 17, 0, 1), "pending"),  # 2 working days late
    ]


def test_leaving_a_stage_cancels_its_timers_and_the_next_stage_gets_fresh_ones(world, service, sessions, clock):
    case = world.new_case()
    clock.advance(timedelta(hours=2))
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    clock.advance(timedelta(days=1))
    # Escalating again re-enters the same state: a new stage, new timers.
    snap = service.fire(world["lead_kt"], case.code, "escalate", {"target_unit": "P-SO", "reason": "Vượt thẩm quyền"})
    rows = timers(sessions)
    assert Counter((t.stage_seq, t.status) for t in rows) == {(1, "cancelled"): 3, (2, "cancelled"): 3,
                                                               (3, "pending"): 3}
    assert {t.result for t in rows if t.status == "cancelled"} == {"stage ended"}
    current = [t for t in rows if t.stage_seq == 3]
    assert {t.state for t in current} == {"escalated"}
    overdue = next(t for t in current if t.rule == "overdue")
    assert overdue.due_at == snap.due_at + timedelta(seconds=1)
    assert snap.event_count == 3 and snap.version == 3  # one version per event, timers or not


def test_final_state_cancels_everything(world, service, sessions):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "withdraw", {"reason": "Dân rút"})
    assert {t.status for t in timers(sessions)} == {"cancelled"}
    with sessions() as s:
        assert s.scalar(select(Case.stage_seq).where(Case.code == case.code)) is None


def test_no_reminder_when_the_stage_is_shorter_than_its_lead_time(world, service, sessions, clock):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {
        "target_unit": "A-KT", "reason": "r", "appointment": at(2026, 11, 24, 15).isoformat()})
    stage = [t.rule for t in timers(sessions) if t.stage_seq == 2]
    assert stage == ["overdue", "auto_escalate"]  # due tomorrow: no "two days left" reminder


def test_a_backdated_notebook_entry_gets_timers_that_are_already_due(world, sessions, clock):
    world.new_case(received_at=at(2026, 11, 2, 8, 30).isoformat())  # due Mon 16/11
    due = {t.rule: t.due_at for t in timers(sessions)}
    assert due["overdue"] < clock.now() and due["auto_escalate"] < clock.now()


def outcome(service, actor, code) -> tuple[str | None, str | None]:
    snap = service.get(actor, code)
    return snap.last_stage_outcome, snap.last_stage_state


def test_outcome_met_and_missed_are_frozen_by_the_transition(world, service, sessions, clock):
    on_time = world.new_case()
    late = world.new_case()
    assert outcome(service, world["lead_a"], on_time.code) == (None, None)
    clock.set(at(2026, 12, 8, 17))  # the last on-time instant
    service.fire(world["off_a"], on_time.code, "answer_on_site", {"answer": "Đã trả lời"})
    clock.set(at(2026, 12, 8, 17, 0, 1))
    service.fire(world["off_a"], late.code, "answer_on_site", {"answer": "Đã trả lời"})
    assert outcome(service, world["lead_a"], on_time.code) == ("met", "received")
    assert outcome(service, world["lead_a"], late.code) == ("missed", "received")
    with sessions() as s:
        answered = s.scalars(select(CaseEvent).where(CaseEvent.trigger == "answer_on_site")
                             .order_by(CaseEvent.id)).all()
        assert [e.data["stage_outcome"] for e in answered] == ["met", "missed"]  # in the hash chain too
    # The next stage's result replaces it when that stage ends, not before.
    clock.advance(timedelta(days=30))
    service.remark(world["aud_p"], on_time.code, "Đôn đốc", kind="urge")
    assert outcome(service, world["lead_a"], on_time.code) == ("met", "received")
    service.fire(world["lead_a"], on_time.code, "verify", {"satisfaction": "satisfied", "note": "ok"})
    snap = service.get(world["lead_a"], on_time.code)
    assert (snap.last_stage_outcome, snap.last_stage_state) == ("missed", "answered_on_site")
    assert snap.last_stage_ended_at == clock.now()
