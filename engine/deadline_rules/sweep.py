"""The sweep: fire every timer that is due, exactly once, reading only those timers.

Each batch is one transaction that claims due timers through the (status, due_at)
index, marks them fired and writes their outbox rows and case events, so a crash
loses or repeats nothing: a committed batch is done, an uncommitted one is still
pending. Concurrent sweeps do not collide: on PostgreSQL claims use ``FOR UPDATE
SKIP LOCKED`` (each sweep takes different timers), on SQLite every write transaction
is ``BEGIN IMMEDIATE`` (one writer at a time, each seeing the others' commits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Callable, Iterable, Mapping, Protocol

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session, sessionmaker

from ..calendar import WorkingCalendar
from ..clock import ensure_utc
from ..errors import InvalidTransition
from ..models import Case, Timer
from ..models import rollups
from ..holiday_source import PACKAGE_HOLIDAYS, HolidaySource
from ..services.calendars import load_calendar
from ..uow import UnitOfWork
from ..workflow import Workflow
from .escalation import auto_escalate
from .messages import KIND_OF_RULE, alert_payload, alert_rows, write_alerts
from .recipients import Recipients
from .stages import HELD_TIMERS, prefetch_stages

__all__ = ["SweepResult", "SweepSource", "sweep", "claim_statement", "DEFAULT_BATCH"]

DEFAULT_BATCH = 200


class SweepSource(Protocol):
    """What the sweep needs; a CaseService has it."""

    session_factory: sessionmaker[Session]
    workflows: dict[str, Workflow]
    office_close: time
    # Optional: the built-in holidays (a CaseService has them); the package otherwise.


@dataclass
class SweepResult:
    claimed: int = 0
    reminders: int = 0
    overdue: int = 0
    escalations: int = 0
    messages: int = 0
    skipped: int = 0
    cancelled: int = 0
    deferred: int = 0  # left pending for the next sweep (case locked, workflow not loaded)
    batches: int = 0
    deferred_ids: set[int] = field(default_factory=set, repr=False)

    def summary(self) -> str:
        return (f"reminders {self.reminders}, overdue alerts {self.overdue}, escalations {self.escalations}, "
                f"messages {self.messages}, skipped {self.skipped}, cancelled {self.cancelled}")


def claim_statement(now: datetime, batch_size: int, dialect: str, exclude: Iterable[int] = ()) -> Select[tuple[Timer]]:
    stmt = (select(Timer).where(Timer.status == "pending", Timer.due_at <= now)
            .order_by(Timer.due_at, Timer.id).limit(batch_size))
    skip = sorted(exclude)
    if skip:
        stmt = stmt.where(Timer.id.not_in(skip))
    if dialect == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt


def sweep(source: SweepSource, now: datetime, *, batch_size: int = DEFAULT_BATCH,
          after_batch: Callable[[SweepResult], None] | None = None) -> SweepResult:
    """Fire the timers due at ``now``, ``batch_size`` per transaction.

    ``after_batch`` runs after each committed batch (progress output; tests inject
    a crash there). Timers that come due while the sweep runs wait for the next one.
    """
    now = ensure_utc(now)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = SweepResult()
    while True:
        with UnitOfWork(source.session_factory, write=True) as uow:
            session = uow.session
            dialect = session.get_bind().dialect.name
            timers = list(session.scalars(claim_statement(now, batch_size, dialect, result.deferred_ids)))
            if not timers:
                break
            held: dict[int, list[Timer]] = {}
            for timer in timers:
                held.setdefault(timer.case_id, []).append(timer)
            session.info[HELD_TIMERS] = held  # the only timer objects this batch holds
            result.claimed += len(timers)
            _fire_batch(session, source.workflows, timers, _calendar(source, session),
                        now, dialect, result)
            uow.commit()
        result.batches += 1
        if after_batch is not None:
            after_batch(result)
        if len(timers) < batch_size:
            break
    return result


def _calendar(source: SweepSource, session: Session) -> WorkingCalendar:
    holidays: HolidaySource = getattr(source, "holidays", PACKAGE_HOLIDAYS)
    return load_calendar(session, source.office_close, holidays)


def _lock_cases(session: Session, ids: set[int], dialect: str) -> dict[int, Case]:
    stmt = select(Case).where(Case.id.in_(sorted(ids)))
    if dialect == "postgresql":
        # A case a person is changing right now is left for the next sweep rather
        # than waited for: the person's transaction may be waiting for our timers.
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    return {case.id: case for case in session.scalars(stmt).unique()}


def _fire_batch(session: Session, workflows: Mapping[str, Workflow], timers: list[Timer],
                calendar: WorkingCalendar, now: datetime, dialect: str, result: SweepResult) -> None:
    cases = _lock_cases(session, {t.case_id for t in timers}, dialect)
    recipients = Recipients(session, day=calendar.local_date(now))
    recipients.prefetch([u for c in cases.values() for u in (c.handling_unit, c.origin_unit)])
    escalating = [cases[t.case_id] for t in timers if t.rule == "auto_escalate" and t.case_id in cases]
    prefetch_stages(session, escalating)
    rollups.hold(session, {c.id for c in escalating})  # their report facts, read once for the batch
    rows: list[dict[str, Any]] = []
    new_timers: list[dict[str, Any]] = []  # the timers of stages begun by escalations
    # One flush at commit instead of one before every query: the rows written here
    # (outbox, events, timers) are never read back by this batch's queries, and
    # statuses already changed in memory are checked in memory (stages.cancel_timers).
    with session.no_autoflush:
        for timer in timers:
            case = cases.get(timer.case_id)
            # A case locked by a person (PostgreSQL), or of a programme this process
            # has not loaded (a configuration slip): left pending, lost to nobody.
            if case is None or case.workflow_key not in workflows:
                result.deferred += 1
                result.deferred_ids.add(timer.id)
                continue
            rows += _fire(session, workflows[case.workflow_key], case, timer, calendar, now, recipients, result,
                          new_timers)
    write_alerts(session, rows)
    if new_timers:
        session.execute(insert(Timer), new_timers)


def _fire(session: Session, wf: Workflow, case: Case, timer: Timer, calendar: WorkingCalendar,
          now: datetime, recipients: Recipients, result: SweepResult,
          new_timers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fire one timer; returns its outbox rows."""
    state = wf.spec.states.get(timer.state)
    rules = state.rules if state is not None else None
    rule = getattr(rules, timer.rule, None) if rules is not None else None
    timer.fired_at = now
    if rule is None or case.stage_seq != timer.stage_seq or case.state != timer.state:
        # Leaving a stage cancels its timers in the same transaction; this guards
        # against anything that slipped past (a workflow edited since, old data).
        timer.status, timer.result = "cancelled", "stage already left"
        result.cancelled += 1
        return []
    kind = KIND_OF_RULE[timer.rule]
    informed: list[int] = []
    if timer.rule == "remind":
        if case.due_at is None or now > case.due_at:
            timer.status, timer.result = "skipped", "already overdue"
            result.skipped += 1
            return []
        payload = alert_payload(case, calendar, now, timer, case.due_at)
        result.reminders += 1
    elif timer.rule == "overdue":
        payload = alert_payload(case, calendar, now, timer, case.due_at)
        result.overdue += 1
    else:
        old_due, from_unit = case.due_at, case.handling_unit.code
        try:
            escalated = auto_escalate(session, wf, case, timer, rule, calendar, now, new_timers)
        except InvalidTransition:
            # Only a workflow built around the loader gets here; refusing the one
            # timer keeps the rest of the batch (and every later sweep) going.
            escalated, why = None, f"no declared transition from {case.state}"[:120]
        else:
            why = "no unit above"
        if escalated is None:
            timer.status, timer.result = "skipped", why
            result.skipped += 1
            return []
        payload = alert_payload(case, calendar, now, timer, old_due, from_unit=from_unit,
                                new_due_at=case.due_at.isoformat() if case.due_at else None)
        result.escalations += 1
    inform = rules.inform if rules is not None else None
    event = {"overdue": "overdue", "auto_escalate": "escalated"}.get(timer.rule)
    if inform is not None and event in inform.when:
        informed = recipients.of(case, inform.notify)
    rows = alert_rows(case, timer, kind, calendar, payload, now, recipients.of(case, rule.notify), informed)
    timer.status, timer.result = "fired", f"{len(rows)} messages"
    result.messages += len(rows)
    return rows
