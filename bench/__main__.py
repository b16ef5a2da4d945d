"""Run the benchmarks, print a table and write bench/results.json.

Sizes are small by default (2 cores, a few minutes); BENCH_SCALE multiplies them.
BENCH_DATABASE_URL runs against another database (e.g. PostgreSQL); by default a
fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from pathlib import Path

from .writes import run_write_benchmarks

RESULTS = Path(__file__).with_name("results.json")


def main() -> int:
    scale = int(os.environ.get("BENCH_SCALE", "1000"))
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        rows = run_write_benchmarks(url, scale)
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'nghedan/s':>10}  {'raw Core/s':>10}  {'ratio':>6}")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['per_second']:>10.0f}  {r['baseline_per_second']:>10.0f}  {r['ratio']:>6.2f}")
    RESULTS.write_text(json.dumps({
        "python": sys.version.split()[0], "machine": platform.machine(), "scale": scale,
        "database": url.split(":")[0], "results": rows,
    }, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
