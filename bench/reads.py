"""The read-side run: bulk-load a list-page database, then list pages, HTTP and
memory over it. Every row carries the database's size as its context."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from engine import migrate
from engine.db import make_engine

from .load_cases import load_cases, load_directory
from .pages import run_page_benchmarks
from .serving import run_serving_benchmarks


def database_mb(engine: Engine) -> float:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return float(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0) / 1e6
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
        size = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
        return float(pages * size) / 1e6


def run_read_benchmarks(url: str, n: int, tmp: Path) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        started = time.perf_counter()
        load_directory(engine)
        mine = load_cases(engine, n)
        load_seconds = time.perf_counter() - started
        context = f"{n:,} cases, {database_mb(engine):.0f} MB"
        return {
            "load": {"cases": n, "seconds": load_seconds, "per_second": n / load_seconds},
            "pages": run_page_benchmarks(engine, context),
            "serving": run_serving_benchmarks(engine, url, mine, context, tmp),
        }
    finally:
        engine.dispose()
