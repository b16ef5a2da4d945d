"""One open stage's deadline computed again on a changed calendar.

A stage's deadline is derived from its beginning event's base due instant, moved by
extensions and paused working days (engine.deadline_rules.stages). When a day changes
status (an override added or removed, a new holiday list), the base is computed again
from the stage's start and its workflow rule on the new calendar, and extensions and
pauses are counted on it too. If that moves the deadline or any live timer, the case's
chain gets a system event (trigger ``recompute_due``) with the old and new instants and
the reason, and the live timers move; nothing is written when nothing moved, so running
the same change twice writes it once.

Already fired timers are not undone and do not fire again (each (case, rule, stage)
fires once): the decision is to record, not refuse. The government's announcement
has to apply to every case, and refusing an override because one alert already went
out would keep every other deadline wrong. The event lists those alerts
(``alerts_already_sent``) so the history says the alert was sent on the old deadline.
A promised appointment is the citizen's date, not a count of days: it is not moved.
Ended stages are never read here; their recorded outcome stays.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import SYSTEM
from ..calendar import WorkingCalendar
from ..deadlines import compute_due
from ..history import append_event
from ..models import Case, CaseEvent, Timer
from ..workflow import Workflow
from .stages import LIVE, RECOMPUTE_TRIGGER, read_stage, schedule

__all__ = ["recompute_stage", "RECOMPUTE_TRIGGER"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _base_due(session: Session, wf: Workflow, case: Case, calendar: WorkingCalendar, stage_state: str,
              recorded: datetime | None) -> datetime | None:
    first = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.seq == case.stage_seq))
    # The stage's own state: a paused case sits in another one, without a deadline.
    spec = wf.spec.states.get(stage_state)
    if first is None or spec is None or spec.deadline is None:
        return recorded
    data = first.data or {}
    if data.get("appointment"):
        return recorded
    # A new case's first stage counts from when it was received, not when it was typed in.
    start = datetime.fromisoformat(data["received_at"]) if first.trigger == "receive" and data.get(
        "received_at") else first.at
    return compute_due(calendar, start, spec.deadline)


def recompute_stage(session: Session, wf: Workflow, case: Case, calendar: WorkingCalendar, now: datetime,
                    *, reason: str, change_id: int) -> bool:
    """Move the open stage of ``case`` (locked by the caller) onto ``calendar``;
    True when something moved and an event was appended."""
    # No autoflush: the case must reach the database in one UPDATE (its version is
    # the optimistic lock), and the timers read here are compared in memory.
    with session.no_autoflush:
        return _recompute(session, wf, case, calendar, now, reason, change_id)


def _recompute(session: Session, wf: Workflow, case: Case, calendar: WorkingCalendar, now: datetime,
               reason: str, change_id: int) -> bool:
    facts = read_stage(session, wf, case)
    if facts is None or case.stage_seq is None or wf.state(case.state).final:
        return False
    base = _base_due(session, wf, case, calendar, facts.state, facts.base_due)
    if base is None:
        return False
    moved = replace(facts, base_due=base)
    paused = wf.state(case.state).clock == "paused"
    new_due = None if paused else moved.due(calendar, now)
    timers = list(session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.stage_seq == case.stage_seq)))
    before = {t.rule: t.due_at for t in timers if t.status in LIVE}
    old_due = case.due_at
    if not paused:
        case.due_at = new_due
        schedule(session, wf, case, calendar, now, stage_start=facts.started_at, fresh=False)
    after = {t.rule: t.due_at for t in timers if t.status in LIVE}
    after.update({t.rule: t.due_at for t in session.new if isinstance(t, Timer) and t.case is case})
    timer_moves = {rule: [_iso(before.get(rule)), _iso(after.get(rule))]
                   for rule in sorted(set(before) | set(after)) if before.get(rule) != after.get(rule)}
    if base == facts.base_due and new_due == old_due and not timer_moves:
        return False
    data: dict[str, Any] = {
        "stage": case.stage_seq, "reason": reason, "calendar_change": change_id,
        "previous_due_at": _iso(old_due), "due_at": _iso(case.due_at),
        "previous_base_due_at": _iso(facts.base_due), "base_due_at": _iso(base), "timers": timer_moves,
    }
    fired = {t.rule: _iso(t.fired_at) for t in timers if t.status == "fired"}
    if fired and new_due != old_due:
        data["alerts_already_sent"] = fired
    case.updated_at = now
    append_event(session, case, at=now, actor=SYSTEM, trigger=RECOMPUTE_TRIGGER, from_state=case.state,
                 to_state=case.state, note=reason[:200], data=data)
    return True
