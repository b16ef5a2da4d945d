"""One deadline sweep, timed: the due timers fired, the statements run, CPU and
wall time. The sweep's cost should follow the due timers, not the cases, so the
read-side run times it on a small database and again once it has grown, with the
same number of timers due each time (``bench.reads``)."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as clock_time
from typing import Any

from sqlalchemy import Engine, event

from engine.db import make_session_factory
from engine.deadline_rules import sweep
from workflows import load_builtin

__all__ = ["timed_sweep"]

BATCH = 200


class _Source:
    def __init__(self, engine: Engine) -> None:
        self.session_factory = make_session_factory(engine)
        self.workflows = load_builtin()
        self.office_close = clock_time(17, 0)


def timed_sweep(engine: Engine, at: datetime) -> dict[str, Any]:
    source = _Source(engine)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = sweep(source, at, batch_size=BATCH)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return {"seconds": seconds, "cpu": cpu, "claimed": result.claimed, "reminders": result.reminders,
            "overdue": result.overdue, "escalations": result.escalations, "messages": result.messages,
            "statements": len(statements)}
