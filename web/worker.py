"""The worker process (``nghedan worker``): the only place a scheduler ever runs.

Web processes never schedule anything: with several uvicorn workers each would run
its own sweeps, and a request thread is no place for minute-long jobs. The worker is
a separate process running APScheduler 3 in UTC (its loop in a thread of its own, so a
signal never lands inside the scheduler's code); its jobs
are plain functions (tested directly, without a scheduler). Only one worker is
active at a time — a PostgreSQL advisory lock, or a lock file next to the SQLite
database's real path (so a symlink, a relative path or ``./`` name the same lock) —
and a second one waits, taking over when the first dies (the operating system
releases both kinds of lock with the process). On SIGTERM the running job finishes
before the lock goes, so a waiting worker never overlaps it. The sweep would be
correct with two workers anyway; the lock only saves the work. Every job gets the
process's container (``web.container``), and with it its settings and clock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import IO, Any, Callable

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, Engine, text

from notifications import run_once as run_deliveries
from notifications.worker import Stats as DeliveryStats

from engine.calendar import LOCAL_TZ
from engine.deadline_rules import DEFAULT_BATCH, SweepResult, sweep
from engine.seals import seal_yesterday
from engine.services import calendar_changes
from engine.services.support_alerts import alert_coverage, alert_gift_targets

from .container import Container

__all__ = ["WorkerOptions", "sweep_job", "deliver_job", "support_alerts_job", "build_scheduler",
           "WorkerLock", "run_worker"]

log = logging.getLogger("nghedan.worker")

# Any 64-bit number unlikely to clash with another application's advisory locks.
ADVISORY_KEY = 0x6E6768_6564616E  # "ngh" "edan"


@dataclass(frozen=True)
class WorkerOptions:
    sweep_interval: float = 60.0  # seconds
    batch_size: int = DEFAULT_BATCH
    # A sweep that could not start on time (the machine slept, a long sweep ran over)
    # still runs if it is at most this late; coalesce folds missed runs into one.
    misfire_grace: int = 300
    lock_poll: float = 5.0  # how often a waiting worker tries to take over
    # Deliveries run often: grouping into one email per burst happens in notifications
    # (a quiet window), so a short interval does not mean more emails.
    deliver_interval: float = 20.0


def sweep_job(container: Container, batch_size: int = DEFAULT_BATCH) -> SweepResult:
    """One sweep at the container's clock: what the scheduler runs every minute.
    Calendar changes first (an interrupted recomputation, a new ``holidays``
    release), so no timer fires on a deadline the calendar no longer gives."""
    moved = calendar_changes.refresh(container.cases, batch_size=batch_size)
    if moved.changes:
        log.info("calendar changes %s: %d open deadlines recomputed", moved.changes, moved.moved)
    result = sweep(container.cases, container.clock.now(), batch_size=batch_size)
    if result.claimed:
        log.info("deadline sweep: %s", result.summary())
    return result


def deliver_job(container: Container) -> DeliveryStats:
    """One notifications pass: fan out the outbox, compose, send what is due."""
    stats = run_deliveries(container.sessions, container.notify_settings, container.clock,
                           workflows=container.workflows)
    if stats.claimed:
        log.info("notifications: %s", stats)
    return stats


def reception_alert_job(container: Container) -> int:
    """Tell heads (and their offices) whose month is ending short of the regular
    reception days their schedule requires (engine.services.schedules)."""
    written = container.programmes.schedules.alert_before_month_end()
    if written:
        log.info("reception schedules: %d alerts written", written)
    return written


def support_alerts_job(container: Container) -> int:
    """Gift targets before the month ends, village coverage on Friday afternoon
    (engine.services.support_alerts): each alert is written once, so hourly is fine."""
    settings = container.settings
    written = alert_gift_targets(container.fund, settings.support_gift_target)
    written += alert_coverage(container.visits, settings.visit_min_households)
    if written:
        log.info("support alerts: %d", written)
    return written


def build_scheduler(container: Container, options: WorkerOptions = WorkerOptions()) -> BackgroundScheduler:
    """A configured, not yet started scheduler; the first sweep runs at once."""
    scheduler = BackgroundScheduler(timezone=timezone.utc)
    scheduler.add_job(sweep_job, "interval", seconds=options.sweep_interval, args=[container, options.batch_size],
                      id="deadline-sweep", name="deadline sweep", max_instances=1, coalesce=True,
                      misfire_grace_time=options.misfire_grace, next_run_time=container.clock.now())
    # The daily seal over every case history (engine.seals), once the local day has ended.
    scheduler.add_job(seal_yesterday, "cron", hour=0, minute=10, timezone=LOCAL_TZ, args=[container.sessions, container.clock],
                      id="daily-seal", name="daily seal", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
    # Email, webhooks and inboxes from the outbox (notifications.run_once).
    scheduler.add_job(deliver_job, "interval", seconds=options.deliver_interval, args=[container],
                      id="notify", name="notifications", max_instances=1, coalesce=True,
                      misfire_grace_time=options.misfire_grace)
    # Each morning: heads short of reception days before their month ends.
    scheduler.add_job(reception_alert_job, "cron", hour=7, minute=0, timezone=LOCAL_TZ, args=[container],
                      id="reception-alert", name="reception schedule alert", max_instances=1, coalesce=True,
                      misfire_grace_time=6 * 3600)
    scheduler.add_job(support_alerts_job, "cron", minute=5, timezone=LOCAL_TZ, args=[container],
                      id="support-alerts", name="support targets and coverage", max_instances=1, coalesce=True,
                      misfire_grace_time=3600)
    return scheduler


class WorkerLock:
    """At most one active worker per database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._file: IO[str] | None = None
        self._conn: Connection | None = None
        self.path: Path | None = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            # Keyed on the file itself, not on how the URL spells it: every spelling
            # of one database must find the same lock.
            real = Path(os.path.realpath(engine.url.database))
            self.path = real.with_name(real.name + ".worker.lock")

    def try_acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            self._conn = self._conn or self.engine.connect()
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
            self._conn.commit()
            return got
        if self.path is None:
            return True  # an in-memory database lives in one process anyway
        self._file = self._file or open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()
        return True

    def acquire(self, poll: float = 5.0, sleep: Callable[[float], Any] = time.sleep) -> None:
        waiting = False
        while not self.try_acquire():
            if not waiting:
                log.info("another worker is active; waiting to take over")
                waiting = True
            sleep(poll)

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            self._conn.commit()
            self._conn.close()
            self._conn = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


_stopping = threading.Event()


def _stop(signum: int, frame: Any) -> None:
    # A service manager stops us with SIGTERM. The handler only sets a flag: an
    # exception raised here would land wherever the main thread happens to be (once,
    # inside the scheduler handing a job to its pool, which swallowed it and ran on).
    # Later signals must not cut short the wait for the running job.
    signal.signal(signal.SIGTERM, _again)
    _stopping.set()


def _again(signum: int, frame: Any) -> None:
    log.info("still waiting for the running job to finish")


def run_worker(container: Container, options: WorkerOptions = WorkerOptions()) -> None:
    """Wait for the worker lock, then run the scheduler until Ctrl-C or SIGTERM."""
    _stopping.clear()
    signal.signal(signal.SIGTERM, _stop)
    lock = WorkerLock(container.engine)
    lock.acquire(options.lock_poll)
    scheduler = build_scheduler(container, options)
    log.info("worker active: sweep every %ss", options.sweep_interval)
    try:
        scheduler.start()
        while not _stopping.wait(1.0):
            pass
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            log.info("stopping: no new jobs; waiting for the running one to finish")
            scheduler.shutdown(wait=True)
        lock.release()
        log.info("worker stopped; lock released")
