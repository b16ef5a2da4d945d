"""Extensions (gia hạn): a leader moves a stage's deadline, with a reason, within the
workflow's limit.

An extension is an event (trigger ``extend``, state unchanged) carrying the number
of working days, so the deadline stays derivable from the history and reports can
tell "late with an accepted extension" from "late". It must be granted before the
deadline passes: once the overdue alert has gone out, the stage is late, and the
unique (case, rule, stage) timers could not announce a second deadline anyway.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..actors import Actor
from ..errors import DomainError, InvalidField, InvalidTransition, MissingField, RoleNotAllowed, StaleVersion
from ..history import append_event
from ..services.committing import commit_case
from ..services.fields import clean_text
from ..services.views import CaseSnapshot
from .stages import read_stage, schedule

if TYPE_CHECKING:
    from ..services.cases import CaseService

__all__ = ["ExtensionRefused", "extend", "EXTEND_ROLES"]

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


def extend(service: CaseService, actor: Actor, code: str, working_days: Any, reason: Any,
           *, expected_version: int | None = None) -> CaseSnapshot:
    """Checks in the order of ``CaseService.fire``: visibility, version, whether the
    state allows it, role, then the data."""
    with service.uow() as uow:
        session, now = uow.session, service.clock.now()
        case = service.load(session, actor, code, for_update=True)
        if expected_version is not None and expected_version != case.version:
            raise StaleVersion(case=case.code, expected=expected_version, actual=case.version)
        wf = service.workflow(case.workflow_key)
        rules = wf.state(case.state).rules
        rule = rules.extension if rules is not None else None
        if rule is None or case.due_at is None or case.stage_seq is None:
            raise InvalidTransition(trigger="extend", state=case.state,
                                    allowed=[t.trigger for t in wf.transitions_from(case.state)])
        if not actor.is_system and not actor.roles_over(case.handling_unit.path) & set(EXTEND_ROLES):
            raise RoleNotAllowed(trigger="extend", roles=list(EXTEND_ROLES))
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            raise MissingField(field="reason", trigger="extend")
        reason = clean_text("reason", reason)
        facts = read_stage(session, wf, case)
        assert facts is not None  # stage_seq is set, and its event exists
        if facts.extensions >= rule.times:
            raise ExtensionRefused(case=case.code, why_vi=f"giai đoạn này đã được gia hạn {facts.extensions} lần (tối đa {rule.times})",
                                   why_en=f"this stage was already extended {facts.extensions} time(s) (limit {rule.times})")
        days = _working_days(working_days, rule.max_working_days - sum(facts.extension_days))
        if now > case.due_at:
            raise ExtensionRefused(case=case.code, why_vi="đã quá hạn; chỉ gia hạn trước khi hết hạn",
                                   why_en="the deadline has passed; extensions are granted before it")
        calendar = service.calendar(session)
        previous = case.due_at
        new_due = replace(facts, extension_days=facts.extension_days + (days,)).due(calendar, now)
        assert new_due is not None
        case.due_at, case.updated_at = new_due, now
        append_event(session, case, at=now, actor=actor, trigger="extend", from_state=case.state,
                     to_state=case.state, data={"working_days": days, "reason": reason, "stage": case.stage_seq,
                                                "previous_due_at": previous.isoformat(), "due_at": new_due.isoformat()})
        schedule(session, wf, case, calendar, now, stage_start=facts.started_at, fresh=False)
        result = commit_case(uow, case, actor)
    return result
