"""Fixtures for the API and Open311 tests: the real application over the test's
container (its database and clock), and a bearer token for every person of the world.

Import them into a test module with ``from .api_support import *``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.services.tokens import issue_token
from engine.uow import UnitOfWork
from web.app import create_app
from web.container import Container

from .world import PEOPLE, World

__all__ = ["api_container", "api_app", "api", "tokens", "bearer", "as_user", "new_case"]


@pytest.fixture
def api_container(container: Container, world: World) -> Container:
    """The test's container (conftest), once the world is in its database."""
    return container


@pytest.fixture
def api_app(api_container: Container):  # type: ignore[no-untyped-def]
    return create_app(container=api_container)


@pytest.fixture
def api(api_app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(api_app) as client:
        yield client


@pytest.fixture
def tokens(api_container: Container) -> dict[str, str]:
    out = {}
    with UnitOfWork(api_container.sessions) as uow:
        for username in PEOPLE:
            _, plain = issue_token(uow.session, username, label="tests", now=api_container.clock.now())
            out[username] = plain
        uow.commit()
    return out


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def as_user(tokens: dict[str, str]):  # type: ignore[no-untyped-def]
    def headers(username: str, lang: str | None = None) -> dict[str, str]:
        h = bearer(tokens[username])
        if lang:
            h["Accept-Language"] = lang
        return h
    return headers


def new_case(api: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc", "kind": "kien_nghi",
                            "content": "Nước sinh hoạt bị đục", "citizen_name": "Nguyễn Văn Dân",
                            "citizen_phone": "0901234567"}
    body.update(fields)
    response = api.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
