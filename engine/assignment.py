"""Assignment (giao xử lý): who must act now on a case, and who may say so.

The one rule every surface asks (the case page, the API, the boards, the service):

* A case is assigned to a person **working in its handling unit**: an active user
  with an official's or a leader's grant on that unit — a village has no staff of
  its own, so for a village it is the commune (the nearest administrative level)
  above it — or on that unit's in-force successor (engine.succession: a merged
  commune's people work its predecessors' cases). A grant higher up (the province)
  or in another branch (a department, another commune) does not make one work there.
* A **leader** over the handling unit assigns anyone who works there, reassigns
  and releases. An **official** over it may take an unassigned case for
  themselves ("Nhận xử lý") if they work there, and release what is theirs. Nobody
  else assigns (auditors watch; an administrator runs the system, not cases).
* When nobody is assigned, who must act is the handling unit's people in the roles
  the workflow gives the next steps (:func:`acting_roles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .actors import CITIZEN_ROLE, Actor
from .errors import DomainError
from .escalation_direction import level_unit
from .models import Case, RoleGrant, Unit, User, path_under
from .succession import in_force_successor, path_ids
from .workflow import Workflow

__all__ = ["working_units_of", "ASSIGN_TRIGGER", "ASSIGNEE_ROLES", "Action", "AssignmentRefused", "AssignmentNotAllowed",
           "AssigneeRequired", "working_units", "works_in", "eligible_people", "refusal", "acting_roles", "Person",
           "options", "people_in_scope"]

# The history's trigger for every change of assignee (assign, take, release).
ASSIGN_TRIGGER = "assign"
ASSIGNEE_ROLES = ("official", "leader")
Action = Literal["assign", "take", "release"]


class AssignmentRefused(DomainError):
    code = "assignment-refused"
    key = "error.assignment-refused"


class AssignmentNotAllowed(AssignmentRefused):
    """The actor's role does not allow it (the API answers 403, as for a trigger)."""

    code = "role-not-allowed"


class AssigneeRequired(DomainError):
    """The workflow asks for an assignee before this step (``requires_assignee``)."""

    code = "assignee-required"
    key = "error.assignee-required"


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    full_name: str

    @property
    def display(self) -> str:
        return self.full_name or self.username


def working_units(session: Session, handling: Unit, day: date) -> list[Unit]:
    """The units whose people work ``handling``'s cases on ``day``: the unit itself
    (its commune for a village) and, when that one lapsed, its in-force successor."""
    home = level_unit(handling) if handling.level == "village" else handling
    units = [home]
    successor = in_force_successor(session, home, day)
    if successor is not None and successor.id != home.id:
        units.append(successor)
    return units


def working_units_of(session: Session, handling: Sequence[Unit], day: date) -> dict[int, list[Unit]]:
    """``working_units`` for a list's handling units (unit id -> units), reading every
    unit above them once: a board of a hundred cases asked per unit was a hundred
    and thirty queries."""
    ids = sorted({i for u in handling for i in path_ids(u)})
    # Held here so the session's identity map (weak) keeps them while the chains are walked.
    held = [u for at in range(0, len(ids), 500)
            for u in session.scalars(select(Unit).where(Unit.id.in_(ids[at:at + 500])))]
    out = {u.id: working_units(session, u, day) for u in handling}
    del held
    return out


def _grant_ids(session: Session, user_id: int) -> set[tuple[str, int]]:
    rows = session.execute(select(RoleGrant.role, RoleGrant.unit_id).where(RoleGrant.user_id == user_id)).tuples()
    return set(rows)


def works_in(session: Session, user: User, handling: Unit, day: date) -> bool:
    if not user.is_active:
        return False
    ids = {u.id for u in working_units(session, handling, day)}
    return any(role in ASSIGNEE_ROLES and unit_id in ids for role, unit_id in _grant_ids(session, user.id))


def eligible_people(session: Session, handling: Unit, day: date) -> list[Person]:
    """Everyone a case handled by ``handling`` may be assigned to, by name."""
    ids = [u.id for u in working_units(session, handling, day)]
    rows = session.execute(
        select(User.id, User.username, User.full_name).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.unit_id.in_(ids), RoleGrant.role.in_(ASSIGNEE_ROLES), User.is_active.is_(True))
        .distinct().order_by(User.full_name, User.username)).tuples()
    return [Person(i, u, n or "") for i, u, n in rows]


def people_in_scope(session: Session, actor: Actor, limit: int = 500) -> list[Person]:
    """The people working in the reader's units (an official's or a leader's grant on
    a unit under one of the reader's scopes), by name: whom a list may be filtered by
    and a selection assigned to (each case still asks :func:`refusal`)."""
    roots = actor.scope_paths()
    if not roots:
        return []
    rows = session.execute(
        select(User.id, User.username, User.full_name).join(RoleGrant, RoleGrant.user_id == User.id)
        .join(Unit, Unit.id == RoleGrant.unit_id)
        .where(or_(*[path_under(Unit.path, r) for r in roots]), RoleGrant.role.in_(ASSIGNEE_ROLES),
               User.is_active.is_(True))
        .distinct().order_by(User.full_name, User.username).limit(limit)).tuples()
    return [Person(i, u, n or "") for i, u, n in rows]


def _why(vi: str, en: str) -> dict[str, str]:
    return {"why_vi": vi, "why_en": en}


def _role_refusal(actor: Actor, case: Case, action: Action) -> AssignmentRefused | None:
    """Whether the actor's roles over the handling unit allow ``action`` at all."""
    roles = set() if actor.is_system else actor.roles_over(case.handling_unit.path)
    leader, official = "leader" in roles, "official" in roles
    current = case.assignee_id
    if action == "release":
        if current is None:
            return AssignmentRefused(case=case.code, **_why("chưa giao cho ai", "nobody is assigned"))
        if leader or (official and current == actor.user_id):
            return None
        return AssignmentNotAllowed(case=case.code, **_why(
            "chỉ lãnh đạo đơn vị xử lý hoặc người được giao mới thôi giao",
            "only a leader of the handling unit or the assignee may release it"))
    if action == "take":
        if not (leader or official):
            return AssignmentNotAllowed(case=case.code, **_why(
                "chỉ cán bộ, lãnh đạo của đơn vị đang xử lý mới nhận xử lý",
                "only officials and leaders of the handling unit may take it"))
        if current is not None and current != actor.user_id and not leader:
            return AssignmentRefused(case=case.code, **_why(
                "ý kiến đã giao cho người khác; lãnh đạo đơn vị mới giao lại được",
                "it is assigned to someone else; a leader of the unit may reassign it"))
        return None
    if not leader:
        return AssignmentNotAllowed(case=case.code, **_why("chỉ lãnh đạo của đơn vị đang xử lý mới giao xử lý",
                                                        "only a leader of the handling unit may assign it"))
    return None


def refusal(session: Session, actor: Actor, case: Case, action: Action, target: User | None,
            day: date) -> AssignmentRefused | None:
    """Why ``actor`` may not do ``action`` (to ``target``, for assign and take), or None."""
    refused = _role_refusal(actor, case, action)
    if refused is not None or action == "release":
        return refused
    if target is None or not works_in(session, target, case.handling_unit, day):
        return AssignmentRefused(case=case.code, **_why(
            "người được giao phải là cán bộ, lãnh đạo đang làm việc tại đơn vị xử lý ý kiến",
            "the assignee must be an official or leader working in the unit handling the case"))
    if target.id == case.assignee_id:
        return AssignmentRefused(case=case.code, **_why("ý kiến đã giao cho người này", "it is already theirs"))
    return None


def acting_roles(wf: Workflow, state: str, kind: str) -> tuple[str, ...]:
    """The staff roles the workflow gives the steps out of ``state`` (who must act
    when nobody is assigned), in a stable order."""
    found: set[str] = set()
    for t in wf.transitions_from(state):
        if t.applies_to(kind):
            found |= set(t.roles) - {CITIZEN_ROLE}
    order = ("official", "leader", "member", "auditor", "admin")
    return tuple(r for r in order if r in found)


def options(session: Session, actor: Actor, case: Case, day: date) -> tuple[Action, ...]:
    """What ``actor`` may do with the case's assignment now, for a page's buttons:
    the rule above, asked for each action."""
    found: list[Action] = []
    if _role_refusal(actor, case, "assign") is None:
        found.append("assign")  # the form asks for the person
    me = session.get(User, actor.user_id) if actor.user_id is not None else None
    if me is not None and case.assignee_id != me.id and refusal(session, actor, case, "take", me, day) is None:
        found.append("take")
    if refusal(session, actor, case, "release", None, day) is None:
        found.append("release")
    return tuple(found)
