"""Writing an assignment: the case service's step for assign, take and release.

Every change of assignee is an event in the case's chain (trigger ``assign``, the
state unchanged; data: who now, who before, how), so the Front can read who was
made responsible and when. The new assignee is told through the outbox (a row
addressed to them, written in the same transaction); the generic event row of the
same step is told to nobody (``notifications.recipients.QUIET_TRIGGERS``), so a unit's
inboxes do not fill with who-does-what.

Checks in the order of ``CaseService.fire``: visibility, version, whether the case
is still open, the rule (``engine.assignment.refusal``), then the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from ..actors import Actor
from ..assignment import ASSIGN_TRIGGER, Action, AssignmentRefused, refusal
from ..errors import InvalidField, StaleVersion
from ..history import append_event
from ..models import Case, OutboxMessage, User
from ..uow import UnitOfWork

if TYPE_CHECKING:
    from .cases import CaseService

__all__ = ["ACTIONS", "assign_within", "clear_assignee"]

ACTIONS: tuple[Action, ...] = ("assign", "take", "release")


def _action(value: Any) -> Action:
    if value not in ACTIONS:
        raise InvalidField(field="action", problem_vi="phải là giao xử lý, nhận xử lý hoặc thôi giao",
                           problem_en="must be assign, take or release")
    return value  # type: ignore[no-any-return]


def _target(service: CaseService, uow: UnitOfWork, actor: Actor, action: Action, username: Any) -> User | None:
    session = uow.session
    if action == "take":
        return session.get(User, actor.user_id) if actor.user_id is not None else None
    if action == "release":
        return None
    if not isinstance(username, str) or not username.strip() or len(username) > 64 or "\x00" in username:
        raise InvalidField(field="assignee", problem_vi="hãy chọn người được giao", problem_en="choose the assignee")
    return session.scalar(select(User).where(User.username == username.strip()))


def assign_within(service: CaseService, uow: UnitOfWork, actor: Actor, code: str, action: Any,
                  username: Any = None, *, expected_version: int | None = None) -> Case:
    session, now = uow.session, service.clock.now()
    case = service.load(session, actor, code, for_update=True)
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion(case=case.code, expected=expected_version, actual=case.version)
    if service._is_final(case.workflow_key, case.state):
        raise AssignmentRefused(case=case.code, why_vi="ý kiến đã khép lại", why_en="the case is closed")
    how = _action(action)
    target = _target(service, uow, actor, how, username)
    refused = refusal(session, actor, case, how, target, service.calendar_day(now))
    if refused is not None:
        raise refused
    previous = case.assignee
    case.assignee_id = target.id if target is not None else None
    case.updated_at = now
    # The relationship is read-only: read again (after the flush) for the answer.
    session.expire(case, ["assignee"])
    event = append_event(session, case, at=now, actor=actor, trigger=ASSIGN_TRIGGER, from_state=case.state,
                         to_state=case.state,
                         data={"how": how, "assignee": target.username if target else None,
                               "previous": previous.username if previous else None,
                               "handling_unit": case.handling_unit.code})
    payload = {"code": case.code, "workflow": case.workflow_key, "seq": event.seq, "trigger": ASSIGN_TRIGGER,
               "topic": case.topic, "kind": case.kind, "handling_unit": case.handling_unit.code,
               "due_at": case.due_at.isoformat() if case.due_at else None}
    told = [(target, "case.assigned")] if target is not None and target.id != actor.user_id else []
    if previous is not None and previous.id not in (actor.user_id, case.assignee_id):
        told.append((previous, "case.unassigned"))
    for person, kind in told:
        assert person is not None
        session.add(OutboxMessage(dedup_key=f"case:{case.code}:event:{event.seq}:{kind}", kind=kind,
                                  recipient_user_id=person.id, actor_user_id=actor.user_id, case=case,
                                  unit_id=case.handling_unit.id, created_at=now, payload=payload))
    return case


def clear_assignee(case: Case) -> dict[str, Any]:
    """Called when the case moves to another unit (escalation, transfer, the sweep's
    auto-escalation): the assignee worked in the unit the case left and answers for
    nothing there now, so the receiving unit starts with nobody assigned and decides
    itself. The event that moves the case records who was released."""
    if case.assignee_id is None:
        return {}
    session = object_session(case)
    assert session is not None
    # Not through the relationship, and no flush: the case reaches the database in
    # the one UPDATE of its event (its version counts one change).
    with session.no_autoflush:
        username = session.scalar(select(User.username).where(User.id == case.assignee_id))
    case.assignee_id = None
    session.expire(case, ["assignee"])
    return {"released_assignee": username}
