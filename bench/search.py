"""Search latency at a stated size: a province leader's (and a commune leader's)
content search through the search index (``engine.search_index``), the first page
of ``engine.listing.page_cases`` with ``text``, p50/p99 over REPEATS runs each.

Three searches: a common complaint (one case in eight), a rare phrase (one in
997) and words no case holds. Run alone on a fresh database:
``BENCH_SCALE=20000 python -m bench.search`` (default 20,000; at most 50,000 on a
shared machine — the 1,000,000-case figure is the big run's). Also part of
``make bench`` (``bench.reads``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

from sqlalchemy import Engine

from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.listing import CaseQuery, count_cases, page_cases
from engine.services import directory

from .dataset import CONTENTS, LEADER, PROVINCE_LEADER, RARE, load_cases, load_province
from .pages import PAGE, _timed
from .stats import percentiles  # noqa: F401  (re-exported for a standalone run's table)

TARGET_MS = 100.0
SEARCHES = (("common", "nuoc sinh hoat bi duc"), ("rare", RARE), ("none", "khong ai viet the nay"))
assert "nước sinh hoạt bị đục" in CONTENTS[1]


def _rows_for(engine: Engine, username: str, who: str, context: str) -> list[dict[str, Any]]:
    sessions = make_session_factory(engine)
    with sessions() as s:
        actor = directory.actor_for(s, username)
        in_scope = count_cases(s, actor, CaseQuery(), cap=10_000_000)
    rows = []
    for label, typed in SEARCHES:
        query = CaseQuery(text=typed)
        with sessions() as s:
            found = count_cases(s, actor, query, cap=10_000_000)

        def once(query: CaseQuery = query) -> None:
            with sessions() as s:
                page_cases(s, actor, query, limit=PAGE)

        rows.append({"name": f"search ({label}, {found:,} found), {who}", "target_p99_ms": TARGET_MS,
                     "context": f"{context}, {who} ({in_scope:,} cases in scope)", **_timed(once)})
    return rows


def run_search_benchmarks(engine: Engine, context: str) -> list[dict[str, Any]]:
    """A commune leader's searches, then a province leader's."""
    return (_rows_for(engine, LEADER, "commune leader", context)
            + _rows_for(engine, PROVINCE_LEADER, "province leader", context))


def main() -> int:
    n = int(os.environ.get("BENCH_SCALE") or 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/search.db"
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            province = load_province(engine, n)
            load_cases(engine, province, 0, n)
            if engine.dialect.name == "postgresql":
                with engine.connect() as conn:
                    conn.exec_driver_sql("ANALYZE")
                    conn.commit()
            rows = run_search_benchmarks(engine, f"{n:,} cases, {engine.dialect.name}")
        finally:
            engine.dispose()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  p50 {r['p50_ms']:>6.1f} ms  p99 {r['p99_ms']:>6.1f} ms  "
              f"(target p99<{r['target_p99_ms']:.0f})  {r['context']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
