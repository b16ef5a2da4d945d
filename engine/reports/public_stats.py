"""Public statistics (thống kê công khai): per unit of the tree and month received,
opinions received, answered on the spot, transferred, resolved (on time, late, on
time after an extension: ``engine.reports.timeliness``) and the citizens'
satisfaction — with no personal data, and every count under 5 shown as "<5".

Precomputed: ``refresh`` keeps a monthly roll-up per origin unit (``public_stats``)
from the ``case_facts`` projection. It re-aggregates only the (unit, month) groups
whose cases have events newer than the watermark (minus ``RESCAN`` ids: on
PostgreSQL an event with a smaller id may commit after a larger one), so its cost
follows what changed; the worker runs it every few minutes. ``read`` sums the
roll-up over each unit's subtree (units × months rows, whatever the number of
cases). Figures are as of the last refresh, which the page states.

``suppress`` is the one rule of small counts, applied before anything leaves the
engine (page and JSON alike). Zero stays 0: it identifies no one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, delete, func, select, tuple_
from sqlalchemy.orm import Session

from ..models import CaseEvent, Unit
from ..models.public_stats import PUBLIC_FIGURES, PublicStatsMonth, PublicStatsWatermark
from ..models.reports import CaseFacts
from .timeliness import flags

__all__ = ["THRESHOLD", "SUPPRESSED", "RESCAN", "suppress", "refresh", "read", "PublicRow", "PublicStats",
           "direct_counts", "PUBLIC_FIGURES"]

THRESHOLD = 5
SUPPRESSED = "<5"
RESCAN = 1000
# Status as of now: every recorded instant is before it.
_FAR_FUTURE = datetime(3000, 1, 1, tzinfo=timezone.utc)


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


def direct_counts(session: Session) -> dict[tuple[int, str], dict[str, int]]:
    """Every (origin unit, month) group counted straight from ``case_facts`` (what the
    roll-up must equal; the tests and ``refresh`` use it)."""
    return _groups(session, None)


def _groups(session: Session, keys: list[tuple[int, str]] | None) -> dict[tuple[int, str], dict[str, int]]:
    f = CaseFacts
    stmt = select(f.origin_unit_id, f.received_month, *_aggregates(_FAR_FUTURE))
    if keys is not None:
        stmt = stmt.where(tuple_(f.origin_unit_id, f.received_month).in_(keys))
    rows = session.execute(stmt.group_by(f.origin_unit_id, f.received_month)).mappings()
    return {(r["origin_unit_id"], r["received_month"]): {k: int(r[k]) for k in PUBLIC_FIGURES} for r in rows}


def refresh(session: Session, now: datetime) -> int:
    """Bring the roll-up up to the newest event; returns the groups rewritten. The
    caller commits (one transaction: the groups and the watermark together)."""
    mark = session.get(PublicStatsWatermark, 1, with_for_update=True)
    if mark is None:
        mark = PublicStatsWatermark(id=1, event_id=0, refreshed_at=None)
        session.add(mark)
    newest = session.scalar(select(func.max(CaseEvent.id))) or 0
    since = max(0, mark.event_id - RESCAN)
    keys = sorted(set(session.execute(
        select(CaseFacts.origin_unit_id, CaseFacts.received_month).distinct()
        .join(CaseEvent, CaseEvent.case_id == CaseFacts.case_id).where(CaseEvent.id > since)).tuples()))
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        session.execute(delete(PublicStatsMonth).where(
            tuple_(PublicStatsMonth.origin_unit_id, PublicStatsMonth.month).in_(chunk)))
        groups = _groups(session, chunk)
        session.add_all(PublicStatsMonth(origin_unit_id=u, month=m, **figures) for (u, m), figures in groups.items())
    mark.event_id, mark.refreshed_at = newest, now
    session.flush()
    return len(keys)


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
    refreshed_at: datetime | None


def _sum(rows: list[PublicStatsMonth]) -> dict[str, int]:
    return {k: sum(getattr(r, k) for r in rows) for k in PUBLIC_FIGURES}


def _published(figures: dict[str, int]) -> dict[str, int | str]:
    return {k: suppress(v) for k, v in figures.items()}


def read(session: Session, unit: Unit, first_month: str, last_month: str) -> PublicStats:
    """``unit`` and each of its children with their subtrees, over the months
    ``first_month``..``last_month`` ("YYYY-MM"), every count suppressed."""
    rows = list(session.execute(
        select(PublicStatsMonth, Unit.path).join(Unit, Unit.id == PublicStatsMonth.origin_unit_id)
        .where(Unit.path.startswith(unit.path), PublicStatsMonth.month >= first_month,
               PublicStatsMonth.month <= last_month)).tuples())
    kids = list(session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)))
    children = tuple(PublicRow(k.code, k.name, _published(_sum([r for r, p in rows if p.startswith(k.path)])))
                     for k in kids)
    months = sorted({r.month for r, _ in rows})
    by_month = tuple((m, _published(_sum([r for r, _ in rows if r.month == m]))) for m in months)
    mark = session.get(PublicStatsWatermark, 1)
    return PublicStats(unit=PublicRow(unit.code, unit.name, _published(_sum([r for r, _ in rows]))),
                       children=children, months=by_month, first_month=first_month, last_month=last_month,
                       refreshed_at=mark.refreshed_at if mark else None)
