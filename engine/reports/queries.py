"""The figures a periodic report contains, as SQL aggregates.

Which cases: those **received** (local dates) in the period, whose origin unit lay
in the report's unit subtree(s) on that day, or in a predecessor's
(engine.reports.coverage), of one programme if asked. Their status is taken
**at the end of the period** from the facts projection of their histories
(``case_facts``), so a report printed again a year later shows the same figures:

* answered on the spot / escalated / resolved — the case had reached that point
  before the period ended; ``closed_other`` — merged or withdrawn instead;
* timeliness, for the cases resolved by the end: ``late`` if any deadline stage of
  the case was missed, else ``extended`` if one was met only thanks to an accepted
  extension (gia hạn), else ``on_time``; the three add up to ``resolved``. The
  outcome of each stage is the one the deadline engine froze into the event that
  ended it (``data.stage_outcome``: met | met_after_extension | missed);
* ``still_overdue`` — not closed at the end of the period, and the deadline then in
  force (``data.due_at`` of the newest event before the end that is not a remark)
  had passed; a paused stage has no deadline;
* satisfaction — the citizen's latest recorded satisfaction, if recorded before the end.

Meetings count by the date held (``held_on``) in the period, in the same units.

All of it is computed by the database: a ``GROUP BY`` over (origin unit, month
received) — the order ``case_facts`` is stored in, so each unit's months are one
index range and nothing is sorted — with the resolved count of each month of the
period as extra sums, one over (topic, programme), and small ones over the
meetings. Python only adds up those groups into the totals and breakdowns. Rows by unit roll
the tree up: each row is a unit with its whole subtree (``units.path`` prefix),
matched over the units (never over the cases).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timezone
from typing import Any, Iterable, Mapping

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from ..actors import Actor
from ..calendar import LOCAL_TZ
from ..errors import InvalidField
from ..models import CaseEvent, Meeting, Unit
from ..models.reports import REMARK_TRIGGERS, CaseFacts
from ..vocab import TOPICS
from .period import Period
from .coverage import added_rows, covers, row_label
from .scope import REPORT_ROLES, Scope, resolve_scope, with_coverage
from .split import split_rows
from .sql import date_month, iso_before

__all__ = ["ReportRequest", "Figures", "MeetingFigures", "Row", "Report", "build_report", "FIGURE_NAMES"]


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    unit: str | None = None
    programme: str | None = None


@dataclass(frozen=True)
class Figures:
    received: int = 0
    answered_on_site: int = 0
    escalated: int = 0
    resolved: int = 0
    closed_other: int = 0
    on_time: int = 0
    extended: int = 0
    late: int = 0
    still_overdue: int = 0
    satisfied: int = 0
    not_satisfied: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def in_progress(self) -> int:
        return self.received - self.resolved - self.closed_other

    @property
    def share_resolved(self) -> float | None:
        """Percentage of the opinions received that were resolved, one decimal."""
        return round(100 * self.resolved / self.received, 1) if self.received else None

    @property
    def share_satisfied(self) -> float | None:
        rated = self.satisfied + self.not_satisfied
        return round(100 * self.satisfied / rated, 1) if rated else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "in_progress": self.in_progress, "share_resolved": self.share_resolved,
                "share_satisfied": self.share_satisfied}


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


@dataclass(frozen=True)
class MeetingFigures:
    meetings: int = 0
    attendees: int = 0
    units: int = 0  # distinct units that held them

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Row:
    key: str
    label: str  # Vietnamese
    label_en: str
    cases: Figures = field(default_factory=Figures)
    meetings: MeetingFigures | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "label_en": self.label_en,
                               **self.cases.as_dict()}
        if self.meetings is not None:
            out["meetings"] = self.meetings.as_dict()
        return out


@dataclass(frozen=True)
class Report:
    period: Period
    unit: str | None  # code of the unit asked for
    unit_name: str
    programme: str | None
    generated_at: datetime
    totals: Figures
    meetings: MeetingFigures
    by_unit: tuple[Row, ...]
    by_topic: tuple[Row, ...]
    by_programme: tuple[Row, ...]
    by_month: tuple[Row, ...]
    resolved_by_month: tuple[tuple[str, int], ...]  # resolved cases of the cohort, by month of resolution
    # A successor's report: its opinions received before / from each change (engine.reports.split).
    split: tuple[Row, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(), "unit": self.unit, "unit_name": self.unit_name,
            "programme": self.programme, "generated_at": self.generated_at.isoformat(),
            "totals": self.totals.as_dict(), "meetings": self.meetings.as_dict(),
            "by_unit": [r.as_dict() for r in self.by_unit], "by_topic": [r.as_dict() for r in self.by_topic],
            "by_programme": [r.as_dict() for r in self.by_programme],
            "by_month": [r.as_dict() for r in self.by_month],
            "resolved_by_month": [{"month": m, "resolved": n} for m, n in self.resolved_by_month],
            "split": [r.as_dict() for r in self.split],
        }


# -- SQL -----------------------------------------------------------------------------

def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    # count(*) FILTER (WHERE …): standard SQL, on PostgreSQL and SQLite ≥ 3.30, and
    # cheaper per row than SUM(CASE …).
    return func.count().filter(cond)


def _case_aggregates(f: Any, end: datetime) -> list[ColumnElement[Any]]:
    """The figures of ``Figures`` in field order, as aggregates over ``case_facts`` rows."""
    resolved = f.resolved_at < end
    closed = f.closed_at < end
    late = and_(resolved, f.missed_at < end)
    extended = and_(resolved, or_(f.missed_at.is_(None), f.missed_at >= end), f.extended_at < end)
    ev = aliased(CaseEvent, name="due_ev")
    due_then = (
        select(ev.data["due_at"].as_string())
        .where(ev.case_id == f.case_id, ev.at < end, ev.trigger.not_in(REMARK_TRIGGERS))
        .order_by(ev.seq.desc()).limit(1).correlate(f).scalar_subquery()
    )
    # CASE, not AND: the subquery runs only for cases still open at the end.
    overdue = _flag(case((or_(f.closed_at.is_(None), f.closed_at >= end), iso_before(due_then, end)),
                         else_=false()))
    return [
        func.count(),
        _flag(f.on_site_at < end),
        _flag(f.escalated_at < end),
        _flag(resolved),
        _flag(and_(closed, or_(f.resolved_at.is_(None), f.resolved_at >= end))),
        _flag(and_(resolved, or_(f.missed_at.is_(None), f.missed_at >= end),
                   or_(f.extended_at.is_(None), f.extended_at >= end))),
        _flag(extended),
        _flag(late),
        overdue,
        _flag(and_(f.satisfaction_at < end, f.satisfaction == "satisfied")),
        _flag(and_(f.satisfaction_at < end, f.satisfaction == "not_satisfied")),
    ]


def _in_units(unit_id: ColumnElement[int], at: Any, scope: Scope, *, instants: bool = True) -> ColumnElement[bool]:
    """In the scope's tree as it was when ``at`` happened (engine.reports.coverage)."""
    assert scope.coverage is not None, "build_report sets the coverage"
    return covers(scope.coverage, unit_id, at, instants=instants)


def _row_units(session: Session, scope: Scope) -> list[Unit]:
    """The units the by-unit breakdown lists: the asked unit itself (its own cases)
    and its children, or the actor's subtrees when no unit was asked."""
    extra = added_rows(scope.coverage, scope.unit.path if scope.unit else None)
    if scope.unit is None:
        return list(session.scalars(select(Unit).where(Unit.id.in_([r.id for r in scope.roots] + extra))
                                    .order_by(Unit.code)))
    return list(session.scalars(
        select(Unit).where(or_(Unit.id == scope.unit.id, Unit.parent_id == scope.unit.id, Unit.id.in_(extra)))
        .order_by(Unit.id != scope.unit.id, Unit.code)))


def _unit_rows(scope: Scope, row_units: list[Unit]) -> dict[int, int]:
    """unit id → id of the breakdown row whose subtree holds it, for every unit in the
    scope. Units are few (hundreds, thousands): matched here, so the cases' query
    groups by their own unit and needs no join."""
    own = scope.unit.id if scope.unit is not None and len(row_units) > 1 else None
    assert scope.coverage is not None, "build_report sets the coverage"
    known = scope.coverage.unit_paths
    # A row holds its unit's subtree where it is now and where it was (re-parented units).
    prefixes = sorted({(path, u.id) for u in row_units if u.id != own
                       for path in [u.path, *(p for i, p in known if i == u.id)]}, key=lambda p: -len(p[0]))
    out: dict[int, int] = {}
    for unit_id, path in known:
        if unit_id in out:
            continue  # a unit's current place first, then where it was
        if unit_id == own:
            out[unit_id] = own
            continue
        for prefix, row_id in prefixes:
            if path.startswith(prefix):
                out[unit_id] = row_id
                break
    return out


def _month_start(month: str) -> datetime:
    return datetime.combine(date(int(month[:4]), int(month[5:7]), 1), time(0), LOCAL_TZ).astimezone(timezone.utc)


def _case_groups(session: Session, req: ReportRequest, scope: Scope) -> tuple[list[Any], list[Any], list[str]]:
    """The cohort's figures per (origin unit, month received) and per (topic,
    programme), in one statement and one pass over the facts: a GROUP BY over
    (unit, month, topic, programme) — the order ``case_facts`` is stored in, so each
    unit's months are one index range and nothing is sorted; the resolved count of
    each month of the period rides along as extra columns — computed once
    (MATERIALIZED) and summed up both ways. Python only adds up those rows."""
    f = CaseFacts
    period = req.period
    start, end = period.start_utc, period.end_utc
    months = period.months()
    resolved_in = []
    for i, month in enumerate(months):
        first = _month_start(month)
        nxt = _month_start(months[i + 1]) if i + 1 < len(months) else end
        resolved_in.append(_flag(and_(f.resolved_at >= first, f.resolved_at < min(nxt, end))))
    where = [_in_units(f.origin_unit_id, f.received_at, scope), f.received_month >= months[0],
             f.received_month <= months[-1], f.received_at >= start, f.received_at < end]
    if req.programme:
        where.append(f.workflow_key == req.programme)
    sums = [*_case_aggregates(f, end), *resolved_in]
    names = [f"v{i}" for i in range(len(sums))]
    cube = (select(f.origin_unit_id.label("unit_id"), f.received_month.label("month"), f.topic.label("topic"),
                   f.workflow_key.label("programme"), *[v.label(n) for v, n in zip(sums, names)])
            .where(*where).group_by(f.origin_unit_id, f.received_month, f.topic, f.workflow_key)
            .cte("cube").prefix_with("MATERIALIZED"))
    totals = [func.sum(cube.c[n]) for n in names]
    by_unit_month = select(literal("u").label("kind"), cube.c.unit_id, cube.c.month, literal(None).label("topic"),
                           literal(None).label("programme"), *totals).group_by(cube.c.unit_id, cube.c.month)
    by_topic = select(literal("t").label("kind"), literal(None).label("unit_id"), literal(None).label("month"),
                      cube.c.topic, cube.c.programme, *totals).group_by(cube.c.topic, cube.c.programme)
    rows = list(session.execute(by_unit_month.union_all(by_topic)))
    width = len(FIGURE_NAMES)
    unit_months = [(r[1], r[2], *r[5:]) for r in rows if r[0] == "u"]
    topic_programmes = [(r[3], r[4], *r[5:5 + width]) for r in rows if r[0] == "t"]
    return unit_months, topic_programmes, months


def _meetings_base(req: ReportRequest, scope: Scope) -> list[ColumnElement[bool]]:
    m = Meeting
    conds = [m.held_on >= req.period.start, m.held_on <= req.period.end,
             _in_units(m.unit_id, m.held_on, scope, instants=False)]
    if req.programme:
        conds.append(m.programme == req.programme)
    return conds


def _meetings_by(session: Session, req: ReportRequest, scope: Scope,
                 key: ColumnElement[Any] | None) -> dict[Any, MeetingFigures]:
    """Meetings, attendees and distinct units that held them, per ``key`` (or in
    total). Distinct units do not add up across groups, so each breakdown is its own
    small GROUP BY (meetings are few next to opinions)."""
    m = Meeting
    cols = [key] if key is not None else [literal(None)]
    stmt: Select[Any] = select(*cols, func.count(), func.coalesce(func.sum(m.attendees), 0),
                               func.count(func.distinct(m.unit_id))).select_from(m).where(*_meetings_base(req, scope))
    if key is not None:
        stmt = stmt.group_by(key)
    return {k: MeetingFigures(int(n), int(a or 0), int(u)) for k, n, a, u in session.execute(stmt) if n}


# -- assembling ------------------------------------------------------------------------

def build_report(session: Session, actor: Actor, req: ReportRequest, *, now: datetime,
                 programmes: Mapping[str, tuple[str, str]] | None = None) -> Report:
    """The report for ``req`` as ``actor`` may see it. ``programmes`` maps workflow
    keys to (Vietnamese, English) names for the labels; unknown keys show as keys."""
    if req.programme is not None and (not isinstance(req.programme, str) or len(req.programme) > 64):
        raise InvalidField(field="programme", problem_vi="không có chương trình này", problem_en="no such programme")
    if programmes is not None and req.programme and req.programme not in programmes:
        raise InvalidField(field="programme", problem_vi="không có chương trình này", problem_en="no such programme")
    scope = with_coverage(session, resolve_scope(session, actor, req.unit, REPORT_ROLES), req.period)
    row_units = _row_units(session, scope)
    row_of = _unit_rows(scope, row_units)
    unit_months, topic_programmes, months = _case_groups(session, req, scope)

    by_unit: dict[int, Figures] = defaultdict(Figures)
    by_topic: dict[str, Figures] = defaultdict(Figures)
    by_prog: dict[str, Figures] = defaultdict(Figures)
    by_month: dict[str, Figures] = defaultdict(Figures)
    resolved_by_month = [0] * len(months)
    total = Figures()
    width = len(FIGURE_NAMES)
    for unit_id, month, *values in unit_months:
        figs = Figures(*(int(v or 0) for v in values[:width]))
        total += figs
        by_unit[row_of[unit_id]] += figs
        by_month[month] += figs
        for i, n in enumerate(values[width:]):
            resolved_by_month[i] += int(n or 0)
    for topic, wf, *values in topic_programmes:
        figs = Figures(*(int(v or 0) for v in values))
        by_topic[topic] += figs
        by_prog[wf] += figs

    m_total = _meetings_by(session, req, scope, None).get(None, MeetingFigures())
    m_prog = _meetings_by(session, req, scope, Meeting.programme) if m_total.meetings else {}
    m_month = _meetings_by(session, req, scope, date_month(Meeting.held_on)) if m_total.meetings else {}
    m_unit: dict[int, MeetingFigures] = {}
    if m_total.meetings:
        # Per unit that held meetings, rolled up here: the distinct units of a row are
        # simply its units that appear.
        for unit_id, fig in _meetings_by(session, req, scope, Meeting.unit_id).items():
            row = row_of[unit_id]
            old = m_unit.get(row, MeetingFigures())
            m_unit[row] = MeetingFigures(old.meetings + fig.meetings, old.attendees + fig.attendees, old.units + 1)

    names = programmes or {}
    own_id = scope.unit.id if scope.unit is not None and len(row_units) > 1 else None

    def unit_label(u: Unit, lang: str) -> str:
        if u.id != own_id:
            return row_label(scope.coverage, u.id, u.name, lang)
        return f"{u.name} (trực tiếp)" if lang == "vi" else f"{u.name} (directly)"

    rows_unit = tuple(
        Row(u.code, unit_label(u, "vi"), unit_label(u, "en"), by_unit.get(u.id, Figures()),
            m_unit.get(u.id, MeetingFigures()))
        for u in row_units
        # The asked unit's own row only when something happened there itself.
        if (u.id in by_unit or u.id in m_unit) or (u.id != own_id and _in_force(u, req.period))
    )
    topic_order = list(TOPICS) + sorted(set(by_topic) - set(TOPICS))
    rows_topic = tuple(Row(t, TOPICS.get(t, (t, t))[0], TOPICS.get(t, (t, t))[1], by_topic[t])
                       for t in topic_order if t in by_topic)
    order = list(names)
    prog_keys = sorted(set(by_prog) | set(m_prog), key=lambda k: (order.index(k) if k in order else len(order), k))
    rows_prog = tuple(
        Row(k, names.get(k, (k, k))[0], names.get(k, (k, k))[1], by_prog.get(k, Figures()),
            m_prog.get(k, MeetingFigures()))
        for k in prog_keys)
    rows_month = tuple(
        Row(mo, f"Tháng {mo[5:7]}/{mo[:4]}", f"{mo[5:7]}/{mo[:4]}", by_month.get(mo, Figures()),
            m_month.get(mo, MeetingFigures()))
        for mo in req.period.months())
    return Report(
        period=req.period, unit=scope.unit.code if scope.unit else None, unit_name=scope.label(),
        programme=req.programme, generated_at=now, totals=total, meetings=m_total,
        by_unit=rows_unit, by_topic=rows_topic, by_programme=rows_prog, by_month=rows_month,
        resolved_by_month=tuple(zip(months, resolved_by_month)),
        split=tuple(Row(k, vi, en, figs) for k, vi, en, figs in split_rows(
            scope, req.period, lambda part: _totals(session, req, part))),
    )


def _totals(session: Session, req: ReportRequest, scope: Scope) -> Figures:
    total = Figures()
    for _, _, *values in _case_groups(session, req, scope)[0]:
        total += Figures(*(int(v or 0) for v in values[:len(FIGURE_NAMES)]))
    return total


def _in_force(unit: Unit, period: Period) -> bool:
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or unit.valid_to > period.start)


def rows_total(rows: Iterable[Row]) -> Figures:
    total = Figures()
    for r in rows:
        total += r.cases
    return total
