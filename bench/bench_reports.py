"""Benchmark (not a test): the report summary for a province with 1,000,000 cases on SQLite.

    .venv/bin/python -m bench.bench_reports [--cases 1000000] [--small 10000] [--runs 3]

Builds a province of 50 communes of 10 villages with the given number of opinions
received over the first half of 2026 (85 % resolved — mostly on time, some only
after an extension, some late —, 3 % merged or withdrawn, 12 % still open, half of
those overdue) and about 3,000 meetings, then times ``build_report`` for the
province and the half-year (everything the ``/reports`` page and the API need: the
totals, every breakdown, the meetings) and, separately, rendering it as JSON.
Target: under 1 s at 1,000,000 cases. Rows are written with plain sqlite3 for speed:
``case_facts`` as the event hook would have written them, and events only for the
open cases (the only ones whose history the report reads).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event

from engine import migrate
from engine.actors import SYSTEM
from engine.calendar import LOCAL_TZ
from engine.db import make_engine, make_session_factory
from engine.reports import Period, ReportRequest, build_report
from engine.reports.export import report_json

START = datetime(2026, 1, 1, tzinfo=LOCAL_TZ)
PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
COMMUNES, VILLAGES = 50, 10
CHUNK = 50_000
TOPICS = ("giao_thong", "dat_dai", "moi_truong", "an_sinh_xa_hoi", "an_ninh_trat_tu", "xay_dung", "y_te",
          "giao_duc", "nong_nghiep", "dien_nuoc", "nguoi_co_cong", "thu_tuc_hanh_chinh", "khac")
PROGRAMMES = ("nghe-dan-noi", "moi-tuan-mot-diem-den")


def stamp(dt: datetime | None) -> str | None:
    # How SQLAlchemy stores a DateTime on SQLite (naive UTC, microseconds).
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if dt else None


def build(path: Path, n_cases: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    villages = _tree(con)
    rnd = random.Random(7)
    span = (datetime(2026, 7, 1, tzinfo=LOCAL_TZ) - START).total_seconds()
    for first in range(1, n_cases + 1, CHUNK):
        cases, facts, events = [], [], []
        for cid in range(first, min(n_cases, first + CHUNK - 1) + 1):
            village = villages[cid % len(villages)]
            received = START + timedelta(seconds=rnd.random() * span)
            topic, programme = TOPICS[cid % len(TOPICS)], PROGRAMMES[cid % 7 == 0]
            fate = rnd.random()
            on_site = escalated = resolved = closed = met = extended = missed = sat_at = None
            satisfaction = None
            state = "received"
            due = received + timedelta(days=14)
            if fate < 0.85:
                done = received + timedelta(days=rnd.uniform(0.1, 20))
                if rnd.random() < 0.55:
                    on_site = received + timedelta(minutes=30)
                else:
                    escalated = received + timedelta(days=1)
                resolved = closed = done
                kind = rnd.random()
                met = received + timedelta(hours=1)
                extended = done if 0.90 <= kind < 0.95 else None
                missed = done if kind >= 0.95 else None
                sat_at = done - timedelta(hours=1)
                satisfaction = "satisfied" if rnd.random() < 0.9 else "not_satisfied"
                state = "resolved"
            elif fate < 0.88:
                closed = received + timedelta(days=2)
                state = "withdrawn"
            else:
                due = received + timedelta(days=rnd.choice((3, 400)))  # half overdue at the end of June
                events.append((cid, 1, stamp(received), "canbo", "receive", None, "received", "",
                               json.dumps({"due_at": due.astimezone(timezone.utc).isoformat()}), "0" * 64, "0" * 64))
            cases.append((cid, f"P-2026-{cid:07d}", programme, state, "kien_nghi", topic, "meeting", "Ý kiến",
                          village, village, stamp(received), stamp(received), stamp(due), stamp(received),
                          stamp(received), 1, "0" * 64, 1))
            facts.append((cid, village, programme, "kien_nghi", topic, stamp(received),
                          received.astimezone(LOCAL_TZ).strftime("%Y-%m"), stamp(on_site), stamp(escalated),
                          stamp(resolved), stamp(closed), stamp(met), stamp(extended), stamp(missed), satisfaction,
                          stamp(sat_at)))
        con.executemany(
            "INSERT INTO cases (id, code, workflow_key, state, kind, topic, channel, content, origin_unit_id,"
            " handling_unit_id, received_at, stage_started_at, due_at, created_at, updated_at, event_count,"
            " head_hash, version) VALUES (" + ",".join("?" * 18) + ")", cases)
        con.executemany("INSERT INTO case_facts (case_id, origin_unit_id, workflow_key, kind, topic, received_at,"
                        " received_month, on_site_at, escalated_at, resolved_at, closed_at, met_at, extended_at,"
                        " missed_at, satisfaction, satisfaction_at) VALUES (" + ",".join("?" * 16) + ")", facts)
        con.executemany("INSERT INTO case_events (case_id, seq, at, actor, trigger, from_state, to_state, note,"
                        " data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)", events)
        con.commit()
    meetings = []
    for i in range(3000):
        village = villages[i % len(villages)]
        held = date(2026, 1 + i % 6, 1 + i % 28)
        meetings.append((PROGRAMMES[i % 5 == 0], held.isoformat(), village, "", "", 20 + i % 30,
                         stamp(datetime(2026, 7, 1, tzinfo=timezone.utc))))
    con.executemany("INSERT INTO meetings (programme, held_on, unit_id, place, hosts, attendees, created_at)"
                    " VALUES (?,?,?,?,?,?,?)", meetings)
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _tree(con: sqlite3.Connection) -> list[int]:
    con.execute("INSERT INTO units (id, code, name, level, parent_id, path) VALUES (1, 'P', 'Tỉnh', 'province', NULL, '/1/')")
    villages = []
    for c in range(COMMUNES):
        cid = 2 + c * (VILLAGES + 1)
        con.execute("INSERT INTO units (id, code, name, level, parent_id, path) VALUES (?,?,?,?,?,?)",
                    (cid, f"X{c:02d}", f"Xã {c}", "commune", 1, f"/1/{cid}/"))
        for v in range(VILLAGES):
            vid = cid + 1 + v
            con.execute("INSERT INTO units (id, code, name, level, parent_id, path) VALUES (?,?,?,?,?,?)",
                        (vid, f"X{c:02d}-{v}", f"Ấp {v}", "village", cid, f"/1/{cid}/{vid}/"))
            villages.append(vid)
    con.commit()
    return villages


def timed_report(path: Path) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_session_factory(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    now = datetime(2026, 7, 5, 2, 0, tzinfo=timezone.utc)
    with sessions() as session:
        session.execute(__import__("sqlalchemy").text("SELECT 1"))  # connection opened outside the timing
        statements.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        report = build_report(session, SYSTEM, ReportRequest(PERIOD, "P"), now=now)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        started = time.perf_counter()
        report_json(report)
        render = time.perf_counter() - started
    engine.dispose()
    return {"seconds": elapsed, "cpu": cpu, "render": render, "report": report, "statements": len(statements)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="reports per size; the median time is reported")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the databases (default: a temp dir)")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="nghedan-bench-reports-"))
    root.mkdir(parents=True, exist_ok=True)
    timed: dict[int, float] = {}
    for n in (args.small, args.cases):
        base = root / f"report-{n}.db"
        if not base.exists():
            started = time.perf_counter()
            build(base, n)
            print(f"built {n:,} cases in {time.perf_counter() - started:.1f} s ({base.stat().st_size / 1e6:.0f} MB)")
        timed_report(base)  # warm the page cache once
        runs = [timed_report(base) for _ in range(args.runs)]
        timed[n] = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        rep = runs[-1]["report"]
        t = rep.totals
        print(f"{n:>9,} cases: report {timed[n]:.3f} s wall, {cpu:.3f} s CPU (median of {args.runs}), "
              f"JSON {runs[-1]['render'] * 1000:.0f} ms, {runs[-1]['statements']} statements; "
              f"received {t.received:,}, resolved {t.resolved:,} ({t.share_resolved} %), on time {t.on_time:,}, "
              f"extended {t.extended:,}, late {t.late:,}, still overdue {t.still_overdue:,}; "
              f"{rep.meetings.meetings:,} meetings; {len(rep.by_unit)} unit rows")
    print(f"1 s budget at {args.cases:,} cases: {'met' if timed[args.cases] < 1 else 'NOT met'} "
          f"({timed[args.cases]:.3f} s)")


if __name__ == "__main__":
    main()
