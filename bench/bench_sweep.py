"""Benchmark (not a test): one sweep on SQLite with 1,000,000 cases, 1,000 of them due.

    .venv/bin/python -m bench.bench_sweep [--cases 1000000] [--due 1000] [--small 10000]

Builds two databases with the same 1,000 due timers (by default 400 reminders, 400
overdue alerts, 200 auto-escalations; ``--escalations`` sets the share) among 10,000 and among 1,000,000 cases (every other
case has two pending timers in the future), sweeps each once and prints the time,
the rows the claim read, the statements run and the ratio of the two times. The
sweep's cost should follow the due timers, not the cases: target under 1 s and a
ratio below 2. Rows are written with plain sqlite3 for speed; only the due cases get
their history (the sweep never reads another case's events).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import event

from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.deadline_rules import claim_statement, sweep
from workflows import load_builtin

NOW = datetime(2026, 12, 9, 2, 0, tzinfo=timezone.utc)  # Wed 09/12/2026 09:00 in Hà Nội
COMMUNES, VILLAGES = 50, 10
CHUNK = 20_000


def stamp(dt: datetime) -> str:
    # How SQLAlchemy stores a DateTime on SQLite (naive UTC, microseconds).
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, n_cases: int, n_due: int, escalations: int = 20) -> None:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    villages = _tree(con)
    step = max(1, n_cases // n_due)
    due_ids = set(range(1, n_cases + 1, step)[:n_due])
    order = {cid: k for k, cid in enumerate(sorted(due_ids))}
    # escalations % of the due timers escalate (the costly kind); the rest are half
    # reminders, half overdue alerts.
    def kind(k: int) -> str:
        if k % 100 < escalations:
            return "auto_escalate"
        return "remind" if k % 2 else "overdue"

    kinds = {cid: kind(k) for cid, k in order.items()}
    for start in range(1, n_cases + 1, CHUNK):
        ids = range(start, min(n_cases, start + CHUNK - 1) + 1)
        cases, timers, events = [], [], []
        for cid in ids:
            # The due cases spread over the villages the same way whatever the size.
            village = villages[(order[cid] if cid in order else cid) % len(villages)]
            rule = kinds.get(cid)
            due = NOW + {"remind": timedelta(days=2), "overdue": timedelta(days=-1),
                         "auto_escalate": timedelta(days=-6)}.get(rule or "", timedelta(days=10))
            received = due - timedelta(days=14)
            cases.append((cid, f"P-2026-{cid:07d}", "nghe-dan-noi", "received", "kien_nghi", "giao_thong", "meeting",
                          "Đường hư hỏng", village, village, stamp(received), stamp(received), stamp(due),
                          stamp(received), stamp(received), 1, "0" * 64, 1, 1))
            if rule is None:
                timers += [(cid, "overdue", 1, "received", stamp(due + timedelta(seconds=1)), "pending", stamp(received)),
                           (cid, "auto_escalate", 1, "received", stamp(due + timedelta(days=3)), "pending",
                            stamp(received))]
            else:
                timers.append((cid, rule, 1, "received", stamp(NOW - timedelta(hours=1)), "pending", stamp(received)))
                events.append((cid, 1, stamp(received), "canbo", "receive", None, "received", "",
                               json.dumps({"due_at": due.isoformat()}), "0" * 64, "0" * 64))
        con.executemany(
            "INSERT INTO cases (id, code, workflow_key, state, kind, topic, channel, content, origin_unit_id,"
            " handling_unit_id, received_at, stage_started_at, due_at, created_at, updated_at, event_count,"
            " head_hash, version, stage_seq) VALUES (" + ",".join("?" * 19) + ")", cases)
        con.executemany("INSERT INTO timers (case_id, rule, stage_seq, state, due_at, status, created_at, result)"
                        " VALUES (?,?,?,?,?,?,?,'')", timers)
        con.executemany("INSERT INTO case_events (case_id, seq, at, actor, trigger, from_state, to_state, note,"
                        " data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)", events)
        con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _tree(con: sqlite3.Connection) -> list[int]:
    """A province of 50 communes of 10 villages, a leader and an official per commune."""
    con.execute("INSERT INTO units (id, code, name, level, parent_id, path) VALUES (1, 'P', 'Tỉnh', 'province', NULL, '/1/')")
    villages, uid = [], 0
    for c in range(COMMUNES):
        cid = 2 + c * (VILLAGES + 1)
        con.execute("INSERT INTO units (id, code, name, level, parent_id, path) VALUES (?,?,?,?,?,?)",
                    (cid, f"X{c}", f"Xã {c}", "commune", 1, f"/1/{cid}/"))
        for role in ("leader", "official"):
            uid += 1
            con.execute("INSERT INTO users (id, username, full_name, password_hash, language, is_active, created_at)"
                        " VALUES (?,?,?,?,?,?,?)", (uid, f"u{uid}", "", "-", "vi", 1, stamp(NOW)))
            con.execute("INSERT INTO role_grants (user_id, role, unit_id) VALUES (?,?,?)", (uid, role, cid))
        for v in range(VILLAGES):
            vid = cid + 1 + v
            con.execute("INSERT INTO units (id, code, name, level, parent_id, path) VALUES (?,?,?,?,?,?)",
                        (vid, f"X{c}-{v}", f"Ấp {v}", "village", cid, f"/1/{cid}/{vid}/"))
            villages.append(vid)
    con.commit()
    return villages


class Source:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.session_factory = make_session_factory(self.engine)
        self.workflows = load_builtin()
        self.office_close = clock_time(17, 0)


def timed_sweep(base: Path, work: Path) -> dict[str, Any]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, work)
    # Flush the copy's dirty pages now, or their write-back competes with the sweep.
    os.sync()
    source = Source(f"sqlite:///{work}")
    statements: list[str] = []
    event.listen(source.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    started, cpu_started = time.perf_counter(), time.process_time()
    result = sweep(source, NOW, batch_size=200)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with source.engine.connect() as conn:
        compiled = claim_statement(NOW, 200, "sqlite").compile(dialect=source.engine.dialect)
        params = compiled.construct_params()
        values = [params[n].replace(tzinfo=None) if isinstance(params[n], datetime) else params[n]
                  for n in compiled.positiontup]
        plan = " / ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(values)))
    source.engine.dispose()
    return {"seconds": elapsed, "cpu": cpu, "result": result, "statements": len(statements), "plan": plan}


def best_of(base: Path, work: Path, runs: int) -> Iterator[dict[str, Any]]:
    for _ in range(runs):
        yield timed_sweep(base, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3, help="sweeps per size; the median time is reported")
    parser.add_argument("--escalations", type=int, default=20, help="percent of the due timers that escalate")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the databases (default: a temp dir)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="nghedan-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    warm_up(root)
    timed: dict[int, float] = {}
    cpu: dict[int, float] = {}
    for n in (args.small, args.cases):
        base = root / f"cases-{n}-due-{args.due}-esc-{args.escalations}.db"
        if not base.exists():
            started = time.perf_counter()
            build(base, n, args.due, args.escalations)
            print(f"built {n:,} cases in {time.perf_counter() - started:.1f} s ({base.stat().st_size / 1e6:.0f} MB)")
        runs = list(best_of(base, root / "run.db", args.runs))
        timed[n] = statistics.median(r["seconds"] for r in runs)
        cpu[n] = statistics.median(r["cpu"] for r in runs)
        last = runs[-1]
        r = last["result"]
        print(f"{n:>9,} cases: sweep {timed[n]:.3f} s wall, {cpu[n]:.3f} s CPU (median of {args.runs}); "
              f"claimed {r.claimed} timers (reminders {r.reminders}, overdue {r.overdue}, "
              f"escalations {r.escalations}), {r.messages} messages, {last['statements']} statements, "
              f"{r.batches} batches")
        print(f"           claim plan: {last['plan']}")
    print(f"time({args.cases:,}) / time({args.small:,}) = {timed[args.cases] / timed[args.small]:.2f} wall, "
          f"{cpu[args.cases] / cpu[args.small]:.2f} CPU  (target < 2)")
    print(f"1 s budget at {args.cases:,} cases: {'met' if timed[args.cases] < 1 else 'NOT met'} (wall), "
          f"{'met' if cpu[args.cases] < 1 else 'NOT met'} (CPU; wall time includes other processes' load)")


def warm_up(root: Path) -> None:
    """One small sweep first, so imports (the holidays package loads every country)
    and the calendar's per-year caches are not charged to the first measured run."""
    base = root / "warm-up.db"
    if not base.exists():
        build(base, 200, 20)
    timed_sweep(base, root / "run.db")


if __name__ == "__main__":
    main()
