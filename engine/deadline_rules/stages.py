"""Deadline stages: what a transition does to the deadline and to the timers.

A stage is one stay of a case in a state, begun by an event (its ``seq`` is the
stage's identity). Its deadline is *derived from the history*: the due instant the
beginning event recorded, moved by every extension granted since and by every
working day spent in a paused state. No counter is kept that could drift from the
events, and an auditor can recompute any deadline from the hash-chained history.

A transition into a paused state suspends the stage (its timers wait); coming back
to the stage's state resumes it with the derived deadline; any other transition
ends it, freezing on the case whether its deadline was met, met only thanks to an
extension, or missed, and begins the next stage with fresh timers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import Session

from ..batched_rows import add_row, pending_rows
from ..calendar import WorkingCalendar
from ..escalation_direction import level_unit
from ..models import Case, CaseEvent, Timer
from ..workflow import Workflow
from ..workflow.spec import AutoEscalateRule, OverdueRule, RemindRule
from .timing import OVERDUE_AFTER, after, before, paused_working_days, shift_working_days

__all__ = ["StageFacts", "StagePlan", "read_stage", "stage_facts", "plan_transition", "apply_plan",
           "schedule", "cancel_timers", "OUTCOMES", "RECOMPUTE_TRIGGER", "HELD_TIMERS", "LIVE", "prefetch_stages"]

OUTCOMES = ("met", "met_after_extension", "missed")
# A system event: the calendar changed, so the stage's base deadline was computed
# again (engine.deadline_rules.recompute); it records the new base, which then
# replaces the one the stage's first event recorded.
RECOMPUTE_TRIGGER = "recompute_due"
LIVE = ("pending", "paused")
TIMERS = Timer.__table__
# Session.info key: {case id: [Timer]} — every timer object a session holds, when it
# says so itself (the sweep, for its claimed batch); otherwise the identity map is searched.
HELD_TIMERS = "nghedan.held_timers"


@dataclass(frozen=True)
class StageFacts:
    start_seq: int
    state: str
    started_at: datetime
    base_due: datetime | None
    extension_days: tuple[int, ...]
    pauses: tuple[tuple[datetime, datetime | None], ...]  # an open pause ends "now"
    by_hours: bool  # an hours limit: paused time counts by the hour, not by working day

    @property
    def extensions(self) -> int:
        return len(self.extension_days)

    def due(self, calendar: WorkingCalendar, now: datetime, *, extended: bool = True) -> datetime | None:
        if self.base_due is None:
            return None
        days = sum(self.extension_days) if extended else 0
        if self.by_hours:
            paused = sum(((end or now) - start for start, end in self.pauses), timedelta())
            return shift_working_days(calendar, self.base_due, days) + paused
        days += sum(paused_working_days(calendar, start, end or now) for start, end in self.pauses)
        return shift_working_days(calendar, self.base_due, days)

    def outcome(self, calendar: WorkingCalendar, end: datetime) -> str | None:
        """How the stage's deadline fared if the stage ends at ``end``."""
        on_time = self.due(calendar, end, extended=False)
        if on_time is None:
            return None
        if end <= on_time:
            return "met"
        extended = self.due(calendar, end)
        if self.extension_days and extended is not None and end <= extended:
            return "met_after_extension"
        return "missed"


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _paused(wf: Workflow, state: str) -> bool:
    spec = wf.spec.states.get(state)
    return spec is not None and spec.clock == "paused"


def stage_facts(wf: Workflow, events: Sequence[Any]) -> StageFacts:
    """Facts of the stage begun by ``events[0]``, from it and the events after it
    (rows with seq, at, trigger, to_state, data)."""
    first = events[0]
    deadline = wf.spec.states[first.to_state].deadline if first.to_state in wf.spec.states else None
    extensions: list[int] = []
    pauses: list[tuple[datetime, datetime | None]] = []
    since: datetime | None = None
    base_due = _instant((first.data or {}).get("due_at"))
    for event in events[1:]:
        if event.trigger == RECOMPUTE_TRIGGER:
            base_due = _instant((event.data or {}).get("base_due_at"))
        if event.trigger == "extend":
            extensions.append(int((event.data or {}).get("working_days", 0)))
        if _paused(wf, event.to_state):
            since = since or event.at
        elif since is not None:
            pauses.append((since, event.at))
            since = None
    if since is not None:
        pauses.append((since, None))
    return StageFacts(
        start_seq=first.seq, state=first.to_state, started_at=first.at,
        base_due=base_due, extension_days=tuple(extensions),
        pauses=tuple(pauses),
        by_hours=deadline is not None and deadline.hours is not None and not deadline.appointment,
    )


_STAGE_EVENTS = (select(CaseEvent.seq, CaseEvent.at, CaseEvent.trigger, CaseEvent.to_state, CaseEvent.data)
                 .where(CaseEvent.case_id == bindparam("cid"), CaseEvent.seq >= bindparam("seq"))
                 .order_by(CaseEvent.seq))
_BATCH_EVENTS = (select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.at, CaseEvent.trigger, CaseEvent.to_state,
                        CaseEvent.data).where(CaseEvent.case_id.in_(bindparam("ids", expanding=True)))
                 .order_by(CaseEvent.case_id, CaseEvent.seq))
# Session.info key: {case id: its events from its stage's first}, read for a whole
# sweep batch in one query (``prefetch_stages``); each entry is used once.
STAGE_EVENTS = "nghedan.stage_events"


def prefetch_stages(session: Session, cases: Sequence[Case]) -> None:
    """Read the current stage's events of all ``cases`` at once, for the
    ``read_stage`` each of them is about to need (a sweep batch's escalations)."""
    wanted = {c.id: c.stage_seq for c in cases if c.id is not None and c.stage_seq is not None}
    found: dict[int, list[Any]] = {cid: [] for cid in wanted}
    ids = sorted(wanted)
    for at in range(0, len(ids), 500):
        for row in session.execute(_BATCH_EVENTS, {"ids": ids[at:at + 500]}):
            if row.seq >= wanted[row.case_id]:
                found[row.case_id].append(row)
    session.info[STAGE_EVENTS] = found


def read_stage(session: Session, wf: Workflow, case: Case) -> StageFacts | None:
    if case.stage_seq is None or case.id is None:
        return None
    rows = (session.info.get(STAGE_EVENTS) or {}).pop(case.id, None)
    if rows is None or (rows and rows[0].seq != case.stage_seq):
        rows = session.execute(_STAGE_EVENTS, {"cid": case.id, "seq": case.stage_seq}).all()
    return stage_facts(wf, rows) if rows else None


@dataclass(frozen=True)
class StagePlan:
    kind: str  # begin | close | suspend | resume | stay (paused to paused)
    due: datetime | None
    ending: StageFacts | None = None
    outcome: str | None = None
    # The unit that held the ending stage, read before the case moves: whose stage
    # was late when an escalation or a transfer ends it; and its administrative level
    # (engine.escalation_direction.level_unit), recorded with the outcome so a report
    # judges each level's own stages (engine.reports.levels) as the tree stood then.
    unit_id: int | None = None
    level: str | None = None

    def event_data(self, calendar: WorkingCalendar, now: datetime) -> dict[str, Any]:
        """What the event records about the deadline, so the chain tells it too."""
        data: dict[str, Any] = {}
        if self.outcome is not None:
            data["stage_outcome"] = self.outcome
            if self.level is not None:
                data["stage_level"] = self.level
        if self.kind == "resume" and self.ending is not None:
            data["resumed_stage"] = self.ending.start_seq
            start, _ = self.ending.pauses[-1]
            data["paused_working_days"] = paused_working_days(calendar, start, now)
        return data


def plan_transition(session: Session, wf: Workflow, case: Case, dest: str, now: datetime,
                    calendar: WorkingCalendar, fresh_due: datetime | None) -> StagePlan:
    """Decide, before the case moves to ``dest``, what happens to its stage.
    ``fresh_due`` is the deadline a new stage in ``dest`` would get."""
    source_paused, target = _paused(wf, case.state), wf.state(dest)
    facts = read_stage(session, wf, case)
    if target.final:
        kind, due = "close", None
    elif target.clock == "paused":
        kind, due = ("stay" if source_paused else "suspend"), None
    elif source_paused and facts is not None and dest == facts.state:
        return StagePlan("resume", facts.due(calendar, now), ending=facts)
    else:
        kind, due = "begin", fresh_due
    outcome = facts.outcome(calendar, now) if facts is not None and kind in ("close", "begin") else None
    return StagePlan(kind, due, ending=facts, outcome=outcome, unit_id=case.handling_unit_id,
                     level=level_unit(case.handling_unit).code if outcome is not None else None)


def apply_plan(session: Session, wf: Workflow, case: Case, plan: StagePlan, event: CaseEvent,
               calendar: WorkingCalendar, now: datetime, *, new_timers: list[dict[str, Any]] | None = None) -> None:
    """After the event is appended: end, suspend, resume or begin the stage's timers.
    With ``new_timers`` a new stage's timers are appended there as rows for the
    caller to insert in bulk (the sweep) instead of being added to the session."""
    # No autoflush: the case must reach the database in one UPDATE, or its version
    # (the optimistic lock) would count two changes for one event.
    with session.no_autoflush:
        _apply(session, wf, case, plan, event, calendar, now, new_timers)


def _apply(session: Session, wf: Workflow, case: Case, plan: StagePlan, event: CaseEvent,
           calendar: WorkingCalendar, now: datetime, new_timers: list[dict[str, Any]] | None) -> None:
    if plan.kind in ("close", "begin"):
        if case.stage_seq is not None:
            cancel_timers(session, case, case.stage_seq, "stage ended")
        if plan.outcome is not None and plan.ending is not None:
            case.last_stage_outcome = plan.outcome
            case.last_stage_state = plan.ending.state
            case.last_stage_ended_at = now
            case.last_stage_unit_id = plan.unit_id
        case.stage_seq = event.seq if plan.kind == "begin" else None
        if plan.kind == "begin":
            schedule(session, wf, case, calendar, now, stage_start=now, fresh=True, rows=new_timers)
    elif plan.kind == "suspend" and case.stage_seq is not None:
        for timer in _live(session, case, case.stage_seq):
            timer.status = "paused"
    elif plan.kind == "resume" and plan.ending is not None:
        case.stage_started_at = plan.ending.started_at
        schedule(session, wf, case, calendar, now, stage_start=plan.ending.started_at, fresh=False)


def _live(session: Session, case: Case, stage_seq: int) -> list[Timer]:
    if case.id is None:
        return []
    rows = session.scalars(select(Timer).where(
        Timer.case_id == case.id, Timer.stage_seq == stage_seq, Timer.status.in_(LIVE)))
    # Checked again in memory: a timer this transaction already fired (not yet
    # flushed) still reads as pending in the database.
    return [t for t in rows if t.status in LIVE]


def cancel_timers(session: Session, case: Case, stage_seq: int, why: str) -> int:
    waiting = pending_rows(session, TIMERS, case, lambda row: row["stage_seq"] == stage_seq and row["status"] in LIVE)
    for row in waiting:
        row["status"], row["result"] = "cancelled", why
    if case.id is None:
        return len(waiting)
    held: dict[int, list[Timer]] | None = session.info.get(HELD_TIMERS)
    if held is not None or not _timers_in_session(session, case.id):
        # One UPDATE on the (case_id, rule, stage_seq) index, no rows read back; the
        # timer objects the session holds (the sweep's batch) are told in memory,
        # where a status changed but not yet flushed is the one that counts.
        for timer in (held or {}).get(case.id, ()):
            if timer.stage_seq == stage_seq and timer.status in LIVE:
                timer.status, timer.result = "cancelled", why
        cancelled = session.connection().execute(_CANCEL, {"cid": case.id, "stage": stage_seq, "why": why}).rowcount
        return len(waiting) + int(cancelled)
    timers = _live(session, case, stage_seq)
    for timer in timers:
        timer.status, timer.result = "cancelled", why
    return len(waiting) + len(timers)


_CANCEL = (update(TIMERS).where(TIMERS.c.case_id == bindparam("cid"), TIMERS.c.stage_seq == bindparam("stage"),
                                TIMERS.c.status.in_(LIVE)).values(status="cancelled", result=bindparam("why")))


def _timers_in_session(session: Session, case_id: int) -> bool:
    """Whether the session holds timer objects that may be this case's (the sweep's
    claimed batch): their in-memory status, not yet flushed, is what counts then."""
    for obj in session.identity_map.values():
        if isinstance(obj, Timer):
            held = inspect(obj).dict.get("case_id")
            if held is None or held == case_id:
                return True
    return any(isinstance(obj, Timer) for obj in session.new)


def fire_time(calendar: WorkingCalendar, due: datetime, rule: RemindRule | OverdueRule | AutoEscalateRule) -> datetime:
    if isinstance(rule, RemindRule):
        return before(calendar, due, rule.before)
    if isinstance(rule, AutoEscalateRule):
        return after(calendar, due, rule.after) + OVERDUE_AFTER
    return due + OVERDUE_AFTER


def schedule(session: Session, wf: Workflow, case: Case, calendar: WorkingCalendar, now: datetime,
             *, stage_start: datetime, fresh: bool, rows: list[dict[str, Any]] | None = None) -> None:
    """Create the current stage's timers from ``case.due_at``, or move the live ones
    (after an extension or a pause). Fired, skipped and cancelled timers stay as they
    are: each (case, rule, stage) fires at most once."""
    rules = wf.state(case.state).rules
    if rules is None or case.stage_seq is None or case.due_at is None:
        return
    with session.no_autoflush:
        existing = {} if fresh else {
            t.rule: t for t in session.scalars(select(Timer).where(Timer.case_id == case.id,
                                                                   Timer.stage_seq == case.stage_seq))}
    for name, rule in rules.timed().items():
        at = fire_time(calendar, case.due_at, rule)
        timer = existing.get(name)
        if timer is None:
            if name == "remind" and at <= stage_start:
                continue  # the stage is shorter than the reminder's lead time
            values = dict(rule=name, stage_seq=case.stage_seq, state=case.state, due_at=at, status="pending",
                          created_at=now, fired_at=None, result="")
            if rows is not None and case.id is not None:
                rows.append({"case_id": case.id, **values})
            elif fresh:
                # A new stage's timers are only written here (engine.batched_rows).
                add_row(session, TIMERS, values, case=case)
            else:
                session.add(Timer(case=case, **values))
        elif timer.status in LIVE:
            timer.due_at, timer.status = at, "pending"
