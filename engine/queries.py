"""Read-side queries over cases, always limited to the actor's units. Lists of cases
are ``engine.listing``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import aliased

from .actors import Actor
from .models import Case, Unit, in_units, path_under

__all__ = ["scope_clause"]


def scope_clause(actor: Actor) -> ColumnElement[bool]:
    """Cases whose origin or handling unit lies under one of the actor's grants."""
    if actor.is_system:
        return Case.id.is_not(None)
    roots = actor.scope_paths()
    if not roots:
        return false()
    origin, handling = aliased(Unit), aliased(Unit)
    in_origin = select(origin.id).where(or_(*[path_under(origin.path, r) for r in roots]))
    in_handling = select(handling.id).where(or_(*[path_under(handling.path, r) for r in roots]))
    return or_(in_units(Case.origin_unit_id, in_origin), in_units(Case.handling_unit_id, in_handling))
