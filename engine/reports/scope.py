"""Which units a report or an audit covers, for whom.

A unit the actor has no grant over does not exist for them (``NotFound``, shown as
404 by the outer layers), exactly like a case outside their units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import NotFound, RoleNotAllowed
from ..models import Unit
from .coverage import Coverage, coverage_of
from .period import Period

__all__ = ["Scope", "resolve_scope", "with_coverage", "REPORT_ROLES", "AUDIT_ROLES"]

# Everyone with a grant reads their units' figures; histories are for supervisors.
REPORT_ROLES = ("official", "leader", "auditor", "admin")
AUDIT_ROLES = ("leader", "auditor", "admin")


@dataclass(frozen=True)
class ScopeUnit:
    id: int
    code: str
    name: str
    level: str
    path: str


@dataclass(frozen=True)
class Scope:
    roots: tuple[ScopeUnit, ...]
    unit: ScopeUnit | None  # the unit asked for, if one was
    # Which cases over time (re-parented units, predecessors): set by with_coverage.
    coverage: Coverage | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(r.path for r in self.roots)

    def label(self) -> str:
        return self.unit.name if self.unit else ", ".join(r.name for r in self.roots)


def _view(u: Unit) -> ScopeUnit:
    return ScopeUnit(u.id, u.code, u.name, u.level, u.path)


def resolve_scope(session: Session, actor: Actor, unit_code: str | None,
                  roles: tuple[str, ...] = REPORT_ROLES) -> Scope:
    """The unit subtrees to aggregate: ``unit_code``'s if given (and covered by one of
    the actor's grants with one of ``roles``), else every subtree the actor holds."""
    if unit_code:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code)) if isinstance(unit_code, str) else None
        if unit is None or not (actor.is_system or actor.covers(unit.path)):
            raise NotFound(what="đơn vị / unit", key=str(unit_code)[:40])
        if not actor.is_system and not actor.roles_over(unit.path) & set(roles):
            raise RoleNotAllowed(trigger="report", roles=list(roles))
        return Scope((_view(unit),), _view(unit))
    if actor.is_system:
        units = session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code)).all()
        if len(units) == 1:
            return Scope((_view(units[0]),), _view(units[0]))
        return Scope(tuple(_view(u) for u in units), None)
    # Grants held through a successor are not roots: the successor's report covers them.
    paths = [g.unit_path for g in actor.grants if g.role in roles and not g.inherited]
    roots = sorted({p for p in paths if not any(p != q and p.startswith(q) for q in paths)})
    if not roots:
        raise RoleNotAllowed(trigger="report", roles=list(roles))
    units = session.scalars(select(Unit).where(Unit.path.in_(roots)).order_by(Unit.code)).all()
    if len(units) == 1:
        return Scope((_view(units[0]),), _view(units[0]))
    return Scope(tuple(_view(u) for u in units), None)


def with_coverage(session: Session, scope: Scope, period: Period) -> Scope:
    """``scope`` with what it covers over ``period`` (engine.reports.coverage): the
    tree as it was on each day, and the predecessors merged in by the period's end."""
    return replace(scope, coverage=coverage_of(session, scope.paths, period.end))
