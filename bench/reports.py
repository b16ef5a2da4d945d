"""The province's report for the year, timed: everything the ``/reports`` page and
the API need (totals, every breakdown, the meetings), then rendering it as JSON."""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from engine.actors import SYSTEM
from engine.db import make_session_factory
from engine.reports import Period, ReportRequest, build_report
from engine.reports.export import report_json

__all__ = ["timed_report"]

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
RUNS = 3


def timed_report(engine: Engine, now: datetime, unit: str | None) -> dict[str, Any]:
    """The median of RUNS reports for ``unit`` (None: the whole country) after one
    to warm the caches."""
    sessions = make_session_factory(engine)
    samples, cpu, render = [], [], []
    for run in range(RUNS + 1):
        with sessions() as session:
            started, cpu_started = time.perf_counter(), time.process_time()
            report = build_report(session, SYSTEM, ReportRequest(YEAR, unit), now=now)
            built, cpu_used = time.perf_counter(), time.process_time() - cpu_started
            report_json(report)
            if run:
                samples.append(built - started)
                cpu.append(cpu_used)
                render.append(time.perf_counter() - built)
    t = report.totals
    return {"seconds": statistics.median(samples), "cpu": statistics.median(cpu),
            "json_seconds": statistics.median(render), "received": t.received, "resolved": t.resolved,
            "still_overdue": t.still_overdue, "meetings": report.meetings.meetings}
