"""What a board's row says about the case work: who must act now, that the deadline
was extended (when, by whom, how much), and where a stage went overdue before the
case came here. Every fact is the engine's (engine.assignment,
engine.deadline_rules.extensions, the case's last stage); this only words it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import acting_roles, working_units_of
from engine.deadline_rules.extensions import granted
from engine.listing import CaseRow
from engine.models import Unit, User
from engine.vocab import ROLES

from .i18n import Translator, local_date

if TYPE_CHECKING:
    from .data import Row

__all__ = ["who_acts", "annotate", "people_names", "working_names", "step_people", "step_details"]


def who_acts(t: Translator, wf: Any, state: str, kind: str, assignee_name: str | None, unit_name: str) -> str:
    """The assignee's name, or the roles the workflow gives the next steps at the unit."""
    if assignee_name:
        return assignee_name
    roles = acting_roles(wf, state, kind) if wf is not None else ()
    if not roles:
        return unit_name
    named = t("cf_roles_sep").join(t.pick(ROLES.get(r), r) for r in roles)
    return t("cf_who_unit", roles=named, unit=unit_name)


def people_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """username → the name a page shows (the full name, else the username)."""
    if not usernames:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(usernames))).tuples().all()
    return {u: (n or u) for u, n in rows}


def working_names(session: Session, codes: set[str], day: date) -> dict[str, str]:
    """handling unit code → the name of the unit whose people work its cases (a
    village's commune, a merged unit's successor: engine.assignment)."""
    if not codes:
        return {}
    units = list(session.scalars(select(Unit).where(Unit.code.in_(codes))))
    working = working_units_of(session, units, day)
    return {u.code: working[u.id][-1].name for u in units}


def annotate(session: Session, t: Translator, items: Sequence[CaseRow], rows: list[Row], day: date,
             workflows: Mapping[str, Any]) -> list[Row]:
    """``rows`` (made from ``items``, in order) with who must act, the extension and
    the lateness below filled in: a few queries for the whole list."""
    if not items:
        return rows
    working = working_names(session, {c.handling_unit for c in items}, day)
    extended = granted(session, [c.id for c in items])
    names = people_names(session, {g.actor for gs in extended.values() for g in gs})
    unit_ids = {c.last_stage_unit_id for c in items if c.last_stage_unit_id is not None}
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all()) if unit_ids else {}
    codes = dict(session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(unit_ids))).tuples().all()) if unit_ids else {}
    out = []
    for case, row in zip(items, rows):
        text, below = "", ""
        grants = extended.get(case.id)
        if grants:
            last = grants[-1]
            text = t("cf_extended_short", days=sum(g.working_days for g in grants), at=local_date(last.at),
                     who=names.get(last.actor, last.actor))
        unit = case.last_stage_unit_id
        if (case.last_stage_outcome == "missed" and unit is not None and codes.get(unit) != case.handling_unit
                and not row.final):
            below = t("cf_late_below_since", unit=units.get(unit, ""), at=local_date(case.last_stage_ended_at))
        who = "" if row.final else who_acts(t, workflows.get(case.workflow), case.state, case.kind,
                                            case.assignee_name, working.get(case.handling_unit, row.handling))
        out.append(replace(row, who=who, extended=text, late_below=below))
    return out


def step_people(data: dict[str, Any]) -> set[str]:
    """The usernames an assignment step names (the history shows them by name)."""
    return {v for k in ("assignee", "previous", "released_assignee") if isinstance(v := data.get(k), str)}


def step_details(t: Translator, data: dict[str, Any], people: dict[str, str]) -> list[tuple[str, str]]:
    """The history's lines for an assignment or an extension, in words."""
    out: list[tuple[str, str]] = []
    how = data.get("how")
    if how in ("assign", "take", "release"):
        who = data.get("assignee") if how != "release" else data.get("previous")
        out.append((t(f"cf_how_{how}"), people.get(who, who) if isinstance(who, str) else "—"))
        if how != "release" and isinstance(data.get("previous"), str):
            out.append((t("cf_previous"), people.get(data["previous"], data["previous"])))
    if isinstance(data.get("released_assignee"), str):
        out.append((t("cf_released_assignee"), people.get(data["released_assignee"], data["released_assignee"])))
    if isinstance(data.get("working_days"), int):
        out.append((t("cf_working_days"), str(data["working_days"])))
    return out
