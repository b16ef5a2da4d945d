"""Who is told when a deadline rule fires, resolved from role grants at that moment.

Resolving at fire time (not when the timer was created) means a leader appointed
after the case arrived gets its alerts, and a deactivated account gets none. A grant
covers a unit when its unit is the unit or one of its ancestors; ancestors are read
off the materialised path, and the holders on the nearest level are the ones told
(the same rule as notifications.recipients). A sweep batch first loads every grant on the ancestors
of its cases' units in one query (``prefetch``): every unit an audience can name —
the handling and origin units, the parent, the unit an escalation moves to — is one
of those ancestors, so a batch of hundreds of cases costs two queries, not hundreds.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Case, RoleGrant, Unit, User
from ..succession import escalation_target, in_force_successor
from ..workflow.spec import Audience

__all__ = ["Recipients", "ancestor_ids", "relation_unit"]

Grants = dict[int, list[tuple[str, int]]]  # unit id -> [(role, user id)]
_CHUNK = 500  # ids per IN list, within SQLite's bind limit


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit and its ancestors, from its path ("/1/4/9/" -> [1, 4, 9])."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def relation_unit(session: Session, case: Case, relation: str) -> Unit | None:
    if relation == "handling":
        return case.handling_unit
    if relation == "origin":
        return case.origin_unit
    parent_id = case.handling_unit.parent_id
    return session.get(Unit, parent_id) if parent_id is not None else None


class Recipients:
    """Resolves audiences to sorted active user ids."""

    def __init__(self, session: Session, *, day: date | None = None) -> None:
        self.session = session
        # On ``day`` a unit no longer in force is answered for by its successor: a
        # predecessor's case alerts the new commune's people (engine.succession).
        self.day = day
        self._successors: dict[tuple[int, str], Unit | None] = {}
        self._grants: Grants = {}  # grants on units loaded so far
        self._fronts: dict[int, list[int]] = {}  # unit id -> its front-level units
        self._loaded: set[int] = set()
        self._units: list[Unit] = []  # strong references: the identity map's are weak

    def prefetch(self, units: Iterable[Unit]) -> None:
        """Load the grants on these units, their ancestors and the front-level units
        attached to any of them: three queries."""
        ids = {i for unit in units for i in ancestor_ids(unit)} - self._loaded
        if not ids:
            return
        self._loaded |= ids
        # The units themselves, held for the batch: who answers for a unit on the day
        # (engine.succession) reads its chain from them instead of once per case.
        for at in range(0, len(ids), _CHUNK):
            self._units += self.session.scalars(select(Unit).where(Unit.id.in_(sorted(ids)[at:at + _CHUNK]))).all()
        fronts = self.session.execute(
            select(Unit.id, Unit.parent_id).where(Unit.parent_id.in_(sorted(ids)), Unit.level == "front")).all()
        for front_id, parent_id in fronts:
            self._fronts.setdefault(parent_id, []).append(front_id)
        wanted = ids | {front_id for front_id, _ in fronts}
        rows = self.session.execute(
            select(RoleGrant.unit_id, RoleGrant.role, RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.unit_id.in_(sorted(wanted)), User.is_active.is_(True))).all()
        for unit_id, role, user_id in rows:
            self._grants.setdefault(unit_id, []).append((role, user_id))
        for unit_id in wanted:
            self._grants.setdefault(unit_id, [])

    def of(self, case: Case, audience: Audience) -> list[int]:
        found: set[int] = set()
        for role, relation in audience.pairs():
            unit = self._in_force(case, relation)
            if unit is not None:
                found |= self.role_over(role, unit)
        return sorted(found)

    def _in_force(self, case: Case, relation: str) -> Unit | None:
        if self.day is None:
            return relation_unit(self.session, case, relation)
        key = (case.handling_unit_id if relation == "parent" else getattr(case, f"{relation}_unit_id"), relation)
        if key not in self._successors:
            if relation == "parent":
                found = escalation_target(self.session, case.handling_unit, "parent", self.day)
            else:
                unit = relation_unit(self.session, case, relation)
                found = in_force_successor(self.session, unit, self.day) or unit if unit is not None else None
            self._successors[key] = found
        return self._successors[key]

    def role_over(self, role: str, unit: Unit) -> set[int]:
        self.prefetch([unit])  # a no-op for units of the batch
        if role == "front":
            # The Fatherland Front committee of the unit's level: auditors covering
            # the unit, and whoever holds a grant on a front-level unit attached to it.
            attached = {uid for front in self._fronts.get(unit.id, []) for _, uid in self._grants.get(front, [])}
            return self.role_over("auditor", unit) | attached
        # The nearest holders: a village case's overdue alert reaches the commune's
        # leaders, not every leader up to the province (who would get every alert
        # of every commune). Higher levels hear through auto-escalation instead.
        for unit_id in reversed(ancestor_ids(unit)):
            holders = {uid for r, uid in self._grants.get(unit_id, []) if r == role}
            if holders:
                return holders
        return set()
