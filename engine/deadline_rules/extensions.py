"""Extensions (gia hạn): a leader moves a stage's deadline, with a reason, within the
workflow's limit.

An extension is an event (trigger ``extend``, state unchanged) carrying the number
of working days, so the deadline stays derivable from the history and reports can
tell "late with an accepted extension" from "late". It must be granted before the
deadline passes: once the overdue alert has gone out, the stage is late, and the
unique (case, rule, stage) timers could not announce a second deadline anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import DomainError, InvalidField, InvalidTransition, MissingField, RoleNotAllowed, StaleVersion
from ..history import append_event
from ..models import Case, CaseEvent
from ..services.fields import clean_text
from ..uow import UnitOfWork
from .stages import StageFacts, read_stage, schedule

if TYPE_CHECKING:
    from ..services.cases import CaseService

__all__ = ["ExtensionRefused", "extend_within", "EXTEND_ROLES", "Room", "room", "Granted", "granted"]

EXTEND_ROLES = ("leader",)


class ExtensionRefused(DomainError):
    code = "extension-refused"
    key = "error.extension-refused"


def _working_days(value: Any, left: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidField(field="working_days", problem_vi="phải là số ngày làm việc, từ 1 trở lên",
                           problem_en="must be a whole number of working days, at least 1")
    if value > left:
        raise InvalidField(field="working_days", problem_vi=f"chỉ còn được gia hạn tối đa {left} ngày làm việc",
                           problem_en=f"at most {left} more working days may be granted")
    return value


@dataclass(frozen=True)
class Room:
    """What ``actor`` may still grant on the case's current stage, for a form: the
    working days and times left within the workflow's limit, or why not."""

    days_left: int
    times_left: int
    refusal: DomainError | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def _checked(service: CaseService, session: Session, actor: Actor, case: Case, now: datetime
             ) -> tuple[Any, StageFacts, int]:
    """The rule, the stage and the days left, or the first refusal (state, role,
    times, deadline passed) in the order of ``CaseService.fire``."""
    wf = service.workflow(case.workflow_key)
    # A state the loaded file no longer declares has no rules (it stays open, engine.workflow.finality).
    state = wf.spec.states.get(case.state)
    rules = state.rules if state is not None else None
    rule = rules.extension if rules is not None else None
    facts = read_stage(session, wf, case) if rule is not None else None
    if rule is None or case.due_at is None or facts is None:
        raise InvalidTransition(trigger="extend", state=case.state,
                                allowed=[t.trigger for t in wf.transitions_from(case.state)])
    if not actor.is_system and not actor.roles_over(case.handling_unit.path) & set(EXTEND_ROLES):
        raise RoleNotAllowed(trigger="extend", roles=list(EXTEND_ROLES))
    if facts.extensions >= rule.times:
        raise ExtensionRefused(case=case.code, why_vi=f"giai đoạn này đã được gia hạn {facts.extensions} lần (tối đa {rule.times})",
                               why_en=f"this stage was already extended {facts.extensions} time(s) (limit {rule.times})")
    if now > case.due_at:
        raise ExtensionRefused(case=case.code, why_vi="đã quá hạn; chỉ gia hạn trước khi hết hạn",
                               why_en="the deadline has passed; extensions are granted before it")
    return rule, facts, rule.max_working_days - sum(facts.extension_days)


def room(service: CaseService, session: Session, actor: Actor, case: Case) -> Room:
    """Whether ``actor`` may extend ``case`` now, and by how much at most."""
    try:
        rule, facts, left = _checked(service, session, actor, case, service.clock.now())
    except DomainError as err:
        return Room(0, 0, err)
    if left < 1:
        return Room(0, 0, ExtensionRefused(case=case.code, why_vi="đã dùng hết số ngày được gia hạn",
                                           why_en="every working day the limit allows was granted"))
    return Room(left, rule.times - facts.extensions, None)


def extend_within(service: CaseService, uow: UnitOfWork, actor: Actor, code: str, working_days: Any,
                  reason: Any, *, expected_version: int | None = None) -> Case:
    """Checks in the order of ``CaseService.fire``: visibility, version, whether the
    state allows it, role, then the data. The caller commits."""
    session, now = uow.session, service.clock.now()
    case = service.load(session, actor, code, for_update=True)
    if expected_version is not None and expected_version != case.version:
        raise StaleVersion(case=case.code, expected=expected_version, actual=case.version)
    _, facts, left = _checked(service, session, actor, case, now)
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise MissingField(field="reason", trigger="extend")
    reason = clean_text("reason", reason)
    days = _working_days(working_days, left)
    wf = service.workflow(case.workflow_key)
    calendar = service.calendar(session)
    previous = case.due_at
    assert previous is not None  # _checked refused a stage without a deadline
    new_due = replace(facts, extension_days=facts.extension_days + (days,)).due(calendar, now)
    assert new_due is not None
    case.due_at, case.updated_at = new_due, now
    append_event(session, case, at=now, actor=actor, trigger="extend", from_state=case.state,
                 to_state=case.state, data={"working_days": days, "reason": reason, "stage": case.stage_seq,
                                            "previous_due_at": previous.isoformat(), "due_at": new_due.isoformat()})
    schedule(session, wf, case, calendar, now, stage_start=facts.started_at, fresh=False)
    return case


@dataclass(frozen=True)
class Granted:
    """An extension of the current stage as the pages show it."""

    at: datetime
    actor: str
    working_days: int
    reason: str
    previous_due_at: datetime | None


def granted(session: Session, case_ids: Sequence[int]) -> dict[int, list[Granted]]:
    """The extensions of each case's current stage (by case id), oldest first: one
    query for a whole board."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.actor, CaseEvent.data)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.case_id.in_(list(case_ids)), CaseEvent.trigger == "extend",
               Case.stage_seq.is_not(None), CaseEvent.seq > Case.stage_seq)
        .order_by(CaseEvent.case_id, CaseEvent.seq)).all()
    out: dict[int, list[Granted]] = {}
    for case_id, at, who, data in rows:
        data = data or {}
        before = data.get("previous_due_at")
        out.setdefault(case_id, []).append(Granted(
            at=at, actor=who, working_days=int(data.get("working_days", 0)), reason=str(data.get("reason", "")),
            previous_due_at=datetime.fromisoformat(before) if isinstance(before, str) else None))
    return out
