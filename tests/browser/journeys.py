"""What the Playwright journeys share: the two screen sizes every page is tried at,
the test's world served on loopback (``site``) and a browser at each size
(``context``), signing in through the login form, whether a page fits its screen, and
the console errors and failed requests a page shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.app import create_app
from web.container import Container

from ..world import PASSWORD, World
from .live import chromium, chromium_or_skip, live_server

__all__ = ["SIZES", "site", "context", "sign_in", "fits_the_screen", "Problems"]

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def site(container: Container, world: World) -> Iterator[str]:
    chromium_or_skip()
    with live_server(create_app(container=container)) as url:
        yield url


@pytest.fixture(params=sorted(SIZES))
def context(request: pytest.FixtureRequest, tmp_path: Path, site: str) -> Iterator[Any]:
    with chromium(tmp_path / "profile", **SIZES[request.param]) as ctx:
        ctx.set_default_timeout(15_000)
        yield ctx


def sign_in(page: Any, site: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{site}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{site}/")


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


class Problems:
    """Console errors (a CSP violation is one) and failed requests seen by the page."""

    def __init__(self, page: Any) -> None:
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.seen.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.seen.append(f"request failed: {r.url}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # A page answered with 4xx on purpose (a refused form) is reported by the
        # console as a failed load; that is checked through responses below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.seen.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.seen.append(f"{response.status} {response.url}")
