"""The read-side run. The database grows in two steps — a small one, then the
full size — with the same number of deadline timers due at each step, so the
sweep and the report are timed at both sizes and their ratio shows whether the
cost follows the work or the database. Then list pages, HTTP and memory at full
size. Every row carries the database's size as its context."""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from engine import migrate
from engine.db import make_engine
from engine.models import Case
from engine.models.rollups import fold

from .dataset import NOW, load_cases, load_meetings, load_province, sweep_instants
from .pages import run_page_benchmarks
from .reports import timed_report
from .search import run_search_benchmarks
from .serving import run_serving_benchmarks
from .sweep import timed_sweep

SWEEPS = 3  # per size; the median is reported
MEETINGS_PER_CASE = 1 / 330  # about 3,000 meetings a year for a million opinions


def database_mb(engine: Engine) -> float:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return float(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0) / 1e6
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
        size = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
        return float(pages * size) / 1e6


def _analyze(engine: Engine) -> None:
    # What autovacuum would have done to a PostgreSQL database that grew over a
    # year. SQLite gets none, as in production (its plans for these queries were
    # checked to be the same with and without statistics).
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def _fold(engine: Engine, after: int) -> float:
    """The report roll-ups of the cases loaded (the loader writes the facts with Core,
    past the hook that keeps them): what the migration's backfill does."""
    started = time.perf_counter()
    with engine.begin() as conn:
        ids = conn.execute(select(Case.id).where(Case.id > after)).scalars().all()
        fold(conn, ids)
    return time.perf_counter() - started


def _grow(engine: Engine, province: Any, start: int, stop: int, due: int, total: int) -> dict[str, Any]:
    started = time.perf_counter()
    with engine.connect() as conn:
        last = conn.scalar(select(func.max(Case.id))) or 0
    load_cases(engine, province, start, stop, due_timers=due, sweeps=SWEEPS, total_cases=total)
    load_meetings(engine, province, max(1, round((stop - start) * MEETINGS_PER_CASE)))
    seconds = time.perf_counter() - started
    rollup_seconds = _fold(engine, last)
    _analyze(engine)
    sweeps = [timed_sweep(engine, at) for at in sweep_instants(SWEEPS)]
    sweeps.sort(key=lambda r: r["seconds"])
    return {"cases": stop, "load_seconds": seconds, "rollup_seconds": rollup_seconds, "mb": database_mb(engine), "sweep": sweeps[len(sweeps) // 2],
            "report": timed_report(engine, NOW, None), "province_report": timed_report(engine, NOW, "P00")}


def _progress(name: str, figures: Any) -> None:
    print(json.dumps({name: figures}, default=str), file=sys.stderr, flush=True)


def run_read_benchmarks(url: str, n: int, tmp: Path) -> dict[str, Any]:
    small = min(10_000, max(1_000, n // 100))
    due = min(1_000, small // (10 * SWEEPS))
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        province = load_province(engine, n)
        steps = [_grow(engine, province, 0, small, due, n)]
        if n > small:
            steps.append(_grow(engine, province, small, n, due, n))
        context = f"{n:,} cases, {steps[-1]['mb']:.0f} MB"
        # The loader leaves this process a heap no web process has; its full garbage
        # collections showed up as ~90 ms single outliers in the page p99s (gone with
        # gc disabled). Park what exists now; the pages' own garbage is still
        # collected, and the HTTP figures below are the real server's, GC and all.
        gc.collect()
        gc.freeze()
        loaded = sum(s["load_seconds"] for s in steps)
        # Each phase's figures as soon as they exist: a big run that fails late
        # (a server that will not start) keeps what it measured.
        _progress("growth", steps)
        pages = run_page_benchmarks(engine, context) + run_search_benchmarks(engine, context)
        _progress("pages", pages)
        return {
            "load": {"cases": n, "seconds": loaded, "per_second": n / loaded},
            "growth": steps,
            "pages": pages,
            "serving": run_serving_benchmarks(engine, url, province.x0_received, context, tmp),
        }
    finally:
        engine.dispose()
