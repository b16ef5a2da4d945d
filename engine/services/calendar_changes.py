"""Changing the calendar, and moving every open deadline the change affects.

One change (an override added or removed, a holiday list whose fingerprint differs
from the one stored for a year) is a ``calendar_changes`` row. Its first transaction
writes the override (or the new fingerprint), the row and the first batch of cases;
every later batch is one transaction that moves its cases and advances the row's
cursor. A crash between batches leaves whole batches done and the row unfinished:
``resume`` (the worker, ``nghedan calendar refresh``) goes on from the cursor, and a
case already moved is not moved again (engine.deadline_rules.recompute writes only
what differs). Commits go through ``CaseService.within``, like every case change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import ScalarResult, or_, select, text
from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ, WorkingCalendar
from ..deadline_rules.recompute import recompute_stage
from ..errors import InvalidField, NotFound
from ..models import CalendarChange, CalendarFingerprint, CalendarOverride, Case
from ..uow import UnitOfWork
from .calendars import remove_override, set_override
from .cases import CaseService

__all__ = ["Affected", "ChangeResult", "change_override", "drop_override", "refresh", "resume", "affected_cases",
           "DEFAULT_BATCH"]

DEFAULT_BATCH = 200
# A stage whose deadline is earlier than a changed day may still have an escalation
# timer after it (auto_escalate counts working days past the deadline).
_ESCALATION_REACH = timedelta(days=120)


@dataclass
class ChangeResult:
    changes: list[int] = field(default_factory=list)  # calendar_changes ids run
    moved: int = 0  # stages whose deadline or timers moved
    batches: int = 0


def _window(days: list[date]) -> tuple[datetime, datetime]:
    first, last = min(days), max(days)
    low = datetime.combine(first, datetime.min.time(), tzinfo=LOCAL_TZ) - _ESCALATION_REACH
    high = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL_TZ)
    return low, high


def _candidates(session: Session, days: list[date], after_id: int, limit: int | None,
                lock: bool) -> ScalarResult[Case]:
    """Open stages a change of ``days`` can move: begun before the last changed day
    ends, with a deadline not long before the first (or paused, without one)."""
    low, high = _window(days)
    stmt = (select(Case).where(Case.stage_seq.is_not(None), Case.id > after_id, Case.stage_started_at < high,
                               or_(Case.due_at.is_(None), Case.due_at >= low)).order_by(Case.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=Case)
    return session.scalars(stmt)


@dataclass(frozen=True)
class Affected:
    """What removing an override would move: how many open stages, and the first few
    as (code, deadline now, deadline after)."""

    total: int
    first: list[tuple[str, datetime | None, datetime | None]]


def affected_cases(service: CaseService, day: date, *, limit: int = 50, kind: str | None = None,
                   note: str = "") -> Affected:
    """What the admin page asks to confirm. Computed, not guessed: each candidate is
    recomputed on the calendar without the override (or with the one of ``kind``
    added), and all of it rolled back."""
    now = service.clock.now()
    total, first = 0, []
    with service.uow() as uow:
        session = uow.session
        if kind is not None:
            set_override(session, day, kind, note, added_at=now)
        elif not remove_override(session, day):
            raise NotFound(what="ngày điều chỉnh / calendar override", key=day.isoformat())
        session.flush()
        calendar = service.calendar(session)
        for case in list(_candidates(session, [day], 0, None, lock=False)):
            wf = service.workflows.get(case.workflow_key)
            was = case.due_at
            if wf is not None and recompute_stage(session, wf, case, calendar, now, reason="preview", change_id=0):
                total += 1
                if len(first) < limit:
                    first.append((case.code, was, case.due_at))
        # Never committed: this only looks.
    return Affected(total, first)


def _exclusive(session: Session) -> None:
    """On PostgreSQL, wait for every transaction that read the calendar (a case being
    created on the old one) and hold new ones until this change commits: the batches
    then see every case computed on the old calendar. SQLite writers are serial anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE calendar_overrides IN ACCESS EXCLUSIVE MODE"))


def _status_changed(before: WorkingCalendar, after: WorkingCalendar, days: list[date]) -> list[date]:
    return [d for d in days if before.is_working_day(d) != after.is_working_day(d)]


def change_override(service: CaseService, day: date, kind: str, note: str, *, actor: str,
                    batch_size: int = DEFAULT_BATCH, after_batch: Callable[[ChangeResult], None] | None = None
                    ) -> ChangeResult:
    """Add (or change) an override and move the open deadlines it affects."""
    now = service.clock.now()

    def first(uow: UnitOfWork) -> CalendarChange | None:
        _exclusive(uow.session)
        before = service.calendar(uow.session)
        set_override(uow.session, day, kind, note, added_by=actor, added_at=now)
        uow.session.flush()
        changed = _status_changed(before, service.calendar(uow.session), [day])
        label = "ngày nghỉ" if kind == "day_off" else "ngày làm việc"
        return _open_change(uow.session, changed, f"{actor}: {day:%d/%m/%Y} là {label} / {kind}", actor, now)

    return _run(service, first, batch_size, after_batch)


def drop_override(service: CaseService, day: date, *, actor: str, batch_size: int = DEFAULT_BATCH,
                  after_batch: Callable[[ChangeResult], None] | None = None) -> ChangeResult:
    """Remove an override (NotFound if there is none) and move the deadlines with it."""
    now = service.clock.now()

    def first(uow: UnitOfWork) -> CalendarChange | None:
        _exclusive(uow.session)
        before = service.calendar(uow.session)
        if uow.session.get(CalendarOverride, day) is None:
            raise NotFound(what="ngày điều chỉnh / calendar override", key=day.isoformat())
        remove_override(uow.session, day)
        uow.session.flush()
        changed = _status_changed(before, service.calendar(uow.session), [day])
        return _open_change(uow.session, changed, f"{actor}: bỏ điều chỉnh {day:%d/%m/%Y} / override removed",
                            actor, now)

    return _run(service, first, batch_size, after_batch)


def refresh(service: CaseService, *, years: range | None = None, batch_size: int = DEFAULT_BATCH,
            after_batch: Callable[[ChangeResult], None] | None = None) -> ChangeResult:
    """Finish interrupted changes, then compare the built-in calendar with the stored
    fingerprints (this year and its neighbours, and every year stored) and move the
    deadlines of every day a new holiday list changed."""
    result = resume(service, batch_size=batch_size, after_batch=after_batch)
    now = service.clock.now()
    this_year = now.astimezone(LOCAL_TZ).year
    wanted = set(years or range(this_year - 1, this_year + 2))
    # Read first: the worker runs this every minute, and nearly always nothing changed.
    with service.uow(write=False) as uow:
        stored = {y: f for y, f in uow.session.execute(select(CalendarFingerprint.year, CalendarFingerprint.fingerprint))}
    for year in sorted(wanted | set(stored)):
        if stored.get(year) == service.holidays.year(year).fingerprint:
            continue

        def first(uow: UnitOfWork, year: int = year) -> CalendarChange | None:
            return _fingerprint_year(service, uow.session, year, now)
        more = _run(service, first, batch_size, after_batch)
        result.changes += more.changes
        result.moved += more.moved
        result.batches += more.batches
    return result


def _fingerprint_year(service: CaseService, session: Session, year: int, now: datetime) -> CalendarChange | None:
    built_in = service.holidays.year(year)
    row = session.get(CalendarFingerprint, year)
    if row is None:
        # First sight of the year: the deadlines now open were computed with this list.
        session.add(CalendarFingerprint(year=year, fingerprint=built_in.fingerprint,
                                        source_version=service.holidays.version, days=built_in.as_json(),
                                        checked_at=now))
        return None
    if row.fingerprint == built_in.fingerprint:
        return None  # another process recorded it meanwhile
    new = built_in.as_json()
    changed = sorted({date.fromisoformat(d) for k in ("off", "work")
                      for d in set(row.days.get(k, [])) ^ set(new[k])})
    reason = f"{row.source_version} → {service.holidays.version}: lịch {year} / built-in calendar of {year}"
    row.fingerprint, row.source_version, row.days, row.checked_at = (
        built_in.fingerprint, service.holidays.version, new, now)
    return _open_change(session, changed, reason, "system", now)


def _open_change(session: Session, days: list[date], reason: str, actor: str, now: datetime) -> CalendarChange | None:
    if not days:
        return None  # nothing changed status (an override equal to the built-in day)
    change = CalendarChange(reason=reason[:200], days=[d.isoformat() for d in days], actor=actor[:64],
                            started_at=now, finished_at=None, cursor=0, moved=0)
    session.add(change)
    session.flush()
    return change


def resume(service: CaseService, *, batch_size: int = DEFAULT_BATCH,
           after_batch: Callable[[ChangeResult], None] | None = None) -> ChangeResult:
    """Finish every change left unfinished (a crash, a stopped worker)."""
    result = ChangeResult()
    with service.uow(write=False) as uow:
        pending = list(uow.session.scalars(select(CalendarChange.id).where(CalendarChange.finished_at.is_(None))
                                           .order_by(CalendarChange.id)))
    for change_id in pending:
        result.changes.append(change_id)
        while not service.within(lambda uow, cid=change_id: _batch(service, uow, cid, batch_size, result)):
            _after(result, after_batch)
        _after(result, after_batch)
    return result


def _after(result: ChangeResult, after_batch: Callable[[ChangeResult], None] | None) -> None:
    result.batches += 1
    if after_batch is not None:
        after_batch(result)


def _run(service: CaseService, first: Callable[[UnitOfWork], CalendarChange | None], batch_size: int,
         after_batch: Callable[[ChangeResult], None] | None) -> ChangeResult:
    if batch_size < 1:
        raise InvalidField(field="batch_size", problem_vi="phải từ 1 trở lên", problem_en="must be at least 1")
    result = ChangeResult()
    holder: dict[str, int | None] = {}

    def opening(uow: UnitOfWork) -> bool:
        change = first(uow)
        holder["id"] = change.id if change is not None else None
        return True if change is None else _batch(service, uow, change.id, batch_size, result)

    finished = service.within(opening)
    change_id = holder.get("id")
    if change_id is None:
        return result
    result.changes.append(change_id)
    _after(result, after_batch)
    while not finished:
        finished = service.within(lambda uow: _batch(service, uow, change_id, batch_size, result))
        _after(result, after_batch)
    return result


def _batch(service: CaseService, uow: UnitOfWork, change_id: int, batch_size: int, result: ChangeResult) -> bool:
    """Move the next ``batch_size`` candidates of a change; True when it is finished."""
    session, now = uow.session, service.clock.now()
    stmt = select(CalendarChange).where(CalendarChange.id == change_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two workers resuming take turns per batch
    change = session.scalar(stmt)
    if change is None or change.finished_at is not None:
        return True
    days = [date.fromisoformat(d) for d in change.days]
    calendar = service.calendar(session)
    cases = list(_candidates(session, days, change.cursor, batch_size, lock=True))
    moved = 0
    for case in cases:
        wf = service.workflows.get(case.workflow_key)
        # A programme this process has not loaded is left as it is, as the sweep
        # leaves its timers: a configuration slip must not rewrite deadlines.
        if wf is not None and recompute_stage(session, wf, case, calendar, now, reason=change.reason,
                                              change_id=change.id):
            moved += 1
    change.moved += moved
    result.moved += moved
    if cases:
        change.cursor = cases[-1].id
    if len(cases) < batch_size:
        change.finished_at = now
        return True
    return False
