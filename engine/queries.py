"""Read-side queries over cases, always limited to the actor's units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from .actors import Actor
from .models import Case, Unit

__all__ = ["CaseFilter", "scope_clause", "list_cases", "count_by_state"]


@dataclass(frozen=True)
class CaseFilter:
    states: Sequence[str] = ()
    open_only: bool = False
    overdue_at: datetime | None = None  # only cases whose deadline passed before this instant
    final_states: Sequence[str] = ()


def scope_clause(actor: Actor) -> ColumnElement[bool]:
    """Cases whose origin or handling unit lies under one of the actor's grants."""
    if actor.is_system:
        return Case.id.is_not(None)
    roots = actor.scope_paths()
    if not roots:
        return false()
    origin, handling = aliased(Unit), aliased(Unit)
    in_origin = select(origin.id).where(or_(*[origin.path.startswith(r) for r in roots]))
    in_handling = select(handling.id).where(or_(*[handling.path.startswith(r) for r in roots]))
    return or_(Case.origin_unit_id.in_(in_origin), Case.handling_unit_id.in_(in_handling))


def list_cases(session: Session, actor: Actor, flt: CaseFilter = CaseFilter(), limit: int = 50) -> list[Case]:
    """Most urgent first: the earliest deadline, then cases without one."""
    stmt = select(Case).where(scope_clause(actor))
    if flt.states:
        stmt = stmt.where(Case.state.in_(list(flt.states)))
    if flt.open_only and flt.final_states:
        stmt = stmt.where(Case.state.not_in(list(flt.final_states)))
    if flt.overdue_at is not None:
        stmt = stmt.where(Case.due_at < flt.overdue_at)
    stmt = stmt.order_by(Case.due_at.is_(None), Case.due_at, Case.id).limit(limit)
    return list(session.scalars(stmt))


def count_by_state(session: Session, actor: Actor) -> dict[str, int]:
    rows = session.execute(select(Case.state, func.count()).where(scope_clause(actor)).group_by(Case.state))
    return {state: n for state, n in rows}
