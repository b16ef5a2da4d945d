"""Run the benchmarks, print a table and write bench/results.json.

Sizes are small by default (2 cores, a few minutes). BENCH_SCALE sets the cases
bulk-loaded for the sweep, report, list-page, HTTP and memory runs (default 20,000;
1000000 for the big run); BENCH_WRITES the cases written through the service by the
write benchmarks (default 1,000: a throughput, it needs no big database).
BENCH_DATABASE_URL runs against another database (e.g. PostgreSQL); by default
fresh SQLite files in a temporary directory. BENCH_UPLOADS: how many 1 MB photos the
upload benchmark attaches (default 20; ``python -m bench.uploads`` runs it alone).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from pathlib import Path

from .reads import run_read_benchmarks
from .report import print_reads, print_writes
from .uploads import print_uploads, run_upload_benchmarks
from .writes import run_write_benchmarks

RESULTS = Path(__file__).with_name("results.json")


def _fresh(url: str) -> str:
    """An empty database for each phase: on SQLite a new file each, on a server the
    same database emptied (the phases create the same users and units)."""
    if not url.startswith("sqlite"):
        from sqlalchemy import text

        from engine.db import make_engine

        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return url


def main() -> int:
    reads_n = int(os.environ.get("BENCH_SCALE") or 20_000)
    writes_n = int(os.environ.get("BENCH_WRITES") or 1_000)
    uploads_n = int(os.environ.get("BENCH_UPLOADS") or 20)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL")
        rows = run_write_benchmarks(_fresh(url or f"sqlite:///{tmp}/bench.db"), writes_n)
        reads = run_read_benchmarks(_fresh(url or f"sqlite:///{tmp}/pages.db"), reads_n, Path(tmp))
        (Path(tmp) / "uploads").mkdir()
        uploads = run_upload_benchmarks(_fresh(url or f"sqlite:///{tmp}/uploads.db"), uploads_n,
                                        Path(tmp) / "uploads")
    print_writes(rows)
    print_reads(reads)
    print_uploads(uploads)
    RESULTS.write_text(json.dumps({
        "python": sys.version.split()[0], "machine": platform.machine(), "cpus": os.cpu_count(),
        "scale": writes_n, "read_scale": reads_n, "database": (url or "sqlite").split(":")[0],
        "results": rows, **reads, "uploads": uploads,
    }, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
