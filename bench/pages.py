"""List-page latency for a commune leader and a province leader: the overdue board
(``web.pages.data.board``) and ``engine.listing.page_cases`` first and 100th page
(or the last, when the scope has fewer), p50/p99 over REPEATS runs each."""

from __future__ import annotations

import time
from typing import Any, Callable

from sqlalchemy import Engine

from engine.listing import CaseQuery, count_cases, page_cases
from engine.db import make_session_factory
from engine.services import calendars, directory
from web.pages.data import board
from web.pages.i18n import Translator
from workflows import load_builtin

from .dataset import LEADER, NOW, PROVINCE_LEADER
from .stats import percentiles

REPEATS = 50
PAGE = 50
TARGET_MS = 50.0


def _timed(work: Callable[[], Any]) -> dict[str, float]:
    work()  # warm statement caches
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    p50, p99 = percentiles(samples)
    return {"p50_ms": p50, "p99_ms": p99}


def _rows_for(engine: Engine, username: str, who: str, context: str) -> list[dict[str, Any]]:
    sessions = make_session_factory(engine)
    workflows = load_builtin()
    t = Translator("vi")
    with sessions() as s:
        actor = directory.actor_for(s, username)
        in_scope = count_cases(s, actor, CaseQuery(), cap=10_000_000)
    query = CaseQuery()

    def board_once() -> None:
        with sessions() as s:
            board(s, actor, workflows, t, calendars.load_calendar(s), NOW)

    def page_at(cursor: str | None) -> Callable[[], None]:
        def once() -> None:
            with sessions() as s:
                page_cases(s, actor, query, limit=PAGE, cursor=cursor)
        return once

    cursor, reached = None, 1
    with sessions() as s:
        while reached < 100:
            following = page_cases(s, actor, query, limit=PAGE, cursor=cursor).next_cursor
            if following is None:
                break
            cursor, reached = following, reached + 1
    context += f", {who} ({in_scope:,} cases in scope)"
    return [
        {"name": f"overdue board, {who}", "context": context, "target_p99_ms": TARGET_MS, **_timed(board_once)},
        {"name": f"/cases page 1, {who}", "context": context, "target_p99_ms": TARGET_MS,
         **_timed(page_at(None))},
        {"name": f"/cases page {reached}" + ("" if reached == 100 else " (last)") + f", {who}", "context": context,
         "target_p99_ms": TARGET_MS, **_timed(page_at(cursor))},
    ]


def run_page_benchmarks(engine: Engine, context: str) -> list[dict[str, Any]]:
    """A commune leader's pages, then a province leader's."""
    return (_rows_for(engine, LEADER, "commune leader", context)
            + _rows_for(engine, PROVINCE_LEADER, "province leader", context))
