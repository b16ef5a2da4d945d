"""Who is told about an outbox message.

Deadline alerts name their recipient (the sweep resolved it from role grants).
Case events do not; for them the people who work the case next are told:

- ``case.created``: the leaders of the handling unit;
- ``case.transitioned`` and ``case.remark``: the officials and the leaders of the
  (new) handling unit, so a case passed to a department reaches its people;
- in both, when the case is handled away from where it was raised, the leaders of
  the origin unit too (they answer to the citizens who raised it);
- a deadline alert written without a recipient (nobody held the role the rule
  names): the administrators over the handling unit, so that someone acts.

"Of a unit" means the nearest holders of that role on the unit or above it: a
village has no leader of its own, so its commune's leaders are meant, but not the
province's, who would otherwise hear of every opinion in the province. A unit no
longer in force on the day of the message stands for its in-force successor
(engine.succession): a merged commune's case reaches the new commune. The person
who acted is never told of their own action, and nobody of a receipt printed.

A meeting's intake (engine.services.meeting_notice) is told to the meeting's
leaders once, by its ``meeting.recorded`` row; the rows of its opinions' events
reach everyone else they would reach, but not those leaders.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import LOCAL_TZ
from engine.deadline_rules.recipients import ancestor_ids
from engine.models import Meeting, OutboxMessage, RoleGrant, Unit, User
from engine.services.meeting_notice import MEETING_RECORDED, meeting_of
from engine.succession import in_force_successor

__all__ = ["recipients_for", "nearest_role_holders", "meeting_leaders", "QUIET_TRIGGERS"]

# In the history, told to nobody: a receipt printed (a meeting's 300 would flood the
# leaders' inboxes, and it changes nothing they act on); a change of assignee, whose
# own outbox row goes to the person assigned (engine.services.assignments).
QUIET_TRIGGERS = frozenset({"issue_receipt", "assign"})


def nearest_role_holders(session: Session, unit: Unit, roles: Iterable[str]) -> set[int]:
    """Active users holding each role on the deepest unit of ``unit``'s chain that has any."""
    chain = ancestor_ids(unit)
    depth = {unit_id: i for i, unit_id in enumerate(chain)}
    rows = session.execute(
        select(RoleGrant.role, RoleGrant.unit_id, RoleGrant.user_id)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role.in_(list(roles)), RoleGrant.unit_id.in_(chain), User.is_active.is_(True))
    ).all()
    found: set[int] = set()
    for role in set(roles):
        holders = [(depth[unit_id], user_id) for r, unit_id, user_id in rows if r == role]
        if holders:
            deepest = max(d for d, _ in holders)
            found |= {user_id for d, user_id in holders if d == deepest}
    return found


def _unit(session: Session, code: object, fallback_id: int | None) -> Unit | None:
    if isinstance(code, str) and code:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if unit is not None:
            return unit
    return session.get(Unit, fallback_id) if fallback_id is not None else None


def _answering(session: Session, unit: Unit | None, day: date) -> Unit | None:
    if unit is None:
        return None
    return in_force_successor(session, unit, day) or unit


def meeting_leaders(session: Session, meeting_id: int | None, day: date) -> set[int]:
    """The leaders told of a meeting's intake: the nearest leaders of its unit."""
    meeting = session.get(Meeting, meeting_id) if meeting_id is not None else None
    unit = _answering(session, meeting.unit, day) if meeting is not None else None
    return nearest_role_holders(session, unit, ("leader",)) if unit is not None else set()


def recipients_for(session: Session, msg: OutboxMessage) -> set[int]:
    """User ids to notify of ``msg``: active users, never the actor."""
    found = _recipients(session, msg)
    if msg.kind != MEETING_RECORDED and meeting_of(msg.payload) is not None:
        # Told once, by the meeting's own row: not once per opinion.
        found -= meeting_leaders(session, meeting_of(msg.payload), msg.created_at.astimezone(LOCAL_TZ).date())
    return found


def _recipients(session: Session, msg: OutboxMessage) -> set[int]:
    if msg.kind == MEETING_RECORDED:
        day = msg.created_at.astimezone(LOCAL_TZ).date()
        return meeting_leaders(session, meeting_of(msg.payload), day) - {msg.actor_user_id}
    if msg.recipient_user_id is not None:
        found = {msg.recipient_user_id}
        active = set(session.scalars(select(User.id).where(User.id.in_(found), User.is_active.is_(True))))
        return active - {msg.actor_user_id}
    payload = msg.payload or {}
    if payload.get("trigger") in QUIET_TRIGGERS:
        return set()
    case = msg.case
    handling = _unit(session, payload.get("handling_unit"), msg.unit_id or (case.handling_unit_id if case else None))
    if not msg.kind.startswith("case."):
        # A deadline alert nobody holds the role for: the administrators must find someone.
        found = nearest_role_holders(session, handling, ("admin",)) if handling is not None else set()
        return found - {msg.actor_user_id}
    origin = _unit(session, payload.get("origin_unit"), case.origin_unit_id if case else None)
    # A unit no longer in force when the message was written is answered for by its
    # successor: a predecessor's case reaches the new commune's people.
    day = msg.created_at.astimezone(LOCAL_TZ).date()
    handling = _answering(session, handling, day)
    origin = _answering(session, origin, day)
    found: set[int] = set()
    if handling is not None:
        roles = ("leader",) if msg.kind == "case.created" else ("official", "leader")
        found |= nearest_role_holders(session, handling, roles)
    if origin is not None and (handling is None or origin.id != handling.id):
        origin_leaders = nearest_role_holders(session, origin, ("leader",))
        found |= origin_leaders
    found.discard(msg.actor_user_id)  # type: ignore[arg-type]
    return found
