"""What the case page shows of the case work, for its reader: the extensions of the
current stage and whether (and by how much) they may extend it, who is assigned or
who must act, what they may do with the assignment, and the steps waiting for an
assignee. Every answer is the engine's (engine.deadline_rules.extensions.room,
engine.assignment.options); the page holds no rule of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.assignment import AssigneeRequired, eligible_people, options, working_units
from engine.deadline_rules.extensions import Room, granted, room
from engine.services.views import CaseSnapshot

from .casework_rows import people_names, who_acts
from .common import Ctx
from .support_forms import fresh_nonce

__all__ = ["Panel", "ExtensionLine", "case_panel", "DONE_NOTICES", "FORMS"]

# ``?done=`` of the case page after these forms, and the message it shows.
DONE_NOTICES = {"extend": "cf_extend_done", "assign": "cf_assign_done"}
# The form states (web.pages.cases.FormState.trigger) of these forms.
FORMS = ("__extend__", "__assign__")


@dataclass(frozen=True)
class ExtensionLine:
    at: datetime
    who: str
    working_days: int
    reason: str
    previous_due_at: datetime | None


@dataclass(frozen=True)
class Panel:
    room: Room
    extensions: list[ExtensionLine]
    assignee: str | None
    assignee_name: str | None
    who: str
    actions: tuple[str, ...]
    people: list[tuple[str, str]]
    needs_assignee: list[str] = field(default_factory=list)
    nonce: str = ""


def case_panel(ctx: Ctx, snap: CaseSnapshot) -> Panel:
    assert ctx.user is not None
    c, actor, t = ctx.c, ctx.user.actor, ctx.t
    wf = c.workflows[snap.workflow]
    day = c.cases.calendar_day(c.clock.now())
    waiting = [o.label_en if ctx.lang == "en" else o.label_vi for o in c.cases.allowed_actions(actor, snap.code)
               if isinstance(o.refusal, AssigneeRequired)]
    with c.sessions() as session:
        case = c.cases.load(session, actor, snap.code)
        extended = granted(session, [case.id]).get(case.id, [])
        names = people_names(session, {g.actor for g in extended})
        final = wf.is_final(case.state)
        actions = () if final else options(session, actor, case, day)
        people = ([(p.username, p.display) for p in eligible_people(session, case.handling_unit, day)]
                  if "assign" in actions else [])
        handling = working_units(session, case.handling_unit, day)[-1].name
        allowed = room(c.cases, session, actor, case)
    who = who_acts(t, wf, snap.state, snap.kind, snap.assignee_name, handling)
    return Panel(
        room=allowed,
        extensions=[ExtensionLine(g.at, names.get(g.actor, g.actor), g.working_days, g.reason, g.previous_due_at)
                    for g in extended],
        assignee=snap.assignee, assignee_name=snap.assignee_name, who="" if final else who, actions=actions,
        people=people, needs_assignee=waiting, nonce=fresh_nonce(),
    )
