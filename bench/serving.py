"""HTTP throughput and memory: the real app (``nghedan serve``, with one web process
and then two) driven over loopback by a second process (bench.http_driver), then the
web server's and one running worker's peak RSS."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from engine.clock import SystemClock
from engine.db import make_session_factory
from engine.services import directory
from engine.services.cases import CaseService, NewCase
from engine.services.tokens import issue_token
from workflows import load_builtin

from .dataset import LEADER
from .web_server import ROOT, nghedan, peak_rss_mb, running, served

THREADS = 4
MAX_REQUESTS, MAX_SECONDS = 1_000, 10.0  # per endpoint: 2,000 requests or 20 s in all
FRESH = 400
MEMORY_TARGET_MB = 200.0
WORKER_SECONDS = 8.0
WEB_PROCESSES = (1, 2)


def _prepare(engine: Engine) -> tuple[str, list[str]]:
    """An API token for the commune leader and FRESH new cases it may answer (a round
    of its own for each server: an answered case cannot be answered again)."""
    sessions = make_session_factory(engine)
    clock = SystemClock()
    with sessions() as s, s.begin():
        _, token = issue_token(s, LEADER, label="bench", now=clock.now())
    with sessions() as s:
        actor = directory.actor_for(s, LEADER)
    service = CaseService(sessions, load_builtin(), clock)
    item = NewCase(workflow="nghe-dan-noi", unit="X0000-0", topic="khac", kind="kien_nghi", content="Ý kiến mới")
    fresh = [c.code for start in range(0, FRESH, 20) for c in service.create_many(actor, [item] * 20)]
    return token, fresh


def _drive(job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.http_driver"], cwd=ROOT, input=json.dumps(job).encode(),
                          capture_output=True, timeout=job["max_seconds"] + 60, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def run_serving_benchmarks(engine: Engine, url: str, read_codes: list[str], context: str,
                           tmp: Path) -> list[dict[str, Any]]:
    rows = []
    server_mb = 0.0
    for processes in WEB_PROCESSES:
        token, fresh = _prepare(engine)
        job = {"token": token, "threads": THREADS, "max_requests": MAX_REQUESTS, "max_seconds": MAX_SECONDS}
        with served(url, tmp / f"server-{processes}.log", processes) as (proc, base):
            for name, method, codes in (("GET /api/v1/cases/{code}", "GET", read_codes[:500]),
                                        ("POST …/actions/answer_on_site", "POST", fresh)):
                r = _drive({**job, "base": base, "method": method, "codes": codes})
                rows.append({"name": f"{name}, serve --workers {processes}", "workers": processes,
                             "context": f"{context}, {THREADS} client threads, {r['errors']} errors", **r})
            if processes == 1:  # with several, the supervisor's RSS says nothing of the workers'
                server_mb = peak_rss_mb(proc.pid)
    worker_mb = _worker_peak_mb(url, tmp / "worker.log")
    return rows + [
        {"name": "web server peak RSS", "context": context, "mb": server_mb, "target_mb": MEMORY_TARGET_MB},
        {"name": "nghedan worker peak RSS", "context": f"{context}, after {WORKER_SECONDS:.0f} s of 1 s sweeps",
         "mb": worker_mb, "target_mb": MEMORY_TARGET_MB},
    ]


def _worker_peak_mb(url: str, log: Path) -> float:
    """The real worker (scheduler, sweeps every second, deliveries) for a few
    seconds; its peak RSS while still running."""
    with running(nghedan("worker", "--interval", "1"), url, log) as proc:
        time.sleep(WORKER_SECONDS)
        if proc.poll() is not None:
            raise RuntimeError(f"nghedan worker exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        if "executed successfully" not in log.read_text(errors="replace"):
            raise RuntimeError(f"nghedan worker did not sweep: {log.read_text(errors='replace')[-2000:]}")
        return peak_rss_mb(proc.pid)
