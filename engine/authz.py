"""The authorization model in one function: role × action × the case's origin and
handling units × the actor's grants.

``decide`` answers for reading, remarking, creating and every workflow trigger.
It is pure (unit paths in, a refusal or ``None`` out), so a table test can
enumerate it, and the API, the pages and the case service can all ask it the
same question:

* to see a case at all, a grant must cover its origin **or** its handling unit;
  otherwise the answer is ``OutOfScope`` (which outer layers show as "not found");
* to remark, seeing the case is enough; the supervision kinds (urge, confirm) are the
  Front's: they need the ``auditor`` role over the case, so a unit cannot urge or
  confirm its own work (``remark_kinds`` says which kinds an actor may post);
* to create, the actor needs ``official`` or ``leader`` over the origin unit, and
  over the handling unit if it is another: recording an opinion writes no
  escalation (no event, no reason), so at receipt a case may only be given to a
  unit the creator works for. Passing it anywhere else is ``escalate``, which the
  workflow asks a reason for and the history records;
* a citizen (``Actor.case_code``, after their PIN was checked) reads that one case
  and fires only the triggers the workflow grants the role ``citizen``;
* to fire a trigger, the actor needs one of the transition's roles on a grant
  covering the case's units — or only the handling unit when the transition is
  declared ``scope: handling`` (only the unit holding the case answers it).

Which triggers exist in which state is the workflow's business, not this one's.
"""

from __future__ import annotations

from .actors import CITIZEN_ROLE, Actor
from .errors import DomainError, OutOfScope, RoleNotAllowed, UnitNotAllowed
from .workflow import TransitionSpec

__all__ = ["CREATE_ROLES", "READ", "REMARK", "CREATE", "REMARK_KINDS", "SUPERVISION_KINDS", "SUPERVISOR_ROLE",
           "decide", "remark_kinds"]

# member: a Tổ dân vận member records what the team hears in their village; which
# steps they may take after that is each transition's ``roles``.
CREATE_ROLES = ("official", "leader", "member")
READ, REMARK, CREATE = "read", "remark", "create"
SUPERVISION_KINDS = ("urge", "confirm")
REMARK_KINDS = ("remark", *SUPERVISION_KINDS)
SUPERVISOR_ROLE = "auditor"


def decide(actor: Actor, action: str, *, origin_path: str, handling_path: str,
           transition: TransitionSpec | None = None, case_code: str = "", kind: str = "remark") -> DomainError | None:
    """``None`` if ``actor`` may do ``action``; otherwise the refusal to raise.

    ``action`` is ``read``, ``remark`` (of ``kind``), ``create`` (``handling_path``:
    the unit the new case is given to) or a trigger name, in which case
    ``transition`` is its declaration.
    """
    if actor.is_system:
        return None
    if actor.is_citizen:
        return _citizen(actor, action, transition, case_code)
    if action == CREATE:
        roles = actor.roles_over(origin_path)
        if not roles:
            return OutOfScope(case=case_code)
        if not roles & set(CREATE_ROLES):
            return RoleNotAllowed(trigger="receive", roles=list(CREATE_ROLES))
        if handling_path != origin_path and not actor.roles_over(handling_path) & set(CREATE_ROLES):
            return UnitNotAllowed(
                field="handling_unit",
                problem_vi=("khi tiếp nhận chỉ được giao ý kiến cho đơn vị bạn phụ trách; muốn chuyển đơn vị khác, hãy "
                            "tiếp nhận rồi chuyển xử lý (kèm lý do)"),
                problem_en=("at receipt a case may only go to a unit you work for; to pass it elsewhere, record it "
                            "and then escalate it with a reason"))
        return None
    if not actor.covers(origin_path, handling_path):
        return OutOfScope(case=case_code)
    if action == READ:
        return None
    if action == REMARK:
        if kind in SUPERVISION_KINDS and SUPERVISOR_ROLE not in actor.roles_over(origin_path, handling_path):
            return RoleNotAllowed(trigger=kind, roles=[SUPERVISOR_ROLE])
        return None
    if transition is None or transition.trigger != action:
        raise ValueError(f"decide({action!r}) needs the transition declaring it")
    paths = (handling_path,) if transition.scope == "handling" else (origin_path, handling_path)
    if actor.roles_over(*paths) & set(transition.roles):
        return None
    return RoleNotAllowed(trigger=transition.trigger, roles=list(transition.roles))


def remark_kinds(actor: Actor, *, origin_path: str, handling_path: str) -> tuple[str, ...]:
    """The kinds of remark ``actor`` may post on a case with these units (none if none)."""
    return tuple(k for k in REMARK_KINDS
                 if decide(actor, REMARK, origin_path=origin_path, handling_path=handling_path, kind=k) is None)


def _citizen(actor: Actor, action: str, transition: TransitionSpec | None, case_code: str) -> DomainError | None:
    # Bound to one case: any other code is as unknown to them as to the public.
    if not case_code or case_code != actor.case_code or action in (CREATE, REMARK):
        return OutOfScope(case=case_code)
    if action == READ:
        return None
    if transition is None or transition.trigger != action:
        raise ValueError(f"decide({action!r}) needs the transition declaring it")
    if CITIZEN_ROLE in transition.roles:
        return None
    return RoleNotAllowed(trigger=transition.trigger, roles=list(transition.roles))
