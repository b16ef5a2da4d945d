"""Newest-first pages read widening windows of received_at (engine.listing): the
pages must be exactly the full ordering cut into pieces, however the cases are
spread in time, whatever order they were recorded in, and with ties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from engine.listing import CaseQuery, page_cases
from engine.models import Case
from engine.services.cases import NewCase


def _record(service, actor, when_list):
    item = dict(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="Đường hư")
    return service.create_many(actor, [NewCase(**item, received_at=w.isoformat()) for w in when_list])


def _all_pages(sessions, actor, limit):
    seen, cursor = [], None
    while True:
        with sessions() as s:
            page = page_cases(s, actor, CaseQuery(), limit=limit, cursor=cursor)
        seen += [row.code for row in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("limit", [1, 4, 7, 50])
def test_pages_are_the_full_ordering_whatever_the_spread(world, service, sessions, clock, limit):
    now = clock.now()
    actor = world["off_a"]
    # A burst today, a sparse tail over three years, identical instants, and
    # opinions from old notebooks typed in last (newest ids, oldest dates).
    _record(service, actor, [now - timedelta(minutes=m) for m in range(12)])
    _record(service, actor, [now - timedelta(days=40 * k) for k in range(1, 28)])
    _record(service, actor, [now - timedelta(days=3)] * 5)
    _record(service, actor, [now - timedelta(days=2000 + k) for k in range(4)])
    with sessions() as s:
        expected = list(s.scalars(select(Case.code).order_by(Case.received_at.desc(), Case.id.desc())))
    assert len(expected) == 48
    assert _all_pages(sessions, actor, limit) == expected


def test_a_dense_scope_reads_one_window_not_every_case(world, service, sessions, clock, engine):
    # 30 opinions this week, 30 a year ago: the first page of 10 must not read the old ones.
    now = clock.now()
    actor = world["off_a"]
    _record(service, actor, [now - timedelta(hours=h) for h in range(30)])
    _record(service, actor, [now - timedelta(days=365, hours=h) for h in range(30)])
    fetched: list[str] = []

    @event.listens_for(engine, "after_cursor_execute")
    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM cases" in statement and "ORDER BY cases.received_at DESC" in statement:
            fetched.append(statement)

    with sessions() as s:
        page = page_cases(s, actor, CaseQuery(), limit=10)
    event.remove(engine, "after_cursor_execute", count)
    assert len(page.items) == 10 and page.items[0].received_at >= page.items[-1].received_at
    # One read, and a bounded one: the first, seven-day window held the page.
    assert len(fetched) == 1 and "cases.received_at >=" in fetched[0]
