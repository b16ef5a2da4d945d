"""The figures a periodic report contains, as SQL aggregates.

Which cases: those **received** (local dates) in the period, whose origin unit lay
in the report's unit subtree(s) on that day, or in a predecessor's
(engine.reports.coverage), of one programme if asked. Their status is taken
twice from the facts projection of their histories (``case_facts``): **at the end of
the period**, so a report printed again a year later shows the same figures, and
**as of the report's day** (the end of that local day; today unless asked), which is
what the field writes ("đã giải quyết xong đạt 100%" on the day the report is made):

* answered on the spot / escalated / resolved — the case had reached that point
  before the status instant; ``closed_other`` — merged or withdrawn instead;
* ``proposed_higher`` — escalated up a level; ``transferred_within`` — escalated
  across to a unit of the same level and never up (the direction each escalation
  event recorded, ``engine.escalation_direction``);
* timeliness of the resolved ones: ``engine.reports.timeliness``, the one rule;
* ``still_overdue`` — not closed at the status instant, and the deadline then in
  force (``data.due_at`` of the newest event before it that is not a remark) had
  passed; a paused stage has no deadline;
* satisfaction — the citizen's latest recorded satisfaction, if recorded before it.

Opinions **carried over**: received before the period in the same units, not closed
when it began; how many of them were resolved in the period (and by the as-of day).
Meetings count by the date held (``held_on``) in the period, in the same units, with
their attendees and the officials who took part (``meeting_participants`` rows).

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
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Mapping

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from ..actors import Actor
from ..calendar import LOCAL_TZ
from ..errors import InvalidField
from ..models import CaseEvent, Meeting, MeetingParticipant, Unit
from ..models.reports import REMARK_TRIGGERS, CaseFacts
from ..vocab import TOPICS
from .figures import FIGURE_NAMES, CarriedOver, Figures, MeetingFigures, Report, Row
from .period import Period, parse_day
from .levels import level_timeliness
from .coverage import added_rows, covers, row_label
from .scope import REPORT_ROLES, Scope, resolve_scope, with_coverage
from .rollup_read import RollupPlan, carried_counts, cohort_groups, resolved_by_month
from .rollup_read import plan as rollup_plan
from .split import split_rows
from .sql import date_month, iso_before
from .timeliness import flags as timeliness_flags

__all__ = ["ReportRequest", "Figures", "MeetingFigures", "CarriedOver", "Row", "Report", "build_report",
           "FIGURE_NAMES", "as_of_day"]


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    unit: str | None = None
    programme: str | None = None
    # The day of the second status ("as of the day the report is made"); None: today.
    as_of: date | str | None = None


# -- SQL -----------------------------------------------------------------------------

def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    # count(*) FILTER (WHERE …): standard SQL, on PostgreSQL and SQLite ≥ 3.30, and
    # cheaper per row than SUM(CASE …).
    return func.count().filter(cond)


def _case_aggregates(f: Any, end: datetime) -> list[ColumnElement[Any]]:
    """The figures of ``Figures`` in field order, as aggregates over ``case_facts``
    rows, status at ``end``."""
    resolved = f.resolved_at < end
    closed = f.closed_at < end
    up = f.escalated_up_at < end
    on_time, extended, late = timeliness_flags(f, end)
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
        _flag(and_(f.escalated_across_at < end, or_(f.escalated_up_at.is_(None), f.escalated_up_at >= end))),
        _flag(up),
        _flag(resolved),
        _flag(and_(closed, or_(f.resolved_at.is_(None), f.resolved_at >= end))),
        _flag(on_time),
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
    places: dict[int, list[str]] = defaultdict(list)
    for i, p in known:
        places[i].append(p)
    rows = {u.id for u in row_units if u.id != own}
    # The deepest row above a unit: its path's own prefixes ("/1/4/9/", "/1/4/", "/1/"),
    # looked up longest first — a few lookups a unit, not one per row (the country's
    # report has 36,000 units and dozens of rows).
    row_of: dict[str, int] = {}
    for path, row_id in sorted({(path, u.id) for u in row_units if u.id in rows
                                for path in [u.path, *places.get(u.id, ())]}, key=lambda p: -len(p[0])):
        row_of.setdefault(path, row_id)
    out: dict[int, int] = {}
    for unit_id, path in known:
        if unit_id in out:
            continue  # a unit's current place first, then where it was
        if unit_id == own:
            out[unit_id] = own
            continue
        end = len(path)
        while end > 0:
            row_id = row_of.get(path[:end])
            if row_id is not None:
                out[unit_id] = row_id
                break
            end = path.rfind("/", 0, end - 1) + 1
    return out


def _month_start(month: str) -> datetime:
    return datetime.combine(date(int(month[:4]), int(month[5:7]), 1), time(0), LOCAL_TZ).astimezone(timezone.utc)


def _case_groups(session: Session, req: ReportRequest, scope: Scope, status_end: datetime,
                 skip: tuple[str, ...] = ()) -> tuple[list[Any], list[Any], list[str]]:
    """The cohort's figures per (origin unit, month received) and per (topic,
    programme), in one statement and one pass over the facts: a GROUP BY over
    (unit, month, topic, programme) — the order ``case_facts`` is stored in, so each
    unit's months are one index range and nothing is sorted; the resolved count of
    each month of the period rides along as extra columns — computed once
    (MATERIALIZED) and summed up both ways. Python only adds up those rows.
    ``skip``: the months received that the roll-up answers for."""
    f = CaseFacts
    period = req.period
    start, end = period.start_utc, period.end_utc
    months = period.months()
    if set(months) <= set(skip):
        return [], [], months
    resolved_in = []
    for i, month in enumerate(months):
        first = _month_start(month)
        nxt = _month_start(months[i + 1]) if i + 1 < len(months) else end
        resolved_in.append(_flag(and_(f.resolved_at >= first, f.resolved_at < min(nxt, end))))
    where = [_in_units(f.origin_unit_id, f.received_at, scope), f.received_month >= months[0],
             f.received_month <= months[-1], f.received_at >= start, f.received_at < end]
    if req.programme:
        where.append(f.workflow_key == req.programme)
    if skip:
        where.append(f.received_month.not_in(skip))
    sums = [*_case_aggregates(f, status_end), *resolved_in]
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


def _carried_over(session: Session, req: ReportRequest, scope: Scope, as_of_end: datetime,
                  plan: RollupPlan | None = None) -> dict[int, CarriedOver]:
    """Per origin unit (per row, for what the roll-up answers): opinions received
    before the period and not closed when it began, and how many of them were
    resolved in it (and by the as-of day)."""
    f = CaseFacts
    start, end = req.period.start_utc, req.period.end_utc
    first = req.period.months()[0]
    resolved_from_start = f.resolved_at >= start
    where = [_in_units(f.origin_unit_id, f.received_at, scope),
             f.received_month <= first if plan is None else f.received_month == first,
             f.received_at < start, or_(f.closed_at.is_(None), f.closed_at >= start)]
    if req.programme:
        where.append(f.workflow_key == req.programme)
    stmt = (select(f.origin_unit_id, func.count(), _flag(and_(resolved_from_start, f.resolved_at < end)),
                   _flag(and_(resolved_from_start, f.resolved_at < as_of_end)))
            .where(*where).group_by(f.origin_unit_id))
    out = {unit_id: CarriedOver(int(n), int(r or 0), int(a or 0)) for unit_id, n, r, a in session.execute(stmt)}
    if plan is None:
        return out
    # The earlier whole months from the roll-up, less the opinions closed otherwise
    # before the period and resolved in it (a pair of instants no counter holds; few,
    # on their own index).
    reopened = [f.closed_at < f.resolved_at, f.resolved_at >= start, f.closed_at < start, f.received_month < first,
                _in_units(f.origin_unit_id, f.received_at, scope)]
    if req.programme:
        reopened.append(f.workflow_key == req.programme)
    for unit_id, r, a in session.execute(select(f.origin_unit_id, _flag(f.resolved_at < end),
                                                _flag(f.resolved_at < as_of_end)).where(*reopened)
                                         .group_by(f.origin_unit_id)):
        out[unit_id] = out.get(unit_id, CarriedOver()) + CarriedOver(0, -int(r or 0), -int(a or 0))
    for unit_id, (received, closed, (r, a)) in carried_counts(session, plan, req.programme, req.period,
                                                              (end, as_of_end)).items():
        out[unit_id] = out.get(unit_id, CarriedOver()) + CarriedOver(received - closed, r, a)
    return {k: v for k, v in out.items() if v != CarriedOver()}


def _meetings_base(req: ReportRequest, scope: Scope) -> list[ColumnElement[bool]]:
    m = Meeting
    conds = [m.held_on >= req.period.start, m.held_on <= req.period.end,
             _in_units(m.unit_id, m.held_on, scope, instants=False)]
    if req.programme:
        conds.append(m.programme == req.programme)
    return conds


def _meetings_by(session: Session, req: ReportRequest, scope: Scope,
                 key: ColumnElement[Any] | None) -> dict[Any, MeetingFigures]:
    """Meetings, attendees, official participations and distinct units that held
    them, per ``key`` (or in total). Distinct units do not add up across groups, so
    each breakdown is its own small GROUP BY (meetings are few next to opinions)."""
    m = Meeting
    took_part = (select(MeetingParticipant.meeting_id, func.count().label("n"))
                 .group_by(MeetingParticipant.meeting_id).subquery("took_part"))
    cols = [key] if key is not None else [literal(None)]
    stmt: Select[Any] = (
        select(*cols, func.count(), func.coalesce(func.sum(m.attendees), 0), func.coalesce(func.sum(took_part.c.n), 0),
               func.count(func.distinct(m.unit_id)))
        .select_from(m).outerjoin(took_part, took_part.c.meeting_id == m.id).where(*_meetings_base(req, scope)))
    if key is not None:
        stmt = stmt.group_by(key)
    return {k: MeetingFigures(int(n), int(a or 0), int(p or 0), int(u)) for k, n, a, p, u in session.execute(stmt) if n}


def as_of_day(req: ReportRequest, now: datetime) -> date:
    """The report's as-of day: the one asked (not before the period's last day, not
    after today), else today — or the period's last day when that is later."""
    today = now.astimezone(LOCAL_TZ).date()
    if req.as_of is None or (isinstance(req.as_of, str) and not req.as_of.strip()):
        return max(today, req.period.end)
    day = parse_day("as_of", req.as_of)
    if day < req.period.end:
        raise InvalidField(field="as_of", problem_vi="không được trước ngày cuối kỳ",
                           problem_en="must not be before the last day of the period")
    if day > max(today, req.period.end):
        raise InvalidField(field="as_of", problem_vi="không được ở tương lai", problem_en="must not be in the future")
    return day


# -- assembling ------------------------------------------------------------------------

@dataclass
class _Tally:
    """One status run's groups added up into the totals and each breakdown."""

    total: Figures
    by_unit: dict[int, Figures]
    by_topic: dict[str, Figures]
    by_prog: dict[str, Figures]
    by_month: dict[str, Figures]
    resolved_by_month: list[int]


def _tally(session: Session, req: ReportRequest, scope: Scope, row_of: dict[int, int], end: datetime,
           plan: RollupPlan | None = None) -> _Tally:
    unit_months, topic_programmes, months = _case_groups(session, req, scope, end, plan.months if plan else ())
    out = _Tally(Figures(), defaultdict(Figures), defaultdict(Figures), defaultdict(Figures), defaultdict(Figures),
                 [0] * len(months))
    width = len(FIGURE_NAMES)
    for unit_id, month, *values in unit_months:
        figs = Figures(*(int(v or 0) for v in values[:width]))
        out.total += figs
        out.by_unit[row_of[unit_id]] += figs
        out.by_month[month] += figs
        for i, n in enumerate(values[width:]):
            out.resolved_by_month[i] += int(n or 0)
    for topic, wf, *values in topic_programmes:
        figs = Figures(*(int(v or 0) for v in values))
        out.by_topic[topic] += figs
        out.by_prog[wf] += figs
    if plan is not None and plan.months:
        # The whole months, from the roll-up: rows come keyed by their row unit.
        rows, topics = cohort_groups(session, plan, req.programme, end)
        for row_id, month, *values in rows:
            figs = Figures(*values)
            out.total += figs
            out.by_unit[row_id] += figs
            out.by_month[month] += figs
        for topic, wf, *values in topics:
            figs = Figures(*values)
            out.by_topic[topic] += figs
            out.by_prog[wf] += figs
        for i, n in enumerate(resolved_by_month(session, plan, req.programme, req.period)):
            out.resolved_by_month[i] += n
    return out


def build_report(session: Session, actor: Actor, req: ReportRequest, *, now: datetime,
                 programmes: Mapping[str, tuple[str, str]] | None = None, use_rollups: bool = True) -> Report:
    """The report for ``req`` as ``actor`` may see it. ``programmes`` maps workflow
    keys to (Vietnamese, English) names for the labels; unknown keys show as keys.
    ``use_rollups=False`` reads every figure from the facts (the property test's
    reference; the figures are the same)."""
    if req.programme is not None and (not isinstance(req.programme, str) or len(req.programme) > 64):
        raise InvalidField(field="programme", problem_vi="không có chương trình này", problem_en="no such programme")
    if programmes is not None and req.programme and req.programme not in programmes:
        raise InvalidField(field="programme", problem_vi="không có chương trình này", problem_en="no such programme")
    as_of = as_of_day(req, now)
    as_of_end = Period(as_of, as_of).end_utc
    scope = with_coverage(session, resolve_scope(session, actor, req.unit, REPORT_ROLES), req.period)
    row_units = _row_units(session, scope)
    row_of = _unit_rows(scope, row_units)
    plan = rollup_plan(scope, req.period, row_units) if use_rollups else None
    at_end = _tally(session, req, scope, row_of, req.period.end_utc, plan)
    # The same cohort as of the report's day; the same run when that is the period's end.
    later = _tally(session, req, scope, row_of, as_of_end, plan) if as_of > req.period.end else at_end
    carried_unit: dict[int, CarriedOver] = defaultdict(CarriedOver)
    carried = CarriedOver()
    for unit_id, figs in _carried_over(session, req, scope, as_of_end, plan).items():
        carried_unit[row_of[unit_id]] += figs
        carried += figs

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
            m_unit[row] = MeetingFigures(old.meetings + fig.meetings, old.attendees + fig.attendees,
                                         old.participations + fig.participations, old.units + 1)

    names = programmes or {}
    own_id = scope.unit.id if scope.unit is not None and len(row_units) > 1 else None

    def unit_label(u: Unit, lang: str) -> str:
        if u.id != own_id:
            return row_label(scope.coverage, u.id, u.name, lang)
        return f"{u.name} (trực tiếp)" if lang == "vi" else f"{u.name} (directly)"

    rows_unit = tuple(
        Row(u.code, unit_label(u, "vi"), unit_label(u, "en"), at_end.by_unit.get(u.id, Figures()),
            m_unit.get(u.id, MeetingFigures()), later.by_unit.get(u.id, Figures()),
            carried_unit.get(u.id, CarriedOver()))
        for u in row_units
        # The asked unit's own row only when something happened there itself.
        if (u.id in at_end.by_unit or u.id in m_unit or u.id in carried_unit)
        or (u.id != own_id and _in_force(u, req.period))
    )
    by_topic = at_end.by_topic
    topic_order = list(TOPICS) + sorted(set(by_topic) - set(TOPICS))
    rows_topic = tuple(Row(t, TOPICS.get(t, (t, t))[0], TOPICS.get(t, (t, t))[1], by_topic[t],
                           as_of=later.by_topic.get(t, Figures()))
                       for t in topic_order if t in by_topic)
    order = list(names)
    by_prog = at_end.by_prog
    prog_keys = sorted(set(by_prog) | set(m_prog), key=lambda k: (order.index(k) if k in order else len(order), k))
    rows_prog = tuple(
        Row(k, names.get(k, (k, k))[0], names.get(k, (k, k))[1], by_prog.get(k, Figures()),
            m_prog.get(k, MeetingFigures()), later.by_prog.get(k, Figures()))
        for k in prog_keys)
    rows_month = tuple(
        Row(mo, f"Tháng {mo[5:7]}/{mo[:4]}", f"{mo[5:7]}/{mo[:4]}", at_end.by_month.get(mo, Figures()),
            m_month.get(mo, MeetingFigures()), later.by_month.get(mo, Figures()))
        for mo in req.period.months())
    return Report(
        period=req.period, unit=scope.unit.code if scope.unit else None, unit_name=scope.label(),
        programme=req.programme, generated_at=now, as_of=as_of, totals=at_end.total, totals_as_of=later.total,
        carried=carried, meetings=m_total, by_unit=rows_unit, by_topic=rows_topic, by_programme=rows_prog,
        by_month=rows_month, resolved_by_month=tuple(zip(req.period.months(), at_end.resolved_by_month)),
        split=tuple(Row(k, vi, en, figs) for k, vi, en, figs in split_rows(
            scope, req.period, lambda part: _totals(session, req, part, use_rollups))),
        at_level=level_timeliness(session, scope, req.period, req.programme, req.period.end_utc),
    )


def _totals(session: Session, req: ReportRequest, scope: Scope, use_rollups: bool) -> Figures:
    """The cohort's totals at the period's end over ``scope`` (a split's part)."""
    plan = rollup_plan(scope, req.period, None) if use_rollups else None
    return _tally(session, req, scope, defaultdict(int), req.period.end_utc, plan).total


def _in_force(unit: Unit, period: Period) -> bool:
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or unit.valid_to > period.start)
