"""The report facts projection (``case_facts``), recomputed from the history in SQL.

The projection is kept up to date as events are written (a mapper hook in
``engine.models.reports``). ``rebuild_facts`` recomputes it from ``case_events`` —
one ``INSERT … SELECT … GROUP BY`` in the database — for the migration that creates
the table, after a restore, and for the tests that check the hook and this query
agree. ``facts_select`` is that query, usable on its own.
"""

from __future__ import annotations

from typing import Any, Collection, Iterable

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, insert, inspect, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from ..models import Case, CaseEvent
from ..models.rollups import fold
from ..models.reports import BUILT_IN_FINAL_STATES, CLOSED_OTHER_STATES, ESCALATE_TRIGGERS, ON_SITE_STATES, CaseFacts
from .sql import local_month

__all__ = ["facts_select", "rebuild_facts", "FACT_COLUMNS"]

FACT_COLUMNS = (
    "case_id", "origin_unit_id", "workflow_key", "kind", "topic", "received_at", "received_month",
    "on_site_at", "escalated_at", "escalated_up_at", "escalated_across_at", "resolved_at", "closed_at", "met_at",
    "extended_at", "missed_at",
    "satisfaction", "satisfaction_at",
)


def _first(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.min(case((cond, CaseEvent.at)))


def facts_select(case_ids: Iterable[int] | None = None, final_states: Collection[str] | None = None) -> Select[Any]:
    """One row per case, columns in ``FACT_COLUMNS`` order, computed from its events.
    ``final_states``: the state names that close a case (``engine.workflow.finality.
    final_states``; a name closes a case in every programme or in none); default: the
    built-in programmes'."""
    e = CaseEvent
    final = sorted(final_states) if final_states is not None else list(BUILT_IN_FINAL_STATES)
    resolved_states = [s for s in final if s not in CLOSED_OTHER_STATES]
    moved = or_(e.from_state.is_(None), e.from_state != e.to_state)
    outcome = e.data["stage_outcome"].as_string()
    satisfaction = e.data["satisfaction"].as_string()
    direction = e.data["escalation"].as_string()
    per_case = (
        select(
            Case.id.label("case_id"), Case.origin_unit_id, Case.workflow_key, Case.kind, Case.topic,
            Case.received_at, local_month(Case.received_at).label("received_month"),
            _first(and_(moved, e.to_state.in_(ON_SITE_STATES))).label("on_site_at"),
            _first(e.trigger.in_(ESCALATE_TRIGGERS)).label("escalated_at"),
            _first(and_(e.trigger.in_(ESCALATE_TRIGGERS), direction == "up")).label("escalated_up_at"),
            _first(and_(e.trigger.in_(ESCALATE_TRIGGERS), direction == "across")).label("escalated_across_at"),
            _first(and_(moved, e.to_state.in_(resolved_states))).label("resolved_at"),
            _first(and_(moved, e.to_state.in_(final))).label("closed_at"),
            _first(outcome == "met").label("met_at"),
            _first(outcome == "met_after_extension").label("extended_at"),
            _first(outcome == "missed").label("missed_at"),
            func.max(case((satisfaction.is_not(None), e.seq))).label("satisfaction_seq"),
        )
        .join(e, e.case_id == Case.id)
        .group_by(Case.id, Case.origin_unit_id, Case.workflow_key, Case.kind, Case.topic, Case.received_at)
    )
    if case_ids is not None:
        per_case = per_case.where(Case.id.in_(sorted(set(case_ids))))
    pc = per_case.subquery("pc")
    sat = aliased(CaseEvent, name="sat")
    return (
        select(
            pc.c.case_id, pc.c.origin_unit_id, pc.c.workflow_key, pc.c.kind, pc.c.topic, pc.c.received_at,
            pc.c.received_month, pc.c.on_site_at, pc.c.escalated_at, pc.c.escalated_up_at, pc.c.escalated_across_at,
            pc.c.resolved_at, pc.c.closed_at,
            pc.c.met_at, pc.c.extended_at, pc.c.missed_at,
            sat.data["satisfaction"].as_string().label("satisfaction"), sat.at.label("satisfaction_at"),
        )
        .select_from(pc)
        .outerjoin(sat, and_(sat.case_id == pc.c.case_id, sat.seq == pc.c.satisfaction_seq))
    )


def rebuild_facts(connection: Connection, case_ids: Iterable[int] | None = None,
                  final_states: Collection[str] | None = None) -> int:
    """Replace the projection (of every case, or of ``case_ids``) by what the history
    says, and the report roll-ups with it (``engine.models.rollups.fold``); returns
    the number of rows written. Runs in the caller's transaction."""
    table = CaseFacts.__table__
    ids = None if case_ids is None else sorted(set(case_ids))
    if ids is not None:
        fold(connection, ids, -1, final_states)  # the roll-up forgets what the old rows said
    stmt = delete(table) if ids is None else delete(table).where(table.c.case_id.in_(ids))
    connection.execute(stmt)
    # The columns the table has now: a migration rebuilding an older version of it
    # (0007 creates it without the columns added later) writes those only.
    present = {c["name"] for c in inspect(connection).get_columns(table.name)}
    columns = [name for name in FACT_COLUMNS if name in present]
    rows = facts_select(ids, final_states).subquery("facts")
    connection.execute(insert(table).from_select(columns, select(*[rows.c[name] for name in columns])))
    fold(connection, ids, 1, final_states)
    # rowcount of INSERT … SELECT is not reliable across drivers: count instead.
    count = select(func.count()).select_from(table)
    if ids is not None:
        count = count.where(table.c.case_id.in_(ids))
    return int(connection.execute(count).scalar_one())
