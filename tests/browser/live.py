"""A real server and a real Chromium for the end-to-end tests.

The server is uvicorn in a thread on 127.0.0.1, on a socket bound to a free port
before the thread starts. The browser is Debian's ``/usr/bin/chromium`` driven by
Playwright (never ``playwright install``: nothing is downloaded), with a fresh
profile directory per test. Without Chromium the tests are skipped, except in CI
(``CI=true``) where a missing browser is a failure. Every page a context opens is
checked with axe-core (tests/browser/axe.py); its violations fail the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .axe import AxeChecker, axe_source_or_skip

__all__ = ["CHROMIUM_ARGS", "chromium_or_skip", "live_server", "chromium", "ARTIFACTS"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def chromium_or_skip() -> str:
    path = os.environ.get("NGHEDAN_CHROMIUM", CHROMIUM)
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    found = shutil.which("chromium")
    if found:
        return found
    reason = f"Chromium not found at {path} (apt-get install chromium): browser tests need it"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " — in CI this is a failure (.ci/run installs it)")
    pytest.skip(reason)


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started or errors or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        if errors:
            raise errors[0]
        assert server.started, "the test server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        assert not thread.is_alive(), "the test server did not stop"


def _scripted_page(pw: Any, executable: str, viewport: dict[str, int]) -> Any:
    """A page that runs scripts (axe on no-JS snapshots); the checker closes its browser."""
    browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    return browser.new_page(viewport=viewport)


@contextmanager
def chromium(profile: Path, *, width: int = 360, height: int = 740, **options: Any) -> Iterator[Any]:
    """A Chromium context with a fresh profile; closed (and the driver stopped) on exit.
    Every page it loads is checked with axe-core; a violation fails the test when the
    block ends (unless the block failed already: that error is the one to read)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    axe = AxeChecker(axe_source_or_skip(), scripts=options.get("java_script_enabled", True))
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
            service_workers="block", **options,
        )
        axe.watch(context)
        failed = False
        try:
            yield context
        except BaseException:
            failed = True
            raise
        finally:
            try:
                axe.finish(check=not failed, scripted_page=lambda: _scripted_page(
                    pw, executable, {"width": width, "height": height}))
            finally:
                context.close()
        if axe.violations:
            pytest.fail(axe.report(), pytrace=False)
