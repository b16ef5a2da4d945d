"""A report's figures read from the roll-ups (``engine.models.rollups``).

``plan`` decides what may come from the roll-up: the **whole months** of the
cohort (every day of the month inside the period and inside the split's side), for
a scope whose tree never changed shape (no unit in it was ever re-parented: the
roll-up counts a case under the units above it when it was written, the facts
report under the tree as it was on each day — the same whenever nothing moved).
Everything else — a period's partial first and last months, a re-parented tree —
is read from ``case_facts`` by ``engine.reports.queries``, so the report is exact
either way, and the property test holds the two readings to the same figures.

A row of "by unit" is a unit with its whole subtree: its roll-up minus that of the
largest row units below it (a merged predecessor inside a child, the asked unit's
own row "trực tiếp" = the unit minus its children). The totals are the sums over
the rows no other row contains.
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ
from ..models.rollups import COUNTERS, ReportRollup
from .figures import Figures
from .period import Period
from .scope import Scope

__all__ = ["RollupPlan", "plan", "cohort_groups", "carried_counts", "resolved_by_month", "figures_of"]

_IDX = {name: i for i, name in enumerate(COUNTERS)}


@dataclass(frozen=True)
class RollupPlan:
    months: tuple[str, ...]  # the cohort's whole months, read here
    rows: tuple[tuple[int, tuple[int, ...]], ...]  # (row unit, the largest row units below it: subtracted)
    roots: tuple[int, ...]  # the rows no other row contains


def _unit_id(path: str) -> int:
    return int(path.strip("/").split("/")[-1])


def plan(scope: Scope, period: Period, row_units: Sequence[Any] | None) -> RollupPlan | None:
    """What the roll-up answers for ``scope`` over ``period`` (None: nothing). Without
    ``row_units`` (a split's side) the rows are the coverage's subtrees."""
    cov = scope.coverage
    if cov is None or cov.windows or cov.crossed:
        return None
    ids = [i for i, _ in cov.unit_paths]
    if len(ids) != len(set(ids)):
        return None  # a unit with a former place in the scope: the facts know where it was
    low, high = cov.received
    months = []
    for month in period.months():
        first = date(int(month[:4]), int(month[5:7]), 1)
        last = first.replace(day=_calendar.monthrange(first.year, first.month)[1])
        if period.start <= first and last <= period.end and (low is None or low <= first) and (
                high is None or last < high):
            months.append(month)
    units = [(u.id, u.path) for u in row_units] if row_units is not None else [
        (_unit_id(p), p) for p in cov.prefixes]
    units = sorted(set(units), key=lambda u: u[1])
    rows = []
    for uid, path in units:
        under = [(i, p) for i, p in units if i != uid and p.startswith(path)]
        largest = tuple(i for i, p in under if not any(j != i and p.startswith(q) for j, q in under))
        rows.append((uid, largest))
    roots = tuple(uid for uid, path in units if not any(i != uid and path.startswith(p) for i, p in units))
    return RollupPlan(tuple(months), tuple(rows), roots)


def _before(end: datetime) -> ColumnElement[bool]:
    """Buckets of instants before ``end`` (a local midnight): whole months before its
    month, then that month's days."""
    t = ReportRollup
    day = end.astimezone(LOCAL_TZ).date()
    month = f"{day:%Y-%m}"
    return or_(and_(t.grain == "m", t.bucket < month),
               and_(t.grain == "d", t.bucket >= f"{month}-01", t.bucket < day.isoformat()))


def _sums(session: Session, unit_ids: Sequence[int], months: ColumnElement[bool], programme: str | None,
          buckets: ColumnElement[bool], by: Sequence[Any]) -> dict[tuple[Any, ...], list[int]]:
    t = ReportRollup
    where = [t.unit_id.in_(sorted(set(unit_ids))), months, buckets]
    if programme:
        where.append(t.workflow_key == programme)
    stmt = (select(t.unit_id, *by, *[func.sum(getattr(t, c)) for c in COUNTERS]).where(*where)
            .group_by(t.unit_id, *by))
    return {tuple(r[:1 + len(by)]): [int(v or 0) for v in r[1 + len(by):]] for r in session.execute(stmt)}


def figures_of(v: Sequence[int]) -> Figures:
    """The report's figures from summed counters (the differences the model names)."""
    g = lambda name: v[_IDX[name]]  # noqa: E731
    late, extended = g("late"), g("ext") - g("ext_late")
    return Figures(
        received=g("received"), answered_on_site=g("on_site"), escalated=g("escalated"),
        transferred_within=g("across") - g("across_up"), proposed_higher=g("up"), resolved=g("resolved"),
        closed_other=g("closed") - g("closed_resolved"), on_time=g("resolved") - late - extended,
        extended=extended, late=late, still_overdue=g("overdue_on") - g("overdue_off"),
        satisfied=g("satisfied"), not_satisfied=g("not_satisfied"))


def _per_row(p: RollupPlan, sums: dict[tuple[Any, ...], list[int]]) -> dict[tuple[Any, ...], list[int]]:
    """(row, *rest) -> counters: each row's own units, the rows below it taken away."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    # unit -> [(row, +1 / -1)]: a row adds its own subtree and takes away its largest rows below.
    signs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for uid, below in p.rows:
        signs[uid].append((uid, 1))
        for b in below:
            signs[b].append((uid, -1))
    for (uid, *rest), values in sums.items():
        for row, sign in signs.get(uid, ()):
            acc = out[(row, *rest)]
            for i, n in enumerate(values):
                acc[i] += sign * n
    return out


def cohort_groups(session: Session, p: RollupPlan, programme: str | None,
                  end: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The whole months' cohort, status at ``end``: ``(row unit, month, *figures)``
    and ``(topic, programme, *figures)``, as ``engine.reports.queries`` adds them up."""
    if not p.months:
        return [], []
    t = ReportRollup
    ids = [uid for uid, below in p.rows for uid in (uid, *below)]
    sums = _sums(session, ids, t.received_month.in_(p.months), programme, _before(end),
                 (t.received_month, t.topic, t.workflow_key))
    months: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for (uid, month, _topic, _wf), values in _per_row(p, sums).items():
        acc = months[(uid, month)]
        for i, n in enumerate(values):
            acc[i] += n
    topics: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for (uid, _month, topic, wf), values in sums.items():
        if uid in p.roots:
            acc = topics[(topic, wf)]
            for i, n in enumerate(values):
                acc[i] += n
    as_fig = lambda v: tuple(getattr(figures_of(v), f) for f in Figures.__dataclass_fields__)  # noqa: E731
    # A row or topic with no opinion of the cohort is absent, as from the facts' GROUP BY.
    received = _IDX["received"]
    return ([(uid, month, *as_fig(v)) for (uid, month), v in months.items() if v[received]],
            [(topic, wf, *as_fig(v)) for (topic, wf), v in topics.items() if v[received]])


def resolved_by_month(session: Session, p: RollupPlan, programme: str | None, period: Period) -> list[int]:
    """The whole months' cohort resolved in each month of ``period`` (its last one up
    to the period's end), aligned with ``period.months()``."""
    months = period.months()
    if not p.months:
        return [0] * len(months)
    t = ReportRollup
    end = period.end.isoformat()
    last_whole = period.end.month != (date.fromordinal(period.end.toordinal() + 1)).month
    full = months if last_whole else months[:-1]
    buckets = [and_(t.grain == "m", t.bucket.in_(full))] if full else []
    if not last_whole:
        buckets.append(and_(t.grain == "d", t.bucket >= f"{months[-1]}-01", t.bucket <= end))
    # The month of a bucket, written inline: PostgreSQL matches the GROUP BY by its text.
    month = func.substr(t.bucket, literal_column("1"), literal_column("7"))
    stmt = (select(month, func.sum(t.resolved))
            .where(t.unit_id.in_(p.roots), t.received_month.in_(p.months), or_(*buckets)).group_by(month))
    if programme:
        stmt = stmt.where(t.workflow_key == programme)
    got = {m: int(n or 0) for m, n in session.execute(stmt)}
    return [got.get(m, 0) for m in months]


def carried_counts(session: Session, p: RollupPlan, programme: str | None, period: Period,
                   ends: Sequence[datetime]) -> dict[int, tuple[int, int, list[int]]]:
    """Per row: of the opinions received in the whole months before the period's
    month, (received, closed before the period began, [resolved before each of
    ``ends``] minus resolved before it began); one statement."""
    t = ReportRollup
    start = period.start_utc
    ids = sorted({uid for uid, below in p.rows for uid in (uid, *below)})
    sums = [func.sum(t.received).filter(_before(start)), func.sum(t.closed).filter(_before(start)), func.sum(t.resolved).filter(_before(start)),
            *[func.sum(t.resolved).filter(_before(e)) for e in ends]]
    stmt = (select(t.unit_id, *sums).where(t.unit_id.in_(ids), t.received_month < period.months()[0])
            .group_by(t.unit_id))
    if programme:
        stmt = stmt.where(t.workflow_key == programme)
    got = {r[0]: [int(v or 0) for v in r[1:]] for r in session.execute(stmt)}
    zero = [0] * len(sums)
    out: dict[int, tuple[int, int, list[int]]] = {}
    for uid, below in p.rows:
        v = list(got.get(uid, zero))
        for b in below:
            v = [x - y for x, y in zip(v, got.get(b, zero))]
        out[uid] = (v[0], v[1], [x - v[2] for x in v[3:]])
    return out
