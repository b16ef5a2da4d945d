"""What the reports and the Front's audit keep beside the cases.

``CaseFacts`` is a projection of each case's hash-chained history: one row per case
with the instants the figures of a periodic report depend on (first answered on the
spot, first escalated, resolved, closed, the first stage met / met only after an
extension / missed, the latest satisfaction). It is written in the same transaction
as the events, by a mapper hook on ``CaseEvent`` below, so reports aggregate one
narrow table with ``GROUP BY`` instead of re-reading every event; the history stays
the source of truth and ``engine.reports.facts.rebuild_facts`` recomputes the
projection from it (a test checks both agree on random histories).

``DailySeal`` is the root hash over every case chain's head at the end of a day
(``engine.seals``): a value the Front keeps outside the system.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import (Date, ForeignKey, Index, Integer, String, UniqueConstraint, bindparam, event, func, insert, text,
                        update)
from sqlalchemy.engine import Connection
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column, object_session
from sqlalchemy.orm.util import identity_key

from ..batched_rows import add_row, pending_rows, write_rows
from ..calendar import LOCAL_TZ
from .base import Base
from .cases import Case, CaseEvent
from .units import Unit
from .rollups import fold_event

__all__ = [
    "CaseFacts", "DailySeal", "ON_SITE_STATES", "ESCALATE_TRIGGERS", "BUILT_IN_FINAL_STATES", "CLOSED_OTHER_STATES",
    "REMARK_TRIGGERS", "FIRST_ONLY", "FINALITY_KEY", "IsFinal", "project_event",
]

# The report's vocabulary, shared by the built-in programmes (states and triggers are
# stored names; see workflows/*.yaml). A programme that wants these figures uses them.
ON_SITE_STATES = ("answered_on_site",)
ESCALATE_TRIGGERS = ("escalate", "auto_escalate")
# Closed otherwise than resolved; every other final state counts as resolved.
CLOSED_OTHER_STATES = ("merged", "withdrawn")
# Which states close a case is the workflows' answer (engine.workflow.finality), handed
# to the hook through the session (``Session.info[FINALITY_KEY]``, set by the case
# service). Without it — a migration rebuilding the projection, a bare session — the
# built-in programmes' final states stand in.
FINALITY_KEY = "nghedan.is_final"
IsFinal = Callable[[str, str], bool]  # (workflow key, state) -> closes the case
BUILT_IN_FINAL_STATES = ("resolved", "merged", "withdrawn")
# History entries that change neither the state nor the deadline (engine.history.REMARKS):
# remarks, a receipt printed (its event carries no deadline) and the removal of a file
# by decision (engine.files.access.FILE_REMOVED).
REMARK_TRIGGERS = ("remark", "urge", "confirm", "issue_receipt", "file_removed")


class CaseFacts(Base):
    """One case's report facts, as of its newest event (see the module docstring)."""

    __tablename__ = "case_facts"
    # The primary key is the report's GROUP BY: on SQLite the table is stored in that
    # order (WITHOUT ROWID), so a unit's months are one range and grouping needs no sort.
    __table_args__ = (
        UniqueConstraint("case_id"),
        # Opinions resolved after first being closed otherwise (few): the carried-over
        # figures subtract them, and the roll-up cannot (engine.reports.rollup_read).
        Index("ix_case_facts_reopened", "resolved_at", sqlite_where=text("closed_at < resolved_at"),
              postgresql_where=text("closed_at < resolved_at")),
        {"sqlite_with_rowid": False},
    )

    origin_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    received_month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2024-06", local time
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    workflow_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]
    on_site_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    # The first escalation up a level / across to a unit of the same level, as the
    # event recorded it (data.escalation; engine.escalation_direction).
    escalated_up_at: Mapped[datetime | None]
    escalated_across_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # resolved, merged or withdrawn: the first final state
    met_at: Mapped[datetime | None]
    extended_at: Mapped[datetime | None]  # a stage met only thanks to an accepted extension
    missed_at: Mapped[datetime | None]
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    satisfaction_at: Mapped[datetime | None]


class DailySeal(Base):
    """The root hash over every case chain's head at the end of ``day`` (local)."""

    __tablename__ = "daily_seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    case_count: Mapped[int] = mapped_column(Integer)
    event_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))


_DIRECTION_COLUMN = {"up": "escalated_up_at", "across": "escalated_across_at"}
_OUTCOME_COLUMN = {"met": "met_at", "met_after_extension": "extended_at", "missed": "missed_at"}
# Columns holding the *first* instant something happened: never overwritten.
FIRST_ONLY = ("on_site_at", "escalated_at", "escalated_up_at", "escalated_across_at", "resolved_at", "closed_at",
              "met_at", "extended_at", "missed_at")


def project_event(ev: Any, final: bool | None = None) -> dict[str, Any]:
    """The facts one event (anything with trigger, from_state, to_state, at, data)
    contributes, as ``{column: value}``; ``final``: whether its state closes the case
    (None: one of the built-in final states). Pure: the hook below and the tests use it."""
    data = ev.data if isinstance(ev.data, dict) else {}
    out: dict[str, Any] = {}
    moved = ev.from_state != ev.to_state
    closes = ev.to_state in BUILT_IN_FINAL_STATES if final is None else final
    if moved and ev.to_state in ON_SITE_STATES:
        out["on_site_at"] = ev.at
    if ev.trigger in ESCALATE_TRIGGERS:
        out["escalated_at"] = ev.at
        direction = data.get("escalation")
        if isinstance(direction, str) and direction in _DIRECTION_COLUMN:
            out[_DIRECTION_COLUMN[direction]] = ev.at
    if moved and closes and ev.to_state not in CLOSED_OTHER_STATES:
        out["resolved_at"] = ev.at
    if moved and closes:
        out["closed_at"] = ev.at
    outcome = data.get("stage_outcome")
    if isinstance(outcome, str) and outcome in _OUTCOME_COLUMN:
        out[_OUTCOME_COLUMN[outcome]] = ev.at
    satisfaction = data.get("satisfaction")
    if isinstance(satisfaction, str):
        out["satisfaction"], out["satisfaction_at"] = satisfaction, ev.at
    return out


@event.listens_for(CaseEvent, "after_insert")
def _project_after_insert(mapper: Mapper[Any], connection: Connection, ev: CaseEvent) -> None:
    """Keep ``case_facts`` in step with the history, in the event's transaction:
    one INSERT for a new case, one UPDATE for an event that changes a figure,
    nothing for remarks and extensions."""
    session = object_session(ev)
    is_final: IsFinal | None = session.info.get(FINALITY_KEY) if session is not None else None
    case: Case = ev.case
    changes = project_event(ev, None if is_final is None else is_final(case.workflow_key, ev.to_state))
    if ev.from_state is None:
        received = case.received_at
        row = {name: None for name in _FACT_COLUMNS} | dict(
            case_id=ev.case_id, origin_unit_id=case.origin_unit_id, workflow_key=case.workflow_key,
            kind=case.kind, topic=case.topic, received_at=received,
            received_month=received.astimezone(LOCAL_TZ).strftime("%Y-%m"), **changes,
        )
        fold_event(connection, ev, changes, row, FIRST_ONLY, session, _known_path(session, case.origin_unit_id))
        if session is not None:
            # A batch's new cases get their facts in one multi-row INSERT after the flush.
            add_row(session, _FACTS, row)
        else:
            connection.execute(_INSERT_FACTS, row)
        return
    if session is not None and pending_rows(session, _FACTS, None, lambda row: row["case_id"] == ev.case_id):
        # Created in this same flush: its facts are still waiting. Write them now, so
        # the roll-up reads the facts as they were before this event changes them.
        write_rows(session)
    # The roll-up reads the facts as they were: before they change.
    fold_event(connection, ev, changes, None, FIRST_ONLY, session)
    if changes:
        connection.execute(_update_facts(frozenset(changes)),
                           {"fact_case_id": ev.case_id, **{f"new_{k}": v for k, v in changes.items()}})


def _known_path(session: Session | None, unit_id: int) -> str | None:
    """The unit's path if the session already holds it (a batch loaded its units), so
    a meeting's opinions do not each read it again."""
    unit = session.identity_map.get(identity_key(Unit, unit_id)) if session is not None else None
    return None if unit is None else sa_inspect(unit).dict.get("path")


_FACTS = CaseFacts.__table__
_INSERT_FACTS = insert(_FACTS)
# Every column a row may carry, so a batch's rows share one set of keys (one INSERT).
_FACT_COLUMNS = FIRST_ONLY + ("satisfaction", "satisfaction_at")


@functools.lru_cache(maxsize=64)
def _update_facts(columns: frozenset[str]) -> Any:
    """The UPDATE for one set of changed columns (a handful of sets occur); a column
    in FIRST_ONLY keeps its first value."""
    table = CaseFacts.__table__
    return update(table).where(table.c.case_id == bindparam("fact_case_id")).values({
        name: func.coalesce(table.c[name], bindparam(f"new_{name}", type_=table.c[name].type)) if name in FIRST_ONLY
        else bindparam(f"new_{name}", type_=table.c[name].type)
        for name in sorted(columns)
    })
