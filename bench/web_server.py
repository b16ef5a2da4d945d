"""The real app in a subprocess (``nghedan serve``, with one or several web
processes) on 127.0.0.1 and a free port, the worker in another, both always stopped
on exit, and the peak RSS of a running process (VmHWM)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def bench_env(url: str) -> dict[str, str]:
    # The per-token throttle (300/min) would measure the limiter, not the server.
    return {**os.environ, "NGHEDAN_DATABASE_URL": url, "NGHEDAN_API_RATE_PER_MINUTE": "1000000000",
            "NGHEDAN_API_BURST": "1000000000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nghedan(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("nghedan")), *args]


@contextmanager
def served(url: str, log: Path, workers: int = 1) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``nghedan serve --workers N``: with N > 1 the process returned is uvicorn's
    supervisor, and N worker processes share the listening socket."""
    port = free_port()
    with running(nghedan("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
                 url, log) as proc:
        _wait_listening(proc, port, log)
        yield proc, f"http://127.0.0.1:{port}"


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not listen within {timeout:.0f} s")


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


@contextmanager
def running(args: list[str], url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running command (the worker), always stopped on exit. Peak RSS is read
    from the running process's VmHWM: a finished child's wait4 ru_maxrss would also
    count the pages it shared with this (large) process between fork and exec."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=bench_env(url), stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
