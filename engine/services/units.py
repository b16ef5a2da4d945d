"""Changes to the unit tree over time: a merger decision, a re-parenting, and the
tree as the units list shows it (validity and successors).

A merger (``merge_units``) ends the old units on the day of the change, names the
new unit their successor and, if asked, re-parents some of the units below them
to it; everything else below an old unit ends with it (engine.succession). It
rewrites no case: the old cases keep their units, and from that day the new
unit's people see, list, act on and hear about them, and its reports count them.
The caller owns the transaction: the CLI commits the whole decision once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ
from ..errors import Conflict, InvalidField
from ..models import Case, Unit, UnitPlacement, in_units, path_under
from ..succession import MAX_HOPS, in_force
from .directory import UnitRow, import_units, unit_by_code

__all__ = [
    "MergeReport", "merge_units", "move_unit", "record_moves", "check_succession", "open_cases_under",
    "ImportReport", "import_decision", "UnitLine", "unit_lines",
]


@dataclass(frozen=True)
class MergeReport:
    into: str
    on: date
    expired: tuple[str, ...]  # the old units, ended on ``on``
    successors: tuple[tuple[str, str], ...]  # (old, new)
    moved: tuple[str, ...]  # re-parented to the new unit
    ended_below: tuple[str, ...]  # units below an old one, ended with it
    open_cases: int  # open cases of the old units (and below) now followed by the new unit


def _refuse(problem_vi: str, problem_en: str, field: str = "units") -> InvalidField:
    return InvalidField(field=field, problem_vi=problem_vi, problem_en=problem_en)


def record_moves(session: Session, before: dict[int, str], on: date) -> list[str]:
    """Keep, as placements ending ``on``, the former path of every unit whose path
    changed since ``before`` (id -> path): an import that re-parents units keeps
    their past where past reports look for it. Returns the codes that moved."""
    moved = []
    # Every unit read back rather than a list of ids: a country's tree is more ids
    # than SQLite binds in one statement.
    for unit_id, code, path in session.execute(select(Unit.id, Unit.code, Unit.path).order_by(Unit.path)):
        if unit_id in before and before[unit_id] != path:
            session.add(UnitPlacement(unit_id=unit_id, path=before[unit_id], until=on))
            moved.append(code)
    session.flush()
    return moved


def move_unit(session: Session, unit: Unit, parent: Unit, on: date) -> None:
    """Re-parent ``unit`` (and its subtree) under ``parent`` from ``on``, keeping
    every former path as a placement so past reports still find it."""
    old = unit.path
    new = f"{parent.path}{unit.id}/"
    if old == new:
        return
    if new.startswith(old):
        raise Conflict(detail=f"unit tree has a cycle: {unit.code} under itself")
    moving = list(session.scalars(select(Unit).where(path_under(Unit.path, old))))
    for u in moving:
        session.add(UnitPlacement(unit_id=u.id, path=u.path, until=on))
        u.path = new + u.path[len(old):]
    unit.parent_id = parent.id
    session.flush()


def check_succession(session: Session, unit: Unit) -> None:
    """Refuse what would make a successor link meaningless: ending before the
    start, succeeding oneself, a unit inside the one it succeeds, a loop."""
    if unit.valid_from is not None and unit.valid_to is not None and unit.valid_to <= unit.valid_from:
        raise _refuse(f"“{unit.code}”: ngày hết hiệu lực {unit.valid_to:%d/%m/%Y} không sau ngày bắt đầu "
                      f"{unit.valid_from:%d/%m/%Y}",
                      f"“{unit.code}”: end {unit.valid_to:%d/%m/%Y} is not after its start {unit.valid_from:%d/%m/%Y}",
                      "valid_to")
    if unit.successor_id is None:
        return
    successor = session.get(Unit, unit.successor_id)
    if successor is None or successor.id == unit.id:
        raise _refuse(f"“{unit.code}” không thể kế thừa chính nó", f"“{unit.code}” cannot succeed itself",
                      "successor")
    if successor.path.startswith(unit.path):
        raise _refuse(f"“{successor.code}” nằm trong “{unit.code}”, sẽ hết hiệu lực cùng nó",
                      f"“{successor.code}” lies under “{unit.code}” and would end with it", "successor")
    seen, current = {unit.id}, successor
    for _ in range(MAX_HOPS + 1):
        if current.id in seen:
            raise _refuse(f"vòng lặp kế thừa qua “{unit.code}”", f"successor loop through “{unit.code}”",
                          "successor")
        seen.add(current.id)
        if current.successor_id is None:
            return
        nxt = session.get(Unit, current.successor_id)
        if nxt is None:
            return
        current = nxt
    raise _refuse(f"chuỗi kế thừa của “{unit.code}” quá dài", f"successor chain of “{unit.code}” is too long",
                  "successor")


def merge_units(session: Session, old_codes: Sequence[str], into: str, on: date, *,
                move: Iterable[str] = (), final_states: Sequence[str] = ()) -> MergeReport:
    """Apply the decision "``old_codes`` merge into ``into`` on ``on``". Refuses, and
    changes nothing, on an unknown unit, a unit merged into itself or into a unit
    below it, a date outside a unit's validity, a unit already ended or succeeded
    otherwise, a successor loop, a unit to move that is not below an old unit, or
    cases already recorded in an old unit on or after the day. Does not commit."""
    codes = list(dict.fromkeys(c.strip() for c in old_codes if c and c.strip()))
    if not codes:
        raise _refuse("cần ít nhất một đơn vị cũ", "name at least one old unit")
    new = unit_by_code(session, into)
    olds = [unit_by_code(session, c) for c in codes]
    if not in_force(session, new, on):  # with every unit above it
        raise _refuse(f"“{new.code}” không có hiệu lực vào {on:%d/%m/%Y}",
                      f"“{new.code}” is not in force on {on:%d/%m/%Y}", "into")
    for old in olds:
        if old.id == new.id:
            raise _refuse(f"không thể hợp nhất “{old.code}” vào chính nó", f"cannot merge “{old.code}” into itself")
        if old.valid_from is not None and on <= old.valid_from:
            raise _refuse(f"ngày {on:%d/%m/%Y} không sau ngày bắt đầu của “{old.code}” ({old.valid_from:%d/%m/%Y})",
                          f"{on:%d/%m/%Y} is not after the start of “{old.code}” ({old.valid_from:%d/%m/%Y})", "on")
        if old.valid_to is not None and old.valid_to != on:
            raise _refuse(f"“{old.code}” đã hết hiệu lực từ {old.valid_to:%d/%m/%Y}",
                          f"“{old.code}” already ended on {old.valid_to:%d/%m/%Y}")
        if old.successor_id is not None and old.successor_id != new.id:
            raise _refuse(f"“{old.code}” đã có đơn vị kế thừa khác", f"“{old.code}” already has another successor")
    old_paths = [o.path for o in olds]
    to_move = [unit_by_code(session, c.strip()) for c in dict.fromkeys(move) if c and c.strip()]
    # Applied again, the decision finds its units already moved: nothing more to do.
    to_move = [u for u in to_move if u.parent_id != new.id or any(u.path.startswith(p) for p in old_paths)]
    for unit in to_move:
        if unit.id in {o.id for o in olds} or not any(unit.path.startswith(p) for p in old_paths):
            raise _refuse(f"“{unit.code}” không thuộc đơn vị cũ nào", f"“{unit.code}” is not below an old unit",
                          "move")
    _refuse_late(session, olds, on)

    for old in olds:
        old.valid_to, old.successor_id = on, new.id
        session.flush()
        check_succession(session, old)
    for unit in to_move:
        move_unit(session, unit, new, on)
    ended_below = sorted(session.scalars(select(Unit.code).where(
        or_(*[path_under(Unit.path, p) for p in old_paths]), Unit.id.not_in([o.id for o in olds]))))
    # Counted after the moves: the units re-parented are followed by the new unit too.
    return MergeReport(
        into=new.code, on=on, expired=tuple(o.code for o in olds),
        successors=tuple((o.code, new.code) for o in olds), moved=tuple(u.code for u in to_move),
        ended_below=tuple(ended_below),
        open_cases=open_cases_under(session, old_paths + [u.path for u in to_move], final_states),
    )


def _refuse_late(session: Session, ended: Iterable[Unit], on: date | None = None) -> None:
    """A unit's end may not come after opinions it already received: they would be
    cases of a unit that was no longer in force (the case keeps its unit)."""
    for unit in ended:
        day = on or unit.valid_to
        if day is None:
            continue
        under = select(Unit.id).where(path_under(Unit.path, unit.path))
        late = session.scalar(select(func.count()).select_from(Case).where(
            in_units(Case.origin_unit_id, under), Case.received_at >= datetime.combine(day, time(0), LOCAL_TZ)))
        if late:
            raise _refuse(f"{late} ý kiến đã được tiếp nhận tại “{unit.code}” từ {day:%d/%m/%Y}",
                          f"{late} case(s) were received in “{unit.code}” on or after {day:%d/%m/%Y}", "on")


def open_cases_under(session: Session, paths: Sequence[str], final_states: Sequence[str]) -> int:
    """Open cases whose origin or handling unit lies under one of ``paths``."""
    if not paths:
        return 0
    under = select(Unit.id).where(or_(*[path_under(Unit.path, p) for p in paths]))
    stmt = select(func.count()).select_from(Case).where(
        or_(in_units(Case.origin_unit_id, under), in_units(Case.handling_unit_id, under)))
    if final_states:
        stmt = stmt.where(Case.state.not_in(list(final_states)))
    return session.scalar(stmt) or 0


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    successors: tuple[tuple[str, str], ...]  # (old, new) named by the file
    moved: tuple[str, ...]  # units whose place in the tree changed (with their subtrees)
    open_cases: int  # open cases of the units the file ends with a successor


def import_decision(session: Session, rows: Sequence[UnitRow], on: date, *,
                    final_states: Sequence[str] = ()) -> ImportReport:
    """The units CSV as a decision: import it, check every successor link and end
    date, keep the former place of every unit it re-parents (from ``on``), and say
    what moved. Refuses, changing nothing once the caller rolls back. Does not commit."""
    before = dict(session.execute(select(Unit.id, Unit.path)).tuples().all())
    created, updated = import_units(session, rows)
    session.flush()
    changed = [unit_by_code(session, r.code) for r in rows if r.successor_code or r.valid_to]
    for unit in changed:
        check_succession(session, unit)
    _refuse_late(session, [u for u in changed if u.valid_to is not None])
    moved = record_moves(session, before, on)
    ended = [u.path for u in changed if u.successor_id is not None and u.valid_to is not None]
    return ImportReport(created, updated,
                        successors=tuple((r.code, r.successor_code) for r in rows if r.successor_code),
                        moved=tuple(moved), open_cases=open_cases_under(session, ended, final_states))


@dataclass(frozen=True)
class UnitLine:
    code: str
    name: str
    level: str
    depth: int
    valid_from: date | None
    valid_to: date | None
    successor: str | None
    in_force: bool  # on the day asked, with every unit above it


def unit_lines(session: Session, day: date) -> list[UnitLine]:
    """The tree in path order, each unit with its validity and successor as of ``day``."""
    units = list(session.scalars(select(Unit).order_by(Unit.path)))
    by_id = {u.id: u for u in units}
    out = []
    for u in units:
        chain = [by_id[int(i)] for i in u.path.strip("/").split("/") if i and int(i) in by_id]
        out.append(UnitLine(u.code, u.name, u.level, u.path.count("/") - 2, u.valid_from, u.valid_to,
                            by_id[u.successor_id].code if u.successor_id in by_id else None,
                            all(x.is_valid_on(day) for x in chain)))
    return out
