"""One active worker per database however its URL spells it (the SQLite lock is keyed
on the file's real path; PostgreSQL's advisory lock is per database), and a SIGTERM
that lets the running job finish before the lock goes (a real worker process)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from engine.db import make_engine
from web import worker

ROOT = Path(__file__).resolve().parents[1]
WAIT = 60  # seconds: a generous bound for the child, never a timing assumption


def _spellings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Other URLs of this test's database."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        # Another driver option, another application name: still the same database.
        return [url.update_query_dict({"application_name": "second"}).render_as_string(hide_password=False)]
    real = Path(url.database)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "link.db").symlink_to(real)
    (tmp_path / "linked-dir").symlink_to(real.parent, target_is_directory=True)
    monkeypatch.chdir(real.parent)
    return [f"sqlite:///{elsewhere / 'link.db'}", f"sqlite:///{tmp_path / 'linked-dir' / real.name}",
            f"sqlite:///{real.name}", f"sqlite:///./{real.name}", f"sqlite:///{real.parent}/../{real.parent.name}/"
            f"{real.name}", f"sqlite:////{str(real).lstrip('/')}"]


def test_every_spelling_of_the_database_names_the_same_lock(db_url, engine, tmp_path, monkeypatch):
    active = worker.WorkerLock(engine)
    assert active.try_acquire()
    try:
        for spelling in _spellings(db_url, tmp_path, monkeypatch):
            other_engine = make_engine(spelling)
            other = worker.WorkerLock(other_engine)
            try:
                assert not other.try_acquire(), spelling
            finally:
                other.release()
                other_engine.dispose()
    finally:
        active.release()
    again = worker.WorkerLock(engine)
    assert again.try_acquire()
    again.release()


@pytest.fixture
def another_database(db_url, tmp_path, backend):  # type: ignore[no-untyped-def]
    """The URL of a second, empty database beside this test's."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'another.db'}"
        return
    url = make_url(db_url)
    admin = make_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS nghedan_worker_lock_other"))
        conn.execute(text("CREATE DATABASE nghedan_worker_lock_other"))
    try:
        yield url.set(database="nghedan_worker_lock_other").render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS nghedan_worker_lock_other WITH (FORCE)"))
        admin.dispose()


def test_two_databases_have_two_locks(engine, another_database):
    other_engine = make_engine(another_database)
    first, second = worker.WorkerLock(engine), worker.WorkerLock(other_engine)
    try:
        assert first.try_acquire() and second.try_acquire()
    finally:
        first.release()
        second.release()
        other_engine.dispose()


CHILD = """
import os, sys, time
from web import worker
from web.container import build_container
from web.logs import install
from web.settings import Settings

go = sys.argv[2]

def slow_sweep(container, batch_size):
    print("job started", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.02)
    print("job finished", flush=True)

worker.sweep_job = slow_sweep  # build_scheduler schedules whatever the module holds
install(fmt="%(message)s")  # the worker command's own logging
container = build_container(Settings(database_url=sys.argv[1], environment="test"))
worker.run_worker(container, worker.WorkerOptions(sweep_interval=3600, deliver_interval=3600, lock_poll=0.05))
print("exited", flush=True)
"""


def _lines(stream, into: queue.Queue) -> None:  # type: ignore[type-arg]
    for line in stream:
        into.put(line.strip())


def _wait_for(lines: queue.Queue, wanted: str) -> list[str]:  # type: ignore[type-arg]
    seen = []
    while True:
        try:
            line = lines.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"the worker never said {wanted!r}; it said {seen}")
        seen.append(line)
        if line == wanted:
            return seen


def test_sigterm_lets_the_running_job_finish_before_the_lock_goes(db_url, engine, tmp_path):
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(go)], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    readers = [threading.Thread(target=_lines, args=(child.stdout, out), daemon=True),
               threading.Thread(target=_lines, args=(child.stderr, err), daemon=True)]
    for r in readers:
        r.start()
    waiting = worker.WorkerLock(engine)
    try:
        _wait_for(out, "job started")
        assert not waiting.try_acquire()
        child.send_signal(signal.SIGTERM)
        _wait_for(err, "stopping: no new jobs; waiting for the running one to finish")
        child.send_signal(signal.SIGTERM)  # an impatient service manager: still no cut
        _wait_for(err, "still waiting for the running job to finish")
        assert not waiting.try_acquire()  # the job runs on: the lock is still held
        go.touch()
        assert _wait_for(out, "exited") == ["job finished", "exited"]
        assert child.wait(WAIT) == 0
        assert "worker stopped; lock released" in _wait_for(err, "worker stopped; lock released")
        assert waiting.try_acquire()
    finally:
        waiting.release()
        child.kill()
        child.wait(WAIT)
        for r in readers:
            r.join(WAIT)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
