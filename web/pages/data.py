"""What the pages read, composed from the engine's queries: the overdue board (over
``engine.listing``), a case row in the reader's language, and unit pickers. Always
within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.calendar import WorkingCalendar
from engine.deadlines import lateness
from engine.listing import CaseQuery, CaseRow, count_cases, page_cases
from engine.models import Unit, path_under
from engine.succession import in_force_among
from engine.vocab import TOPICS
from engine.workflow import Workflow, final_states, is_final

from .casework_rows import annotate
from .i18n import Translator, vi_sort_key

__all__ = ["Row", "to_row", "board", "unit_tree", "scope_units", "intake_units", "escalation_units",
           "Board"]

BOARD_LIMIT = 100
COUNT_CAP = 1000
# Level order under one parent when listing units.
LEVEL_ORDER = {"province": 0, "district": 1, "department": 2, "police": 3, "front": 4, "commune": 5, "village": 6}


@dataclass(frozen=True)
class Row:
    """One case in a table, with everything already in the reader's language."""

    code: str
    topic: str
    origin: str
    handling: str
    state: str
    state_code: str
    final: bool
    received_at: datetime
    due_at: datetime | None
    overdue: bool
    late_days: int
    content: str
    # Who must act now: the assignee's name, or the roles of the handling unit.
    who: str = ""
    # Filled in for the boards (web.pages.casework_rows.annotate).
    extended: str = ""
    late_below: str = ""


def to_row(case: CaseRow, workflows: dict[str, Workflow], t: Translator, cal: WorkingCalendar, now: datetime) -> Row:
    wf = workflows.get(case.workflow)
    final = is_final(workflows, case.workflow, case.state)
    state = wf.label(case.state, t.lang) if wf else case.state
    overdue = case.due_at is not None and not final and case.due_at < now
    return Row(
        code=case.code, topic=t.pick(TOPICS.get(case.topic), case.topic), origin=case.origin_unit_name,
        handling=case.handling_unit_name, state=state, state_code=case.state, final=final,
        received_at=case.received_at, due_at=case.due_at, overdue=overdue,
        late_days=lateness(cal, case.due_at, now) if overdue and case.due_at else 0,
        content=case.content[:160],
    )


@dataclass(frozen=True)
class Board:
    overdue: list[Row]
    overdue_total: int  # at most COUNT_CAP + 1
    soon: list[Row]
    horizon: datetime
    # Cases a lower level let go overdue, now handled here (CaseQuery.late_below).
    late_below: list[Row] = field(default_factory=list)

    @property
    def overdue_text(self) -> str:
        return f"{COUNT_CAP}+" if self.overdue_total > COUNT_CAP else str(self.overdue_total)


def board(session: Session, actor: Actor, workflows: dict[str, Workflow], t: Translator, cal: WorkingCalendar,
          now: datetime) -> Board:
    """Open cases past their deadline (the latest first), then those due within two
    working days."""
    finals = final_states(workflows)
    # To 24:00: a Civil Code limit ending on that day is due within it too.
    horizon = cal.end_of_day(cal.add_working_days(cal.local_date(now), 2))
    late_query = CaseQuery(overdue_at=now, final_states=finals, order="due")
    late = page_cases(session, actor, late_query, limit=BOARD_LIMIT)
    late_total = len(late.items) if late.next_cursor is None else count_cases(session, actor, late_query,
                                                                                cap=COUNT_CAP + 1)
    soon = page_cases(session, actor, CaseQuery(open_only=True, final_states=finals, due_from=now, due_until=horizon,
                                                order="due"), limit=BOARD_LIMIT)
    below = page_cases(session, actor, CaseQuery(late_below=True, final_states=finals, order="due"),
                       limit=BOARD_LIMIT)

    def rows(items: list[CaseRow]) -> list[Row]:
        return annotate(session, t, items, [to_row(c, workflows, t, cal, now) for c in items], cal.local_date(now),
                        workflows)

    return Board(overdue=rows(late.items), overdue_total=late_total, soon=rows(soon.items), horizon=horizon,
                 late_below=rows(below.items))


# -- units -----------------------------------------------------------------------

@dataclass(frozen=True)
class UnitOption:
    code: str
    name: str
    level: str
    depth: int


def unit_tree(units: Sequence[Unit]) -> list[UnitOption]:
    """Units in tree order, each parent before its children, siblings in Vietnamese order."""
    by_parent: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for u in units:
        by_parent.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[UnitOption] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(by_parent.get(parent, []), key=lambda u: (LEVEL_ORDER.get(u.level, 9), vi_sort_key(u.name))):
            out.append(UnitOption(u.code, u.name, u.level, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


def _valid(session: Session, units: Sequence[Unit], day: date) -> list[Unit]:
    # In force with every unit above it: nothing is offered under a commune that ended.
    return in_force_among(session, units, day)


def scope_units(session: Session, actor: Actor) -> list[UnitOption]:
    roots = actor.scope_paths()
    if not roots:
        return []
    units = list(session.scalars(select(Unit).where(or_(*[path_under(Unit.path, r) for r in roots]))))
    return unit_tree(units)


def intake_units(session: Session, actor: Actor, day: date) -> list[UnitOption]:
    """Units where the actor may record opinions (official or leader grants)."""
    roots = sorted({g.unit_path for g in actor.grants if g.role in ("official", "leader")})
    if not roots:
        return []
    units = list(session.scalars(select(Unit).where(or_(*[path_under(Unit.path, r) for r in roots]))))
    return unit_tree(_valid(session, units, day))


def escalation_units(session: Session, day: date, exclude: str | None = None) -> list[UnitOption]:
    """Where a case may be passed: every unit in force except villages."""
    units = list(session.scalars(select(Unit).where(Unit.level != "village")))
    return [u for u in unit_tree(_valid(session, units, day)) if u.code != exclude]
