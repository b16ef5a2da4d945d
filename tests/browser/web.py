"""An HTTP-level "browser" for the page tests: keeps cookies, reads the CSRF token
of the page a form is on, signs in as a world user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.models import Case, CaseEvent, Meeting, OutboxMessage
from engine.models.web_sessions import RateCounter, WebSession
from web.app import create_app
from web.container import Container

from ..world import PASSWORD, World

__all__ = ["web_container", "web_app", "client", "browser", "Page", "csrf_of", "counts", "login", "form_values"]

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def form_values(html: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to ``action``."""
    start = html.index(f'action="{action}"')
    end = html.index("</form>", start)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html[start:end]))


@pytest.fixture
def web_container(container: Container, world: World) -> Container:
    """The test's container (conftest), once the world is in its database."""
    return container


@pytest.fixture
def web_app(web_container: Container) -> Any:
    return create_app(container=web_container)


class Page:
    """A TestClient with a browser's habits."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def get(self, path: str, **kw: Any) -> Any:
        return self.http.get(path, follow_redirects=kw.pop("follow_redirects", False), **kw)

    def token(self, path: str = "/track") -> str:
        response = self.http.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return csrf_of(response.text)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, token_from: str | None = "/track",
             csrf: str | None = None, **kw: Any) -> Any:
        payload: Any = data
        if csrf is None and token_from is not None:
            csrf = self.token(token_from)
        if csrf is not None:
            payload = ([*data, ("csrf", csrf)] if isinstance(data, list) else {**data, "csrf": csrf})
        follow = kw.pop("follow_redirects", False)
        if isinstance(payload, list):  # repeated or many fields: encode as a browser does
            headers = {"content-type": "application/x-www-form-urlencoded", **kw.pop("headers", {})}
            return self.http.post(path, content=urlencode(payload), headers=headers, follow_redirects=follow, **kw)
        return self.http.post(path, data=payload, follow_redirects=follow, **kw)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        response = self.post("/login", {"username": username, "password": password, "next": "/"},
                             token_from="/login")
        return response


@pytest.fixture
def client(web_app: Any) -> Iterator[TestClient]:
    with TestClient(web_app) as http:
        yield http


@pytest.fixture
def browser(web_app: Any) -> Iterator[Any]:
    """Opens as many independent browsers (cookie jars) as a test needs."""
    opened: list[TestClient] = []

    def open_one(username: str | None = None, *, base_url: str = "http://testserver") -> Page:
        http = TestClient(web_app, base_url=base_url)
        http.__enter__()
        opened.append(http)
        page = Page(http)
        if username:
            response = page.login(username)
            assert response.status_code == 303, response.text
        return page

    yield open_one
    for http in opened:
        http.__exit__(None, None, None)


def login(page: Page, username: str) -> None:
    response = page.login(username)
    assert response.status_code == 303, response.text


def counts(sessions: Any) -> dict[str, int]:
    """Rows in the tables a refused request must not touch."""
    with sessions() as s:
        rows = {name: s.scalar(select(func.count()).select_from(model)) or 0 for name, model in (
            ("cases", Case), ("events", CaseEvent), ("meetings", Meeting), ("outbox", OutboxMessage),
            ("web_sessions", WebSession))}
        # Sign-in and lookup attempts; every API request counts against its token's rate
        # limit, refused or not (engine.throttles), so those counters are left out.
        rows["attempts"] = s.scalar(select(func.count()).select_from(RateCounter)
                                    .where(RateCounter.key.not_like("api:%"))) or 0
        return rows
