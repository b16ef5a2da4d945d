"""Keyset-paginated case lists for the API, Open311 and the web pages, always within
the actor's units.

Two orderings, each with a stable tiebreak on the row id so a page boundary never
drops or repeats a case:

* ``received`` (default) — newest opinion first: ``received_at DESC, id DESC``;
* ``due`` — most urgent first: ``due_at ASC`` with cases without a deadline last,
  then ``id ASC``. Read as two index-friendly walks rather than one ORDER BY on an
  expression: the cases with a deadline by ``(due_at, id)``, then those without by ``id``.

Text search folds Vietnamese diacritics and reads the search index
(``engine.search_index``); a search by citizen reaches only the cases whose citizen the
reader may see (``engine.citizen_search``). Rows leave as ``CaseRow`` values, never ORM
objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from .actors import Actor
from .codes import normalise_code
from .errors import InvalidField
from .models import Case, Unit, User, in_units, path_under
from .pagination import decode_cursor, encode_cursor
from .queries import scope_clause
from .citizen_search import citizen_matches, may_search_citizens
from .search_index import common, content_matches
from .succession import subtree_paths

__all__ = ["CaseQuery", "CaseRow", "CasePage", "ORDERS", "MAX_LIMIT", "page_cases", "count_cases", "case_row"]

ORDERS = ("received", "due")
MAX_LIMIT = 100
# Newest-first pages read windows of 7 days, 28, 112, ... (6 probes reach 21 years)
# before an unbounded read: see _newest_first.
FIRST_WINDOW, WINDOW_GROWTH, WINDOW_PROBES = timedelta(days=7), 4, 6


@dataclass(frozen=True)
class CaseQuery:
    states: Sequence[str] = ()
    unit: str | None = None  # the subtree of this unit, as origin or as handler
    topics: Sequence[str] = ()
    kinds: Sequence[str] = ()
    workflow: str | None = None
    channel: str | None = None
    codes: Sequence[str] = ()
    overdue_at: datetime | None = None  # open, deadline passed before this instant
    due_from: datetime | None = None  # deadline at or after this instant
    due_until: datetime | None = None  # deadline at or before this instant
    open_only: bool = False
    closed_only: bool = False
    final_states: Sequence[str] = ()
    received_from: datetime | None = None
    received_before: datetime | None = None
    text: str | None = None
    citizen: str | None = None  # the citizen's name or phone (engine.citizen_search)
    meeting: int | None = None
    order: str = "received"
    assignee_id: int | None = None  # assigned to this person (engine.assignment)
    unassigned: bool = False  # nobody assigned ("Chưa giao cho ai")
    # Handled in the actor's units after a stage that ended late elsewhere: missed
    # at another unit, then escalated or transferred here ("Đã quá hạn ở cấp dưới").
    late_below: bool = False


# Filters that are one column equal to one value: a new one (the assignee, say) is a
# field above and a line here.
_EQUALS = (("workflow", Case.workflow_key), ("channel", Case.channel), ("meeting", Case.meeting_id))


@dataclass(frozen=True)
class CaseRow:
    id: int
    code: str
    workflow: str
    state: str
    kind: str
    topic: str
    channel: str
    content: str
    origin_unit: str
    origin_unit_name: str
    handling_unit: str
    handling_unit_name: str
    received_at: datetime
    due_at: datetime | None
    updated_at: datetime
    answer: str | None
    version: int
    assignee: str | None = None
    assignee_name: str | None = None
    last_stage_outcome: str | None = None
    last_stage_ended_at: datetime | None = None
    last_stage_unit_id: int | None = None


@dataclass(frozen=True)
class CasePage:
    items: list[CaseRow]
    next_cursor: str | None


def case_row(c: Case) -> CaseRow:
    return CaseRow(
        id=c.id, code=c.code, workflow=c.workflow_key, state=c.state, kind=c.kind, topic=c.topic,
        channel=c.channel, content=c.content, origin_unit=c.origin_unit.code, origin_unit_name=c.origin_unit.name,
        handling_unit=c.handling_unit.code, handling_unit_name=c.handling_unit.name, received_at=c.received_at,
        due_at=c.due_at, updated_at=c.updated_at, answer=c.answer, version=c.version,
        assignee=c.assignee.username if c.assignee_id and c.assignee else None,
        assignee_name=(c.assignee.full_name or c.assignee.username) if c.assignee_id and c.assignee else None,
        last_stage_outcome=c.last_stage_outcome, last_stage_ended_at=c.last_stage_ended_at,
        last_stage_unit_id=c.last_stage_unit_id,
    )


def _filtered(session: Session, actor: Actor, query: CaseQuery, *, indexed: bool = True) -> Select[tuple[Case]]:
    """The cases in the actor's units that pass every filter of ``query``, unordered
    (``indexed``: a text search through the search index)."""
    stmt = select(Case).where(scope_clause(actor))
    if query.states:
        stmt = stmt.where(Case.state.in_(list(query.states)))
    if query.topics:
        stmt = stmt.where(Case.topic.in_(list(query.topics)))
    if query.kinds:
        stmt = stmt.where(Case.kind.in_(list(query.kinds)))
    for name, column in _EQUALS:
        value = getattr(query, name)
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    if query.codes:
        codes = [c for c in (normalise_code(x) for x in query.codes) if c]
        stmt = stmt.where(Case.code.in_(codes) if codes else false())
    if query.unit:
        unit = session.scalar(select(Unit).where(Unit.code == query.unit))
        if unit is None:
            raise InvalidField(field="unit", problem_vi=f"không có đơn vị “{query.unit[:40]}”",
                               problem_en=f"no unit “{query.unit[:40]}”")
        # The unit's subtree and, from the day of a merger, its predecessors' (engine.succession).
        paths = subtree_paths(session, unit, actor.on)
        under = select(Unit.id).where(or_(*[path_under(Unit.path, p) for p in paths]))
        stmt = stmt.where(or_(in_units(Case.origin_unit_id, under), in_units(Case.handling_unit_id, under)))
    finals = list(query.final_states)
    if query.open_only and finals:
        stmt = stmt.where(Case.state.not_in(finals))
    if query.closed_only:
        stmt = stmt.where(Case.state.in_(finals) if finals else false())
    if query.overdue_at is not None:
        stmt = stmt.where(Case.due_at.is_not(None), Case.due_at < query.overdue_at)
        if finals:
            stmt = stmt.where(Case.state.not_in(finals))
    if query.due_from is not None:
        stmt = stmt.where(Case.due_at >= query.due_from)
    if query.due_until is not None:
        stmt = stmt.where(Case.due_at <= query.due_until)
    if query.assignee_id is not None:
        stmt = stmt.where(Case.assignee_id == query.assignee_id)
    if query.unassigned:
        stmt = stmt.where(Case.assignee_id.is_(None))
    if query.late_below:
        held = aliased(Unit)
        mine = [path_under(held.path, p) for p in actor.scope_paths()]
        stmt = stmt.where(Case.last_stage_outcome == "missed", Case.last_stage_unit_id.is_not(None),
                          Case.last_stage_unit_id != Case.handling_unit_id,
                          in_units(Case.handling_unit_id, select(held.id).where(or_(*mine) if mine else false())))
        if finals:
            stmt = stmt.where(Case.state.not_in(finals))
    if query.received_from is not None:
        stmt = stmt.where(Case.received_at >= query.received_from)
    if query.received_before is not None:
        stmt = stmt.where(Case.received_at < query.received_before)
    if query.citizen:
        if not may_search_citizens(actor):
            raise InvalidField(field="citizen", problem_vi="vai trò của bạn không được tìm ý kiến theo người dân",
                               problem_en="your role may not search cases by citizen")
        by_citizen = citizen_matches(session, actor, query.citizen)
        if by_citizen is not None:
            stmt = stmt.where(by_citizen)
    if query.text:
        found = content_matches(session, query.text, indexed=indexed)
        code = normalise_code(query.text)
        if code is not None:
            found = Case.code == code if found is None else or_(found, Case.code == code)
        if found is not None:
            stmt = stmt.where(found)
    return stmt


def page_cases(session: Session, actor: Actor, query: CaseQuery, *, limit: int = 50,
               cursor: str | None = None, max_limit: int = MAX_LIMIT) -> CasePage:
    """One page of ``query`` and the cursor of the next (``None`` on the last page).
    A cursor that is not one this function gave out for ``query.order`` is an
    ``InvalidField`` on ``cursor``; an unknown ``query.unit`` one on ``unit``."""
    if query.order not in ORDERS:
        raise InvalidField(field="order", problem_vi=f"phải là một trong: {', '.join(ORDERS)}",
                           problem_en=f"must be one of: {', '.join(ORDERS)}")
    limit = max(1, min(limit, max_limit))
    # A common term (search_index.common): the reader's newest cases tested one by one
    # fill a page within the first windows; the index would gather the country's hits.
    walk = query.order == "received" and bool(query.text) and common(session, query.text)
    stmt = _filtered(session, actor, query, indexed=not walk)

    cases: list[Case] = []
    dated_rows: list[CaseRow] = []  # due order: the dated cases, read as rows
    if query.order == "received":
        at = None
        if cursor is not None:
            at, last = decode_cursor(cursor, "received", (datetime, int))
            stmt = stmt.where(Case.received_at <= at,
                              or_(Case.received_at < at, and_(Case.received_at == at, Case.id < last)))
        if query.text and not walk:
            # The search index is the selective part: its hits are read once, not
            # once per window.
            cases = list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit + 1)))
        else:
            cases = _newest_first(session, stmt, limit, at)
    else:
        due, last = decode_cursor(cursor, "due", ((datetime, None), int)) if cursor is not None else (None, 0)
        if cursor is None or due is not None:
            dated = stmt.where(Case.due_at.is_not(None))
            if due is not None:
                dated = dated.where(or_(Case.due_at > due, and_(Case.due_at == due, Case.id > last)))
            dated_rows = _by_ids(session, dated.with_only_columns(Case.id).order_by(Case.due_at, Case.id)
                                 .limit(limit + 1))
            last = 0
        # A deadline bound (overdue, due from/until) already rules the undated out;
        # asking anyway would walk every closed case's NULL deadline to find none.
        # The late-below section is bounded too: walking the undated (mostly closed)
        # cases by id for it cost the board a scan that grows with the database. A case
        # late below that now waits without a deadline (a paused stage) is left out.
        bounded = (query.overdue_at is not None or query.due_from is not None or query.due_until is not None
                   or query.late_below)
        if len(dated_rows) <= limit and not bounded:
            undated = stmt.where(Case.due_at.is_(None), Case.id > last).order_by(Case.id)
            cases += session.scalars(undated.limit(limit + 1 - len(dated_rows)))

    rows = dated_rows + [case_row(c) for c in cases]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last_row = rows[-1]
        key = (last_row.received_at, last_row.id) if query.order == "received" else (last_row.due_at, last_row.id)
        next_cursor = encode_cursor(query.order, key)
    return CasePage(rows, next_cursor)


_C, _O, _H, _A = Case.__table__, Unit.__table__.alias("origin"), Unit.__table__.alias("handling"), User.__table__
# What a list row shows, read as plain rows (no ORM objects: a board builds 300).
_ROWS = (select(_C.c.id, _C.c.code, _C.c.workflow_key, _C.c.state, _C.c.kind, _C.c.topic, _C.c.channel, _C.c.content,
                _O.c.code, _O.c.name, _H.c.code, _H.c.name, _C.c.received_at, _C.c.due_at, _C.c.updated_at,
                _C.c.answer, _C.c.version, _A.c.username, _A.c.full_name, _C.c.last_stage_outcome,
                _C.c.last_stage_ended_at, _C.c.last_stage_unit_id)
         .join(_O, _O.c.id == _C.c.origin_unit_id).join(_H, _H.c.id == _C.c.handling_unit_id)
         .outerjoin(_A, _A.c.id == _C.c.assignee_id))


def _by_ids(session: Session, ids: Select[tuple[int]]) -> list[CaseRow]:
    """The rows ``ids`` picks, in its order. The scope's OR gathers and sorts every
    match (a province's overdue cases) before the limit: ids from the index alone
    (``ix_cases_*_due_state`` carries what the board filters on), then the page's
    rows, each read once, with their units."""
    picked = list(session.scalars(ids))
    if not picked:
        return []
    found = {}
    for r in session.execute(_ROWS.where(_C.c.id.in_(picked))):
        (cid, code, workflow, state, kind, topic, channel, content, origin, origin_name, handling, handling_name,
         received_at, due_at, updated_at, answer, version, username, full_name, outcome, ended_at, stage_unit) = r
        found[cid] = CaseRow(
            id=cid, code=code, workflow=workflow, state=state, kind=kind, topic=topic, channel=channel,
            content=content, origin_unit=origin, origin_unit_name=origin_name, handling_unit=handling,
            handling_unit_name=handling_name, received_at=received_at, due_at=due_at, updated_at=updated_at,
            answer=answer, version=version, assignee=username, assignee_name=(full_name or username) if username else None,
            last_stage_outcome=outcome, last_stage_ended_at=ended_at, last_stage_unit_id=stage_unit)
    return [found[i] for i in picked if i in found]


def _newest_first(session: Session, stmt: Select[tuple[Case]], limit: int, upper: datetime | None) -> list[Case]:
    """The first ``limit + 1`` cases of ``stmt``, newest first, read through widening
    windows of ``received_at`` below ``upper`` (the cursor's, or the newest case's).

    The scope's OR reads one index per side and must sort what they return; without
    a window that is every case of the actor's units (a province's tens of
    thousands), with one it is about one window's worth. A window holding more
    than ``limit`` rows holds the page: every row outside it is older than all of
    them. Sparse scopes take a few more, cheap, probes; the last is unbounded.
    """
    ordered = stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit + 1)
    anchor = upper if upper is not None else session.scalar(
        select(Case.received_at).order_by(Case.id.desc()).limit(1))
    if anchor is not None:
        width = FIRST_WINDOW
        for _ in range(WINDOW_PROBES):
            cases = list(session.scalars(ordered.where(Case.received_at >= anchor - width)))
            if len(cases) > limit:
                return cases
            width *= WINDOW_GROWTH
    return list(session.scalars(ordered))


def count_cases(session: Session, actor: Actor, query: CaseQuery, *, cap: int) -> int:
    """How many cases ``query`` finds, counting no further than ``cap``: "1000+"
    says enough, and stays fast with a million cases."""
    capped = _filtered(session, actor, query).with_only_columns(Case.id).limit(cap).subquery()
    return session.scalar(select(func.count()).select_from(capped)) or 0
