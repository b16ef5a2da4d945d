"""Public statistics (thống kê công khai): per unit of the tree and month received,
opinions received, answered on the spot, transferred, resolved (on time, late, on
time after an extension: ``engine.reports.timeliness``) and the citizens'
satisfaction — with no personal data, and every count under 5 shown as "<5".

Live, from the reports' roll-ups (``engine.models.rollups``), which the event's own
transaction keeps exact: for the unit and each of its children, and each month
received, the sum of their ``grain = "m"`` rows over every bucket. Each counter's
instant is written once per grain, so one grain summed over all its buckets is
"every instant so far" (status as of now) with nothing counted twice. The reads are
a few rows per (unit, month) on the roll-up's primary key, whatever the number of
cases. The figures come from the counters as the reports take them
(``rollup_read.figures_of``).

The roll-up counts a case under the units above it when each event was written; the
page groups by today's tree. The two agree unless a unit was ever re-parented in or
across the unit's subtree, and that is what ``rollup_read.plan`` refuses; then the
figures are counted from ``case_facts`` under today's tree (``facts_counts``, the
rule the property test holds the roll-up reading to).

``suppress`` is the one rule of small counts, applied before anything leaves the
engine (page and JSON alike). Zero stays 0: it identifies no one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..actors import SYSTEM
from ..calendar import LOCAL_TZ
from ..models import Unit, path_under
from ..models.reports import CaseFacts
from ..models.rollups import COUNTERS, ReportRollup
from .period import Period
from .rollup_read import figures_of, plan
from .scope import resolve_scope, with_coverage
from .timeliness import flags

__all__ = ["THRESHOLD", "SUPPRESSED", "PUBLIC_FIGURES", "suppress", "read", "counts", "facts_counts",
           "rollup_counts", "rollups_answer", "PublicRow", "PublicStats", "Counts"]

PUBLIC_FIGURES = ("received", "on_site", "transferred", "resolved", "on_time", "late", "extended", "satisfied",
                  "not_satisfied")
THRESHOLD = 5
SUPPRESSED = "<5"
# Status as of now: every recorded instant is before it.
_FAR_FUTURE = datetime(3000, 1, 1, tzinfo=timezone.utc)

# (row unit id, month received) -> figure -> count; a row unit counts its whole subtree.
Counts = dict[tuple[int, str], dict[str, int]]


def suppress(n: int) -> int | str:
    """A count as it may be published: 1–4 become "<5"."""
    return SUPPRESSED if 0 < n < THRESHOLD else n


def _aggregates(end: datetime) -> list[Any]:
    f = CaseFacts
    on_time, extended, late = flags(f, end)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [func.count().label("received"), count(f.on_site_at.is_not(None)).label("on_site"),
            count(f.escalated_at.is_not(None)).label("transferred"), count(f.resolved_at.is_not(None)).label("resolved"),
            count(on_time).label("on_time"), count(late).label("late"), count(extended).label("extended"),
            count(f.satisfaction == "satisfied").label("satisfied"),
            count(f.satisfaction == "not_satisfied").label("not_satisfied")]


def _row_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def facts_counts(session: Session, units: Sequence[Unit], first_month: str, last_month: str) -> Counts:
    """Each of ``units`` with its subtree as today's tree has it, month by month,
    counted straight from ``case_facts`` (the fallback, and the reference the
    roll-up reading must equal). ``units`` lie in the first one's subtree."""
    f = CaseFacts
    top = units[0].path
    under = select(Unit.id).where(path_under(Unit.path, top))
    stmt = (select(f.origin_unit_id, f.received_month, *_aggregates(_FAR_FUTURE))
            .where(f.origin_unit_id.in_(under), f.received_month >= first_month, f.received_month <= last_month)
            .group_by(f.origin_unit_id, f.received_month))
    groups = session.execute(stmt).mappings().all()
    paths = dict(session.execute(select(Unit.id, Unit.path).where(path_under(Unit.path, top))).tuples().all())
    rows = {u.id for u in units}
    out: Counts = defaultdict(lambda: dict.fromkeys(PUBLIC_FIGURES, 0))
    for g in groups:
        # A row unit holds an origin unit exactly when it is on that unit's path.
        for row in (i for i in _row_ids(paths[g["origin_unit_id"]]) if i in rows):
            acc = out[(row, g["received_month"])]
            for k in PUBLIC_FIGURES:
                acc[k] += int(g[k])
    return dict(out)


def _public(v: Sequence[int]) -> dict[str, int]:
    """The page's figures from summed roll-up counters, as the reports derive them."""
    fig = figures_of(v)
    return {"received": fig.received, "on_site": fig.answered_on_site, "transferred": fig.escalated,
            "resolved": fig.resolved, "on_time": fig.on_time, "late": fig.late, "extended": fig.extended,
            "satisfied": fig.satisfied, "not_satisfied": fig.not_satisfied}


def rollup_counts(session: Session, units: Sequence[Unit], first_month: str, last_month: str) -> Counts:
    """Each of ``units`` month by month from ``report_rollups``: one grain ("m"),
    every bucket — each instant so far exactly once (see the module docstring)."""
    t = ReportRollup
    stmt = (select(t.unit_id, t.received_month, *[func.sum(getattr(t, c)) for c in COUNTERS])
            .where(t.unit_id.in_(sorted({u.id for u in units})), t.grain == "m",
                   t.received_month >= first_month, t.received_month <= last_month)
            .group_by(t.unit_id, t.received_month))
    out: Counts = {}
    for uid, month, *values in session.execute(stmt):
        figures = _public([int(v or 0) for v in values])
        if figures["received"]:  # a month with no opinion is absent, as from the facts' GROUP BY
            out[(uid, month)] = figures
    return out


def rollups_answer(session: Session, unit: Unit, today: date) -> bool:
    """Whether the roll-up is exact for ``unit`` and its children: the reports' rule
    (``rollup_read.plan`` over the unit's coverage), which refuses a subtree any
    unit was ever re-parented into, out of or within."""
    # The public read is nobody's: the system actor resolves the unit with no grant.
    scope = with_coverage(session, resolve_scope(session, SYSTEM, unit.code), Period(today, today))
    return plan(scope, Period(today, today), None) is not None


def counts(session: Session, unit: Unit, children: Sequence[Unit], first_month: str, last_month: str,
           today: date, use_rollups: bool = True) -> Counts:
    """The unsuppressed figures of ``unit`` and ``children``: from the roll-up when it
    answers exactly, else from the facts. ``use_rollups=False`` always reads the
    facts (the property test's reference)."""
    units = [unit, *children]
    if use_rollups and rollups_answer(session, unit, today):
        return rollup_counts(session, units, first_month, last_month)
    return facts_counts(session, units, first_month, last_month)


@dataclass(frozen=True)
class PublicRow:
    unit: str
    unit_name: str
    figures: dict[str, int | str]  # suppressed


@dataclass(frozen=True)
class PublicStats:
    unit: PublicRow
    children: tuple[PublicRow, ...]
    months: tuple[tuple[str, dict[str, int | str]], ...]  # the unit's subtree, month by month
    first_month: str
    last_month: str
    as_of: datetime  # live: the instant the figures were read


def _sum(groups: Sequence[dict[str, int]]) -> dict[str, int]:
    return {k: sum(g[k] for g in groups) for k in PUBLIC_FIGURES}


def _published(figures: dict[str, int]) -> dict[str, int | str]:
    return {k: suppress(v) for k, v in figures.items()}


def read(session: Session, unit: Unit, first_month: str, last_month: str, now: datetime,
         use_rollups: bool = True) -> PublicStats:
    """``unit`` and each of its children with their subtrees, over the months
    ``first_month``..``last_month`` ("YYYY-MM"), status as of ``now``, every count
    suppressed."""
    kids = list(session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)))
    got = counts(session, unit, kids, first_month, last_month, now.astimezone(LOCAL_TZ).date(), use_rollups)
    own = sorted((m, f) for (uid, m), f in got.items() if uid == unit.id)
    children = tuple(PublicRow(k.code, k.name, _published(_sum([f for (uid, _), f in got.items() if uid == k.id])))
                     for k in kids)
    return PublicStats(unit=PublicRow(unit.code, unit.name, _published(_sum([f for _, f in own]))),
                       children=children, months=tuple((m, _published(f)) for m, f in own),
                       first_month=first_month, last_month=last_month, as_of=now)
