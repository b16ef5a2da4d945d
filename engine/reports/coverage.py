"""Which opinions and meetings a report of some units covers, when the tree changes.

A report of a unit counts what was raised in its subtree **as the tree was on the
day**, plus what its predecessors held (engine.succession):

* a unit re-parented on a day (``unit_placements``) counts for its old subtree
  before that day and for its new one from it: the abolished district's first
  half of 2025 keeps its communes' opinions after they moved to the province;
* the subtrees of the units whose successor lies in the report's subtree (their
  change in force by the end of the period) count whole: the new commune's 2025
  report includes its predecessors' opinions, and ``Coverage.changes`` names the
  days where the report shows the split (before / from the change).

Nothing is rewritten: cases keep their units; only this reading follows the tree.
Units are few next to cases, so the windows are worked out here and the database
gets, per window, a list of unit ids — only the units re-parented across the edge
of the report's subtrees — beside the plain prefix match that serves the rest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session, aliased

from ..actors import Grant
from ..calendar import LOCAL_TZ
from ..models import Unit, UnitPlacement, path_under
from ..succession import inherited_grants

__all__ = ["Predecessor", "Coverage", "coverage_of", "covers", "added_rows", "row_label"]


@dataclass(frozen=True)
class Predecessor:
    id: int
    code: str
    name: str
    successor: str  # name
    changed_on: date


@dataclass(frozen=True)
class Coverage:
    prefixes: tuple[str, ...]  # subtrees matched by path (units never re-parented)
    # Units re-parented across the edge of these subtrees: inside only in [from, until).
    windows: tuple[tuple[date | None, date | None, tuple[int, ...]], ...]
    crossed: tuple[int, ...]  # those of them inside now (left out of the prefix match)
    unit_paths: tuple[tuple[int, str], ...]  # (unit id, path) of every unit covered, current path first
    predecessors: tuple[Predecessor, ...]
    received: tuple[date | None, date | None] = (None, None)  # one side of a split, local days

    @property
    def changes(self) -> tuple[date, ...]:
        return tuple(sorted({p.changed_on for p in self.predecessors}))


def coverage_of(session: Session, paths: tuple[str, ...], until: date) -> Coverage:
    """What a report over the subtrees ``paths`` covers, with the mergers in force
    by ``until`` (the period's last day)."""
    roots = [(u.id, u.code, u.path) for u in session.scalars(select(Unit).where(Unit.path.in_(list(paths))))]
    grants = tuple(Grant("report", i, c, p) for i, c, p in roots)
    inherited = inherited_grants(session, grants, until) if grants else ()
    prefixes = list(paths) + [g.unit_path for g in inherited]
    # A subtree moved itself: its units' former paths start with its former path.
    heads = [i for i, _, _ in roots] + [g.unit_id for g in inherited]
    prefixes += list(session.scalars(select(UnitPlacement.path).where(UnitPlacement.unit_id.in_(heads))))
    prefixes = sorted(set(prefixes))

    placed = aliased(UnitPlacement)
    candidates = select(Unit.id).where(or_(*[path_under(Unit.path, p) for p in prefixes]))
    formerly = select(placed.unit_id).where(or_(*[path_under(placed.path, p) for p in prefixes]))
    rows = session.execute(select(UnitPlacement.unit_id, UnitPlacement.path, UnitPlacement.until)
                           .where(or_(UnitPlacement.unit_id.in_(candidates), UnitPlacement.unit_id.in_(formerly)))
                           .order_by(UnitPlacement.unit_id, UnitPlacement.until)).all()
    history: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for unit_id, path, until_day in rows:
        history[unit_id].append((path, until_day))
    current = dict(session.execute(select(Unit.id, Unit.path).where(
        or_(Unit.id.in_(formerly), Unit.id.in_(candidates)))).tuples().all())

    starts = tuple(prefixes)

    def inside(path: str) -> bool:
        return path.startswith(starts)  # one C call over every prefix

    windows: dict[tuple[date | None, date | None], list[int]] = defaultdict(list)
    unit_paths: list[tuple[int, str]] = [(i, p) for i, p in current.items() if inside(p)]
    listed = set(unit_paths)
    crossed: list[int] = []
    for unit_id, placements in history.items():
        start: date | None = None
        spans = [*placements, (current[unit_id], None)]
        kept: list[tuple[date | None, date | None]] = []
        for path, end in spans:
            if inside(path):
                if kept and kept[-1][1] == start:
                    kept[-1] = (kept[-1][0], end)  # adjacent windows: one
                else:
                    kept.append((start, end))
                if (unit_id, path) not in listed:
                    listed.add((unit_id, path))
                    unit_paths.append((unit_id, path))
            start = end
        if kept == [(None, None)]:
            continue  # moved, but inside all along: the prefix match finds it
        if inside(current[unit_id]):
            crossed.append(unit_id)
        for window in kept:
            windows[window].append(unit_id)

    succ = aliased(Unit)
    predecessors = tuple(
        Predecessor(u.id, u.code, u.name, name, u.valid_to)
        for u, name in session.execute(select(Unit, succ.name).join(succ, succ.id == Unit.successor_id)
                                       .where(Unit.id.in_([g.unit_id for g in inherited])).order_by(Unit.code))
        if u.valid_to is not None)
    return Coverage(
        prefixes=tuple(prefixes), windows=tuple((a, b, tuple(sorted(ids))) for (a, b), ids in windows.items()),
        crossed=tuple(sorted(crossed)), unit_paths=tuple(unit_paths), predecessors=predecessors)


def _bound(day: date, instants: bool) -> Any:
    return datetime.combine(day, time(0), LOCAL_TZ) if instants else day


def covers(cov: Coverage, unit_id: Any, at: Any, *, instants: bool = True) -> ColumnElement[bool]:
    """``unit_id`` (a case's origin unit, a meeting's unit) was in the covered tree
    when ``at`` (``received_at``, or ``held_on`` with ``instants=False``) happened."""
    u = aliased(Unit, name="scope_unit")
    plain = select(u.id).where(or_(*[path_under(u.path, p) for p in cov.prefixes]))
    if cov.crossed:
        plain = plain.where(u.id.not_in(list(cov.crossed)))
    terms: list[ColumnElement[bool]] = [unit_id.in_(plain)]
    for start, end, ids in cov.windows:
        conds = [unit_id.in_(list(ids))]
        if start is not None:
            conds.append(at >= _bound(start, instants))
        if end is not None:
            conds.append(at < _bound(end, instants))
        terms.append(and_(*conds))
    clause = or_(*terms) if terms else false()
    low, high = cov.received
    if low is not None:
        clause = and_(clause, at >= _bound(low, instants))
    if high is not None:
        clause = and_(clause, at < _bound(high, instants))
    return clause


def added_rows(cov: Coverage | None, unit_path: str | None) -> list[int]:
    """Units the by-unit breakdown adds for the tree's changes: each predecessor, and
    each unit that was a child of the asked unit (``unit_path``) before it moved."""
    if cov is None:
        return []
    out = [p.id for p in cov.predecessors]
    if unit_path is not None:
        out += [i for i, path in cov.unit_paths if path == f"{unit_path}{i}/"]
    return out


def row_label(cov: Coverage | None, unit_id: int, name: str, lang: str) -> str:
    """A predecessor's row says where its work went and from when."""
    for p in cov.predecessors if cov is not None else ():
        if p.id == unit_id:
            return (f"{name} (hợp nhất vào {p.successor} từ ngày {p.changed_on:%d/%m/%Y})" if lang == "vi"
                    else f"{name} (merged into {p.successor} on {p.changed_on:%d/%m/%Y})")
    return name
