"""Auto-escalation: a case overdue long enough moves itself up the unit tree.

It fires a transition the workflow declares (the rule's state must be reached by
exactly one), on the workflow's machine like a person's transition, and is an
ordinary event in the case's hash chain with the system as its actor, so the
history shows who moved the case and why exactly like a person's escalation;
the stage it ends is frozen as missed and the next stage gets its own deadline and
timers, so a case still ignored at the next level climbs again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..actors import SYSTEM
from ..calendar import WorkingCalendar
from ..deadlines import compute_due, lateness
from ..errors import InvalidTransition
from ..escalation_direction import escalation_direction
from ..history import append_event
from ..models import Case, CaseEvent, Timer
from ..services.assignments import clear_assignee
from ..succession import escalation_target
from ..workflow import Workflow
from ..workflow.spec import AutoEscalateRule
from .stages import apply_plan, plan_transition

__all__ = ["auto_escalate"]


def auto_escalate(session: Session, wf: Workflow, case: Case, timer: Timer, rule: AutoEscalateRule,
                  calendar: WorkingCalendar, now: datetime,
                  new_timers: list[dict[str, Any]] | None = None) -> CaseEvent | None:
    """Move the case to the rule's target unit along the declared transition the rule
    takes (fired on the workflow's machine, as for a person); None when there is no
    unit above. ``InvalidTransition`` when the workflow declares no such transition.
    The next stage's timers go to ``new_timers`` as rows when it is given."""
    via = wf.escalation(case.state)
    if via is None:
        raise InvalidTransition(trigger="auto_escalate", state=case.state,
                                allowed=[t.trigger for t in wf.transitions_from(case.state)])
    # Never a unit no longer in force: the parent's successor takes it (engine.succession).
    target = escalation_target(session, case.handling_unit, rule.to, calendar.local_date(now))
    if target is None or target.id == case.handling_unit_id:
        return None
    fresh_due = compute_due(calendar, now, wf.state(via.dest).deadline)
    late = lateness(calendar, case.due_at, now) if case.due_at else 0
    plan = plan_transition(session, wf, case, via.dest, now, calendar, fresh_due)
    from_unit = case.handling_unit
    released = clear_assignee(case)  # the new unit decides who acts there
    # The event keeps the trigger "auto_escalate" (reports, notifications and old
    # histories know it by that name); the state moves only through the machine.
    source, dest = wf.fire(case, via.trigger)
    case.handling_unit = target
    case.stage_started_at, case.due_at, case.updated_at = now, plan.due, now
    event = append_event(
        session, case, at=now, actor=SYSTEM, trigger="auto_escalate", from_state=source, to_state=dest,
        data={"due_at": plan.due.isoformat() if plan.due else None, "from_unit": from_unit.code,
              "target_unit": target.code, "escalation": escalation_direction(from_unit, target),
              "working_days_late": late, "timer": timer.id, **released,
              **plan.event_data(calendar, now)},
    )
    apply_plan(session, wf, case, plan, event, calendar, now, new_timers=new_timers)
    return event
