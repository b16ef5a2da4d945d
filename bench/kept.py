"""The read-side run into a database that stays, and the read figures timed again on
it: a 1,000,000-case load takes minutes, so a change to a report, a list page or the
search is measured on the same database instead of a new one.

``python -m bench.kept load URL N OUT.json``: what ``python -m bench`` runs on the
read side (``bench.reads.run_read_benchmarks``: growth, sweeps, reports, pages,
search, HTTP, memory), into ``URL``, which is kept. ``python -m bench.kept retime URL
OUT.json``: the reports, the list pages and the searches again, on that database."""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.db import make_engine

from .dataset import NOW
from .pages import run_page_benchmarks
from .reads import run_read_benchmarks
from .report import print_reads
from .reports import timed_report
from .search import run_search_benchmarks


def _retime(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        out: dict[str, Any] = {"report": timed_report(engine, NOW, None),
                               "province_report": timed_report(engine, NOW, "P00")}
        gc.collect()
        gc.freeze()  # as bench.reads does before its pages
        context = f"re-timed on {engine.dialect.name}"
        out["pages"] = run_page_benchmarks(engine, context) + run_search_benchmarks(engine, context)
        return out
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "load":
        url, n, out = argv[1], int(argv[2]), Path(argv[3])
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            result = run_read_benchmarks(url, n, Path(tmp))
        print_reads(result)
        out.write_text(json.dumps({"scale": n, "seconds": time.perf_counter() - started, **result}, indent=2,
                                  default=str), encoding="utf-8")
        return 0
    if len(argv) == 3 and argv[0] == "retime":
        result = _retime(argv[1])
        for name in ("report", "province_report"):
            print(f"{name}: {result[name]['seconds']:.2f} s (CPU {result[name]['cpu']:.2f} s)")
        for p in result["pages"]:
            print(f"{p['name']:<55}  p50 {p['p50_ms']:>7.1f} ms  p99 {p['p99_ms']:>7.1f} ms")
        Path(argv[2]).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
        return 0
    print("usage: python -m bench.kept load URL N OUT.json | retime URL OUT.json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
