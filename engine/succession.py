"""Units over time: which unit is in force on a day, where the work of one that is
no longer went, and whose cases a successor inherits.

The 2025 reform abolished the district level and merged communes. A case keeps the
units it was recorded with (its origin and handling units are history); what
changes is who answers for them. The rule, in one place for every surface:

* a unit is **in force** on a day when it and every unit above it are valid that
  day: a village with no end date under a commune that ended is gone with it,
  unless it was re-parented;
* the **in-force successor** of a unit is the unit itself if in force, else the
  successor of the nearest lapsed unit of its chain (itself, then upwards) that
  names one, followed until a unit in force (a short chain; a loop ends it);
* a grant on a unit also covers, from the day of the change, the subtrees of the
  units whose successor lies in that grant's subtree (``inherited_grants``): the
  new commune's people see, list and act on their predecessors' cases, and the
  authorization, disclosure and listing rules, which match paths, follow by
  themselves. Nothing is rewritten: the case's units and the old units' paths stay.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy import not_, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from .actors import Grant
from .models import Unit, path_under

__all__ = [
    "MAX_HOPS", "path_ids", "in_force", "in_force_among", "in_force_successor", "escalation_target",
    "inherited_grants", "subtree_paths",
]

# A successor chain of more than a few hops is a data error (a loop), not history.
MAX_HOPS = 8
_CHUNK = 500


def path_ids(unit: Unit) -> list[int]:
    """The unit's ancestors and itself, root first ("/1/4/9/" -> [1, 4, 9])."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def _chain(session: Session, unit: Unit) -> list[Unit]:
    ids = path_ids(unit)
    # Units the session already holds (a sweep batch loads its cases' ancestors at
    # once) are not read again: a unit row changes only through the directory.
    held = [session.identity_map.get(identity_key(Unit, i)) for i in ids]
    if all(u is not None for u in held):
        return [u for u in held if u is not None]
    found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def in_force(session: Session, unit: Unit, day: date) -> bool:
    """``unit`` and every unit above it are valid on ``day``."""
    return all(u.is_valid_on(day) for u in _chain(session, unit))


def in_force_among(session: Session, units: Sequence[Unit], day: date) -> list[Unit]:
    """Those of ``units`` in force on ``day`` (``in_force`` for a list: one query
    for every ancestor they have)."""
    ids = sorted({i for u in units for i in path_ids(u)})
    valid: set[int] = set()
    for at in range(0, len(ids), _CHUNK):  # a picker may list thousands: within SQLite's bind limit
        valid |= {u.id for u in session.scalars(select(Unit).where(Unit.id.in_(ids[at:at + _CHUNK])))
                  if u.is_valid_on(day)}
    return [u for u in units if all(i in valid for i in path_ids(u))]


def in_force_successor(session: Session, unit: Unit, day: date) -> Unit | None:
    """The unit that answers on ``day`` for what ``unit`` held: itself if in force,
    else the successor of the nearest lapsed unit of its chain that names one,
    followed until a unit in force; ``None`` when the chain ends without one."""
    current, seen = unit, {unit.id}
    for _ in range(MAX_HOPS):
        chain = _chain(session, current)
        if all(u.is_valid_on(day) for u in chain):
            return current
        nxt = next((u.successor_id for u in reversed(chain) if not u.is_valid_on(day) and u.successor_id), None)
        if nxt is None or nxt in seen:
            return None
        seen.add(nxt)
        current = session.get(Unit, nxt)
        if current is None:
            return None
    return None


def escalation_target(session: Session, unit: Unit, to: str, day: date) -> Unit | None:
    """Where an automatic escalation from ``unit`` goes on ``day``: its parent
    (``to == "parent"``) or its nearest ancestor of level ``to``, followed to its
    in-force successor; an abolished level with no successor hands over to the
    next unit above that is in force. Never a unit no longer in force."""
    chain = _chain(session, unit)[:-1]  # the ancestors, root first
    if to != "parent":
        levels = [i for i, u in enumerate(chain) if u.level == to]
        chain = chain[: levels[-1] + 1] if levels else []
    for ancestor in reversed(chain):
        found = in_force_successor(session, ancestor, day)
        if found is not None:
            return found
    return None


def inherited_grants(session: Session, grants: tuple[Grant, ...], day: date) -> tuple[Grant, ...]:
    """The grants a successor's people hold, on ``day``, over their predecessors:
    one per predecessor subtree (the unit whose ``valid_to`` has come and whose
    successor lies under the grant), with the grant's role. Subtrees already
    covered are left out; a predecessor's own predecessors follow (two mergers)."""
    out: list[Grant] = []
    for role in sorted({g.role for g in grants}):
        covered = [g.unit_path for g in grants if g.role == role]
        frontier = list(covered)
        for _ in range(MAX_HOPS):
            succ = aliased(Unit, name="successor")
            rows = session.execute(
                select(Unit.id, Unit.code, Unit.path).join(succ, succ.id == Unit.successor_id)
                .where(Unit.valid_to.is_not(None), Unit.valid_to <= day,
                       or_(*[path_under(succ.path, p) for p in frontier]),
                       not_(or_(*[path_under(Unit.path, p) for p in covered])))
                .order_by(Unit.path)).all()
            fresh = [(i, c, p) for i, c, p in rows if not any(p.startswith(q) for q in covered)]
            if not fresh:
                break
            for unit_id, code, path in fresh:
                if not any(path.startswith(q) for q in covered):
                    covered.append(path)
                    out.append(Grant(role, unit_id, code, path, inherited=True))
            frontier = [p for _, _, p in fresh]
    return tuple(out)



def subtree_paths(session: Session, unit: Unit, day: date | None) -> list[str]:
    """The subtrees a filter on ``unit`` means on ``day``: its own and, once their
    change is in force, its predecessors'."""
    if day is None:
        return [unit.path]
    grant = Grant("unit", unit.id, unit.code, unit.path)
    return [unit.path, *(g.unit_path for g in inherited_grants(session, (grant,), day))]
