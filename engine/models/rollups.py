"""Report roll-ups: what ``case_facts`` says, already counted per unit subtree.

A report takes every status twice, at a local midnight (the period's end, the end
of the as-of day), and each figure is "how many cases of the cohort had reached X
before that instant" — or a difference of two such counts (``transferred_within`` =
across − across-and-up, ``closed_other`` = closed − closed-and-resolved, the three
timeliness classes from ``late`` and ``ext`` / ``ext_late``; ``still_overdue`` =
overdue intervals begun − ended). So a case contributes, per counter, **one instant**
(or none), and a count before a midnight is the sum of the counters whose instant
fell on an earlier local day.

``report_rollups`` keeps those counters per (unit, month received, topic,
programme) and per bucket of the instant: a local **month** (``grain = "m"``, for
every whole month before the status instant) and a local **day** (``"d"``, for the
days of the status instant's own month). A case counts under its origin unit and
every unit above it (its path when the event was written), so a country's report
reads 34 provinces' rows, not a million cases.

The counters are written in the transaction of the event that changes them
(``fold_event``, called by the facts hook, ``engine.models.reports``): the new
contribution minus the old one, as additive upserts, so a report needs no
watermark to be exact. ``report_rollup_deadlines`` keeps, per open case, the start
of its current overdue interval, the one piece of history the facts do not hold.

``fold`` recomputes the counters of some cases (or all) from their facts and
history, in batches: the migration, ``rebuild_facts`` and the bench loader use it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any, Collection, Iterable, Mapping, Sequence

from sqlalchemy import ForeignKey, Integer, String, bindparam, delete, event, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..batched_rows import add_row
from ..calendar import LOCAL_TZ
from .base import Base
from .cases import CaseEvent
from .units import Unit

__all__ = ["ReportRollup", "RollupDeadline", "COUNTERS", "KEY", "instants", "due_of", "fold_event", "fold",
           "overdue_intervals", "hold", "write_pending", "UPSERT"]

COUNTERS = ("received", "on_site", "escalated", "up", "across", "across_up", "resolved", "closed",
            "closed_resolved", "late", "ext", "ext_late", "satisfied", "not_satisfied", "overdue_on", "overdue_off")
KEY = ("unit_id", "grain", "received_month", "bucket", "topic", "workflow_key")
# Entries that change neither the state nor the deadline (engine.models.reports.REMARK_TRIGGERS;
# repeated here because that module imports this one).
_REMARKS = ("remark", "urge", "confirm", "issue_receipt", "file_removed")
_BATCH = 2000


class ReportRollup(Base):
    """Counters of the cases received in one month under one unit, whose instant
    fell in one bucket (see the module docstring)."""

    __tablename__ = "report_rollups"
    # The key is the report's read order: one unit's months are one range.
    __table_args__ = ({"sqlite_with_rowid": False},)

    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)  # "m" | "d"
    received_month: Mapped[str] = mapped_column(String(7), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(10), primary_key=True)  # "2026-06" | "2026-06-30", local
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    on_site: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    up: Mapped[int] = mapped_column(Integer, default=0)
    across: Mapped[int] = mapped_column(Integer, default=0)
    across_up: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_resolved: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    ext: Mapped[int] = mapped_column(Integer, default=0)
    ext_late: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    not_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    overdue_on: Mapped[int] = mapped_column(Integer, default=0)
    overdue_off: Mapped[int] = mapped_column(Integer, default=0)


class RollupDeadline(Base):
    """An open case's current overdue interval: overdue from (after) ``overdue_from``."""

    __tablename__ = "report_rollup_deadlines"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    overdue_from: Mapped[datetime]


def _aware(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=timezone.utc)


def _latest(*ats: datetime | None) -> datetime | None:
    """The instant both (all) had happened by: None when one never did."""
    if any(a is None for a in ats):
        return None
    return max(_aware(a) for a in ats)  # type: ignore[type-var]


def instants(f: Mapping[str, Any]) -> dict[str, datetime | None]:
    """Each facts-derived counter's instant for one ``case_facts`` row."""
    r, c = f.get("resolved_at"), f.get("closed_at")
    up, across, missed, ext = f.get("escalated_up_at"), f.get("escalated_across_at"), f.get("missed_at"), f.get(
        "extended_at")
    sat = f.get("satisfaction")
    return {
        "received": f.get("received_at"), "on_site": f.get("on_site_at"), "escalated": f.get("escalated_at"),
        "up": up, "across": across, "across_up": _latest(across, up),
        "resolved": r, "closed": c, "closed_resolved": _latest(c, r),
        "late": _latest(r, missed), "ext": _latest(r, ext), "ext_late": _latest(r, ext, missed),
        "satisfied": f.get("satisfaction_at") if sat == "satisfied" else None,
        "not_satisfied": f.get("satisfaction_at") if sat == "not_satisfied" else None,
    }


def due_of(data: Any) -> datetime | None:
    """The deadline an event put in force (``data.due_at``), None without one or
    when it is not an instant (the facts report compares it as one)."""
    text = data.get("due_at") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return None
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def _day(at: datetime) -> date:
    return _aware(at).astimezone(LOCAL_TZ).date()  # type: ignore[union-attr]


Delta = dict[tuple[str, date], int]  # (counter, local day of its instant) -> +n / -n


def _add_instants(delta: Delta, f: Mapping[str, Any], sign: int) -> None:
    for name, at in instants(f).items():
        if at is not None:
            key = (name, _day(at))
            delta[key] = delta.get(key, 0) + sign


def _bump(delta: Delta, name: str, at: datetime, sign: int) -> None:
    key = (name, _day(at))
    delta[key] = delta.get(key, 0) + sign


def overdue_intervals(events: Sequence[Any], is_final: Any) -> tuple[list[tuple[datetime, datetime | None]],
                                                                      datetime | None]:
    """The intervals ``(a, b]`` of status instants at which the case counts as still
    overdue (``b`` None: still open), and the open one's start; ``events`` in order,
    ``is_final(state)``. The same steps as ``fold_event``, one event at a time."""
    out: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    closed = False
    for ev in events:
        if ev.trigger in _REMARKS:
            continue
        at = _aware(ev.at)
        closed = closed or (ev.from_state != ev.to_state and is_final(ev.to_state))
        if start is not None:
            if start < at:  # type: ignore[operator]
                out.append((start, at))
            start = None
        due = due_of(ev.data)
        if not closed and due is not None:
            start = max(at, due)  # type: ignore[type-var]
    if start is not None:
        out.append((start, None))
    return out, start


def _rows(delta: Delta, unit_ids: Iterable[int], received_month: str, topic: str, workflow_key: str,
          sign: int = 1) -> list[dict[str, Any]]:
    """The upserts for one case's delta: per unit above it, a month row and a day row
    per bucket touched."""
    buckets: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (name, day), n in delta.items():
        if n:
            for grain, bucket in (("m", f"{day:%Y-%m}"), ("d", day.isoformat())):
                counts = buckets[(grain, bucket)]
                counts[name] = counts.get(name, 0) + sign * n
    zero = dict.fromkeys(COUNTERS, 0)
    return [{**zero, **counts, "unit_id": uid, "grain": grain, "bucket": bucket, "received_month": received_month,
             "topic": topic, "workflow_key": workflow_key}
            for uid in unit_ids for (grain, bucket), counts in sorted(buckets.items()) if any(counts.values())]


def _upsert() -> Any:
    # Text, not ``insert().on_conflict_do_update()``: SQLAlchemy gives that construct no
    # cache key, so it was compiled afresh for every event (a quarter of a transition).
    # SQLite and PostgreSQL spell this upsert the same way.
    columns = KEY + COUNTERS
    return text(
        f"INSERT INTO report_rollups ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
        + ", ".join(f"{c} = report_rollups.{c} + excluded.{c}" for c in COUNTERS))


UPSERT = _upsert()  # rows of KEY + COUNTERS; the bench's baselines send the same statement


def _merge(into: dict[tuple[Any, ...], dict[str, Any]], rows: Iterable[dict[str, Any]]) -> None:
    for r in rows:
        key = tuple(r[k] for k in KEY)
        if key in into:
            for c in COUNTERS:
                into[key][c] += r[c]
        else:
            into[key] = dict(r)


# A session's roll-up rows not yet written, merged by key: a meeting's twenty opinions
# share their units, month and topic, so they add up to a dozen rows, not 240.
_PENDING = "nghedan.rollup_pending"


def _queue(session: Session, rows: list[dict[str, Any]]) -> None:
    _merge(session.info.setdefault(_PENDING, {}), rows)


def write_pending(session: Session) -> None:
    """Write the session's queued roll-up rows and moved deadlines (its flush does)."""
    session.info.pop(_HELD, None)  # read for this flush's events only
    pending, moved = session.info.pop(_PENDING, None), session.info.pop(_MOVED, None)
    if moved:
        connection = session.connection()
        connection.execute(_DELETE_DEADLINE, [{"case_id": cid} for cid in moved])
        began = [{"case_id": cid, "overdue_from": at} for cid, at in moved.items() if at is not None]
        if began:
            connection.execute(_INSERT_DEADLINE, began)
    if pending:
        _write(session.connection(), [r for r in pending.values() if any(r[c] for c in COUNTERS)])


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    write_pending(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _HELD, _MOVED):
        session.info.pop(key, None)


def _write(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        # Sorted: concurrent transactions lock a province's rows in one order, never in a cycle.
        rows.sort(key=lambda r: tuple(r[k] for k in KEY))
        connection.execute(UPSERT, rows)


def _unit_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _old_facts_select(case_id: Any) -> Any:
    from .reports import CaseFacts  # the facts model imports this module

    f, d, u = CaseFacts.__table__, RollupDeadline.__table__, Unit.__table__
    return (select(f, u.c.path, d.c.overdue_from).join(u, u.c.id == f.c.origin_unit_id)
            .outerjoin(d, d.c.case_id == f.c.case_id).where(case_id(f.c.case_id)))


@functools.lru_cache(maxsize=1)
def _old_facts_statement() -> Any:
    # Built once (bound by case id), not per event: building and cache-keying it
    # every time was a tenth of a transition.
    return _old_facts_select(lambda column: column == bindparam("case_id"))


def _old_facts(connection: Connection, case_id: int) -> Any:
    return connection.execute(_old_facts_statement(), {"case_id": case_id}).mappings().first()


# Cases a batch is about to change, their facts read at once (``hold``): case id -> the
# row as this batch's events leave it; and the overdue intervals those events moved
# (case id -> its new start, None: none), written with the flush.
_HELD, _MOVED = "nghedan.rollup_held", "nghedan.rollup_moved"


def hold(session: Session, case_ids: Collection[int]) -> None:
    """Read the facts of the cases a batch will change in one statement (the sweep's
    escalations), instead of one read and two deadline writes per event."""
    if case_ids:
        stmt = _old_facts_select(lambda column: column.in_(sorted(case_ids)))
        rows = session.connection().execute(stmt).mappings()
        session.info.setdefault(_HELD, {}).update({r["case_id"]: dict(r) for r in rows})


_DELETE_DEADLINE = delete(RollupDeadline).where(RollupDeadline.case_id == bindparam("case_id"))
_INSERT_DEADLINE = RollupDeadline.__table__.insert()


def fold_event(connection: Connection, ev: Any, changes: Mapping[str, Any], created: Mapping[str, Any] | None,
               first_only: Collection[str], session: Session | None = None, path: str | None = None) -> None:
    """Apply one event to the roll-up, in its transaction, before the facts row is
    written: ``created`` is the new facts row of a case's first event; ``changes``
    what the event changes in it (``engine.models.reports.project_event``; a case is
    closed once ``closed_at`` is set); ``first_only``: the columns that keep their
    first value. With ``session``, the roll-up rows wait for the session's flush,
    merged with the rest of its batch (and a new case's deadline row too); ``path``:
    a new case's origin unit's, when known."""
    remark = ev.trigger in _REMARKS
    if remark and not changes:
        return
    delta: Delta = {}
    d = RollupDeadline.__table__
    held: dict[int, Any] | None = None
    if created is not None:
        if path is None:
            path = connection.execute(select(Unit.path).where(Unit.id == created["origin_unit_id"])).scalar_one()
        old: Mapping[str, Any] = {}
        new = dict(created)
        start = None
        facts_key = created
    else:
        held = session.info.get(_HELD) if session is not None else None
        row = held.get(ev.case_id) if held else None
        if row is None:
            held, row = None, _old_facts(connection, ev.case_id)
        if row is None:
            return  # no facts row (written outside the hook): ``fold`` recomputes it
        path, start, facts_key = row["path"], _aware(row["overdue_from"]), row
        old = row
        new = dict(row)
        for name, value in changes.items():
            new[name] = (old.get(name) if old.get(name) is not None else value) if name in first_only else value
    _add_instants(delta, old, -1)
    _add_instants(delta, new, +1)
    if not remark:
        at = _aware(ev.at)
        if start is not None:
            if start < at:  # type: ignore[operator]
                _bump(delta, "overdue_off", at, +1)  # type: ignore[arg-type]
            else:
                _bump(delta, "overdue_on", start, -1)
            if held is None:
                connection.execute(_DELETE_DEADLINE, {"case_id": ev.case_id})
        due = due_of(ev.data)
        began = None
        if new.get("closed_at") is None and due is not None:
            began = max(at, due)  # type: ignore[type-var]
            _bump(delta, "overdue_on", began, +1)
            if session is not None and created is not None:
                add_row(session, d, {"case_id": ev.case_id, "overdue_from": began})
            elif held is None:
                connection.execute(_INSERT_DEADLINE, {"case_id": ev.case_id, "overdue_from": began})
        if held is not None and session is not None:
            session.info.setdefault(_MOVED, {})[ev.case_id] = began
            start = began
    if held is not None:
        held[ev.case_id] = {**new, "overdue_from": start}
    rows = _rows(delta, _unit_ids(path), facts_key["received_month"], facts_key["topic"], facts_key["workflow_key"])
    if session is not None:
        # Additive, and no write path reads the roll-up back: safe to send with the flush.
        _queue(session, rows)
    else:
        _write(connection, rows)


def fold(connection: Connection, case_ids: Iterable[int] | None = None, sign: int = 1,
         final_states: Collection[str] | None = None) -> int:
    """Add (``sign`` 1) or take away (-1) the contribution of ``case_ids`` (every
    case: the roll-up is emptied first) as their facts and history give it, in
    batches; returns the cases folded. Runs in the caller's transaction."""
    from .reports import BUILT_IN_FINAL_STATES, CaseFacts

    if not inspect(connection).has_table(ReportRollup.__tablename__):
        return 0  # an older schema (a migration before the roll-up) rebuilding facts
    finals = set(BUILT_IN_FINAL_STATES if final_states is None else final_states)
    f, u, e, d = CaseFacts.__table__, Unit.__table__, CaseEvent.__table__, RollupDeadline.__table__
    if case_ids is None:
        connection.execute(delete(ReportRollup.__table__))
        connection.execute(delete(d))
        ids = list(connection.execute(select(f.c.case_id).order_by(f.c.case_id)).scalars())
    else:
        ids = sorted(set(case_ids))
    for at in range(0, len(ids), _BATCH):
        chunk = ids[at:at + _BATCH]
        facts = connection.execute(select(f, u.c.path).join(u, u.c.id == f.c.origin_unit_id)
                                   .where(f.c.case_id.in_(chunk))).mappings().all()
        history: dict[int, list[Any]] = defaultdict(list)
        for ev in connection.execute(select(e.c.case_id, e.c.trigger, e.c.from_state, e.c.to_state, e.c.at, e.c.data)
                                     .where(e.c.case_id.in_(chunk)).order_by(e.c.case_id, e.c.seq)):
            history[ev.case_id].append(ev)
        merged: dict[tuple[Any, ...], dict[str, Any]] = {}
        opened = []
        for row in facts:
            delta: Delta = {}
            _add_instants(delta, row, 1)
            intervals, start = overdue_intervals(history[row["case_id"]], finals.__contains__)
            for a, b in intervals:
                _bump(delta, "overdue_on", a, 1)
                if b is not None:
                    _bump(delta, "overdue_off", b, 1)
            if start is not None:
                opened.append({"case_id": row["case_id"], "overdue_from": start})
            _merge(merged, _rows(delta, _unit_ids(row["path"]), row["received_month"], row["topic"],
                                 row["workflow_key"], sign))
        if case_ids is not None:
            connection.execute(delete(d).where(d.c.case_id.in_(chunk)))
        if sign > 0 and opened:
            connection.execute(d.insert(), opened)
        _write(connection, list(merged.values()))
    return len(ids)
