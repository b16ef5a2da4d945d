"""Throttles that hold under concurrency: each attempt takes its slot in the
database before its work, so N concurrent sign-ins check at most the limit's
number of passwords, and the API's limit is shared by every process on one
database."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from engine import throttles
from engine.services import directory
from engine.uow import UnitOfWork
from web.app import create_app
from web.container import build_container
from web.settings import Settings

from .api_support import api, api_app, api_container, bearer, tokens  # noqa: F401
from .browser.live import live_server
from .browser.web import csrf_of, web_app, web_container  # noqa: F401
from .world import PASSWORD

ATTEMPTS = 60


@pytest.fixture
def password_checks(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts every password the sign-in actually verifies (a missing user's dummy too)."""
    seen = Counter()
    lock = threading.Lock()
    verify = directory.verify_password

    def counting(password: str, stored: str):  # type: ignore[no-untyped-def]
        with lock:
            seen["checks"] += 1
        return verify(password, stored)

    monkeypatch.setattr(directory, "verify_password", counting)
    return seen


def _storm(base: str, usernames: list[str], password: str) -> Counter:
    """``ATTEMPTS`` sign-ins at once, from one browser's form token, released together."""
    with httpx.Client(base_url=base) as http:
        form = http.get("/login")
        token, cookie = csrf_of(form.text), http.cookies.get("nd_csrf")
    start = threading.Barrier(ATTEMPTS)

    def attempt(username: str) -> int:
        with httpx.Client(base_url=base, cookies={"nd_csrf": cookie}, timeout=60) as http:
            start.wait()
            return http.post("/login", data={"username": username, "password": password, "csrf": token}).status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        return Counter(pool.map(attempt, usernames))


def test_sixty_concurrent_sign_ins_check_at_most_five_passwords(web_app, web_container, password_checks):
    assert web_container.login_throttle.per_user == 5
    with live_server(web_app) as base:
        statuses = _storm(base, ["off_a"] * ATTEMPTS, "wrong")
    assert password_checks["checks"] == 5
    assert statuses == Counter({401: 5, 429: ATTEMPTS - 5})
    # The address spent only the five attempts whose passwords were checked.
    with UnitOfWork(web_container.sessions) as uow:
        by_ip = throttles.take(uow.session, "login-ip:127.0.0.1", limit=20, window=timedelta(minutes=15),
                               now=web_container.clock.now())
    assert by_ip.count == 6


def test_sixty_concurrent_sign_ins_from_one_address_check_at_most_its_limit(web_app, web_container,
                                                                            password_checks):
    web_container.login_throttle.per_ip = 5
    with live_server(web_app) as base:
        statuses = _storm(base, [f"guess{i}" for i in range(ATTEMPTS)], "wrong")
    assert password_checks["checks"] == 5
    assert statuses == Counter({401: 5, 429: ATTEMPTS - 5})


def test_a_success_gives_the_address_its_slot_back(web_app, web_container, password_checks):
    web_container.login_throttle.per_ip = 3
    with TestClient(web_app) as http:
        for _ in range(6):  # six people of one office, one address
            token = csrf_of(http.get("/login").text)
            r = http.post("/login", data={"username": "off_a", "password": PASSWORD, "csrf": token},
                          follow_redirects=False)
            assert r.status_code == 303
            http.cookies.delete("nd_session")
    assert password_checks["checks"] == 6


def test_concurrent_takers_of_one_key_each_get_their_own_count(container):
    def one(_: int) -> int:
        with UnitOfWork(container.sessions, write=True) as uow:
            taken = throttles.take(uow.session, "k", limit=10, window=timedelta(minutes=1), now=container.clock.now())
            uow.commit()
        return taken.count

    with ThreadPoolExecutor(16) as pool:
        counts = sorted(pool.map(one, range(40)))
    assert counts == list(range(1, 41))


def test_a_window_restarts_once_it_has_passed(container, clock):
    def take() -> throttles.Taken:
        with UnitOfWork(container.sessions, write=True) as uow:
            taken = throttles.take(uow.session, "k", limit=2, window=timedelta(minutes=1), now=clock.now())
            uow.commit()
        return taken

    assert [take().allowed for _ in range(3)] == [True, True, False]
    clock.advance(timedelta(seconds=30))
    refused = take()
    assert not refused.allowed and refused.wait(clock.now()) == 30
    clock.advance(timedelta(seconds=30))
    fresh = take()
    assert (fresh.allowed, fresh.count, fresh.started_at) == (True, 1, clock.now())


def test_two_processes_share_the_api_limit(db_url, clock, world, tokens, monkeypatch):
    monkeypatch.setenv("NGHEDAN_API_BURST", "4")
    monkeypatch.setenv("NGHEDAN_API_RATE_PER_MINUTE", "2")
    first = build_container(Settings(database_url=db_url, environment="test"), clock=clock)
    second = build_container(Settings(database_url=db_url, environment="test"), clock=clock)
    try:
        assert first.engine is not second.engine
        with TestClient(create_app(container=first)) as a, TestClient(create_app(container=second)) as b:
            statuses = [http.get("/api/v1/me", headers=bearer(tokens["off_a"])).status_code
                        for _ in range(3) for http in (a, b)]
            assert statuses == [200, 200, 200, 200, 429, 429]
            assert int(b.get("/api/v1/me", headers=bearer(tokens["off_a"])).headers["retry-after"]) == 120
            assert a.get("/api/v1/me", headers=bearer(tokens["off_b"])).status_code == 200  # per token
            clock.advance(timedelta(minutes=2))
            assert b.get("/api/v1/me", headers=bearer(tokens["off_a"])).status_code == 200
    finally:
        first.close()
        second.close()


def test_concurrent_requests_through_two_processes_never_exceed_the_limit(db_url, clock, world, monkeypatch):
    monkeypatch.setenv("NGHEDAN_API_BURST", "7")
    processes = [build_container(Settings(database_url=db_url, environment="test"), clock=clock) for _ in range(2)]
    try:
        start = threading.Barrier(ATTEMPTS)

        def one(i: int) -> bool:
            c = processes[i % 2]
            start.wait()
            return c.api_limiter.take(c, "token:1") is None

        with ThreadPoolExecutor(ATTEMPTS) as pool:
            allowed = list(pool.map(one, range(ATTEMPTS)))
    finally:
        for c in processes:
            c.close()
    assert allowed.count(True) == 7


def test_idle_counters_are_swept_when_another_window_starts(container, clock):
    from sqlalchemy import select

    from engine.models import RateCounter

    def take(key: str) -> None:
        with UnitOfWork(container.sessions, write=True) as uow:
            throttles.take(uow.session, key, limit=5, window=timedelta(minutes=15), now=clock.now())
            uow.commit()

    take("api:token:1")
    clock.advance(timedelta(hours=23, minutes=55))
    take("api:token:2")  # a new window, but nothing is a day old yet
    clock.advance(timedelta(minutes=10))
    with UnitOfWork(container.sessions, write=True) as uow:  # token:1 is a day old; token:2's window is open
        assert throttles.take(uow.session, "api:token:2", limit=5, window=timedelta(minutes=15),
                              now=clock.now()).count == 2
        uow.commit()
    with container.sessions() as s:  # no sweep inside a window
        assert sorted(s.scalars(select(RateCounter.key))) == ["api:token:1", "api:token:2"]
    take("login-ip:10.0.0.1")  # a window starts: the day-old counter goes
    with container.sessions() as s:
        assert sorted(s.scalars(select(RateCounter.key))) == ["api:token:2", "login-ip:10.0.0.1"]
