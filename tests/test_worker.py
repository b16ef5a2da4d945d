"""The worker: its job is a plain function, its scheduler is configured as the issue
says, only one worker is active per database, the web app never schedules, and the
CLI runs one sweep or grants an extension."""

from __future__ import annotations

import functools

import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.models import OutboxMessage
from web import worker
from web.app import create_app

from .conftest import HCM


def test_sweep_job_sweeps_at_the_containers_clock(world, container, clock):
    world.new_case()
    clock.set(datetime(2026, 12, 8, 17, 0, 0, tzinfo=HCM))
    assert worker.sweep_job(container).claimed == 1  # the reminder (04/12) only
    clock.advance(timedelta(seconds=1))
    result = worker.sweep_job(container, batch_size=1)
    assert (result.overdue, result.batches) == (1, 1)
    assert worker.sweep_job(container).claimed == 0


def test_scheduler_is_configured_and_not_started(container):
    scheduler = worker.build_scheduler(container, worker.WorkerOptions(sweep_interval=30, misfire_grace=120))
    assert isinstance(scheduler, BackgroundScheduler) and not scheduler.running
    assert scheduler.timezone == timezone.utc
    job = scheduler.get_job("deadline-sweep")
    assert job.func is worker.sweep_job and job.args == (container, worker.DEFAULT_BATCH)
    assert (job.trigger.interval, job.max_instances, job.coalesce, job.misfire_grace_time) == (
        timedelta(seconds=30), 1, True, 120)
    # Exactly these jobs, each given the process's container (or what it needs of it).
    # No public statistics job: the page reads the roll-ups the events keep (engine.reports.public_stats).
    assert {j.id for j in scheduler.get_jobs()} == {"deadline-sweep", "daily-seal", "notify", "reception-alert",
                                                    "support-alerts"}
    assert scheduler.get_job("reception-alert").args == (container,)
    # Defaults: every minute.
    assert worker.build_scheduler(container).get_job("deadline-sweep").trigger.interval == timedelta(minutes=1)


def test_creating_the_web_app_starts_no_scheduler(container, monkeypatch):
    started: list[object] = []
    monkeypatch.setattr(BaseScheduler, "start", lambda self, *a, **k: started.append(self))
    app = create_app(container=container)
    with TestClient(app) as client:  # runs the app's startup and shutdown
        assert client.get("/healthz").status_code == 200
    assert started == []


def test_run_worker_takes_the_lock_runs_and_releases(container, monkeypatch):
    seen: list[bool] = []

    def fake_start(self) -> None:
        other = worker.WorkerLock(container.engine)
        seen.append(other.try_acquire())  # while we run, nobody else may
        other.release()
        raise KeyboardInterrupt

    monkeypatch.setattr(BackgroundScheduler, "start", fake_start)
    monkeypatch.setattr(worker.signal, "signal", lambda *a: None)
    worker.run_worker(container, worker.WorkerOptions(lock_poll=0.01))
    assert seen == [False]
    after = worker.WorkerLock(container.engine)
    assert after.try_acquire()
    after.release()


def test_only_one_worker_lock_at_a_time(engine):
    first, second = worker.WorkerLock(engine), worker.WorkerLock(engine)
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_a_waiting_worker_takes_over_when_the_active_one_dies(db_url, engine):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from engine.db import make_engine\n"
        "from web.worker import WorkerLock\n"
        f"lock = WorkerLock(make_engine({db_url!r}))\n"
        "assert lock.try_acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(120)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        waiting = worker.WorkerLock(engine)
        assert not waiting.try_acquire()
        holder.kill()  # the active worker dies without releasing anything
        holder.wait(10)
        deadline = time.monotonic() + 10
        waiting.acquire(poll=0.05, sleep=lambda s: time.sleep(s) if time.monotonic() < deadline else pytest.fail())
        waiting.release()
    finally:
        holder.kill()
        holder.wait(10)
        holder.stdout.close()


# ------------------------------------------------------------------------- CLI


@pytest.fixture
def run(run):
    """The CLI with English messages, which these tests read."""
    return functools.partial(run, lang="en")


def test_cli_sweep_at_an_instant(world, run, db_url, sessions):
    world.new_case()
    result = run("sweep", "--at", "2026-12-08T17:00:01+07:00")
    assert result.exit_code == 0, result.output
    # Swept only after the deadline: the reminder is skipped, the overdue alert sent.
    assert "reminders 0, overdue alerts 1, escalations 0, messages 1, skipped 1" in result.output
    again = run("sweep", "--now", "2026-12-08T17:00:01+07:00", lang="vi")
    assert "nhắc hạn 0, cảnh báo quá hạn 0" in again.output
    with sessions() as s:
        assert len(s.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("deadline.%"))).all()) == 1
    bad = run("sweep", "--at", "2026-12-08 17:00")
    assert bad.exit_code == 2 and "offset" in bad.output


def test_cli_extend(world, run, clock):
    clock.set(datetime.now(timezone.utc))  # the CLI runs on the real clock
    case = world.new_case()
    refused = run("cases", "extend", case.code, "--as", "off_a", "--working-days", "2", "--reason", "r")
    assert refused.exit_code == 2 and "leader" in refused.output
    done = run("cases", "extend", case.code, "--as", "lead_a", "--working-days", "2",
               "--reason", "Chờ khảo sát", "--expected-version", str(case.version))
    assert done.exit_code == 0, done.output
    assert case.code in done.output
    assert world.service.get(world["lead_a"], case.code).due_at > case.due_at


def test_worker_runs_deliveries_and_the_daily_seal(container):
    scheduler = worker.build_scheduler(container, worker.WorkerOptions(deliver_interval=15))
    notify = scheduler.get_job("notify")
    assert notify.func is worker.deliver_job and notify.args == (container,)
    assert (notify.trigger.interval, notify.max_instances, notify.coalesce) == (timedelta(seconds=15), 1, True)
    assert scheduler.get_job("daily-seal").func.__name__ == "seal_yesterday"
    # The job itself runs one real delivery pass against the database.
    assert worker.deliver_job(container).claimed == 0
