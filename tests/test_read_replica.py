"""Reads split off to a PostgreSQL streaming replica (NGHEDAN_READ_DATABASE_URL).

``scripts/with-postgres`` starts a primary and a replica made by ``pg_basebackup -R``.
To see which server answered, the test pauses the replica's WAL replay: a case written
after that exists on the primary only, so a report that leaves it out was read from
the replica, and the case's own page that shows it was read from the primary."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import InternalError

from engine.db import make_read_engine
from web.app import create_app
from web.container import Container, build_container
from web.settings import Settings

from .browser.web import Page
from .world import World

READ_URL = os.environ.get("NGHEDAN_TEST_READ_DATABASE_URL")
PG_URL = os.environ.get("NGHEDAN_TEST_DATABASE_URL")
RECEIVED = "Tổng số ý kiến, kiến nghị tiếp nhận"
EXPORT = "/reports/export.csv?start=2026-11-01&end=2026-11-30&unit=A"


def test_a_read_replica_is_postgresql_only(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL"):
        make_read_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match="NGHEDAN_READ_DATABASE_URL"):
        build_container(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}",
                                 read_database_url=f"sqlite:///{tmp_path / 'y.db'}", environment="test"))


def test_without_a_replica_every_read_is_on_the_primary(container):
    assert container.reads is container.sessions and container.read_engine is None


# The SQLite run has no replica to split to; the PostgreSQL run has one, and in CI
# a PostgreSQL run without it is a failure (_replica_or_fail).
needs_replica = pytest.mark.skipif(
    not PG_URL or (not READ_URL and os.environ.get("CI") != "true"),
    reason="needs the streaming replica scripts/with-postgres starts (PostgreSQL run only)")


def _replica_or_fail() -> str:
    if not (PG_URL and READ_URL):
        pytest.fail("in CI the PostgreSQL run must start its replica (scripts/with-postgres)")
    return READ_URL


@pytest.fixture
def split(db_url: str, world: World, clock, tmp_path) -> Iterator[Container]:
    read_url = _replica_or_fail()
    built = build_container(Settings(database_url=db_url, read_database_url=read_url, environment="test",
                                     files_dir=tmp_path / "files"), clock=clock)
    yield built
    built.close()


@pytest.fixture
def replay() -> Iterator[Engine]:
    """A superuser connection to the replica, to pause and resume its replay."""
    engine = create_engine(_replica_or_fail(), isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        engine.dispose()


def _caught_up(container: Container, replay: Engine) -> None:
    with container.engine.connect() as conn:
        # The insert position, not pg_current_wal_lsn() (the written one): the tests'
        # cluster commits asynchronously, so a commit record may still sit in the WAL
        # buffers, and waiting for the written position let the check pass before the
        # replica had the transaction (1 run in 6).
        target = conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
    deadline = time.monotonic() + 30
    with replay.connect() as conn:
        while conn.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"), {"t": target}).scalar() \
                is not True:
            assert time.monotonic() < deadline, "the replica did not catch up within 30 s"
            time.sleep(0.05)


def _received(page: Page) -> int:
    response = page.get("/reports?start=2026-11-01&end=2026-11-30&unit=A")
    assert response.status_code == 200, response.text
    summary = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', response.text))
    return int(summary[RECEIVED])


@needs_replica
def test_reports_come_from_the_replica_and_a_written_case_from_the_primary(split, world, replay):
    from fastapi.testclient import TestClient

    with split.reads() as session:
        assert session.execute(text("SELECT pg_is_in_recovery()")).scalar() is True
    with split.sessions() as session:
        assert session.execute(text("SELECT pg_is_in_recovery()")).scalar() is False

    world.new_case(content="Đèn đường thôn 1 hỏng")
    _caught_up(split, replay)
    with TestClient(create_app(container=split)) as http:
        page = Page(http)
        assert page.login("lead_a").status_code == 303
        assert _received(page) == 1
        before = page.get(EXPORT).content

        with replay.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        later = world.new_case(content="Cống thoát nước thôn 2 bị tắc")

        # The case's page reads its own write on the primary…
        case_page = page.get(f"/cases/{later.code}")
        assert case_page.status_code == 200 and "Cống thoát nước thôn 2 bị tắc" in case_page.text
        # …while the report and its export, read on the paused replica, do not have it yet.
        assert _received(page) == 1
        assert page.get(EXPORT).content == before

        with replay.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        _caught_up(split, replay)
        assert _received(page) == 2
        assert page.get(EXPORT).content != before


@needs_replica
def test_nothing_can_be_written_through_the_read_sessions(split):
    with split.reads() as session, pytest.raises(InternalError, match="read-only"):
        session.execute(text("CREATE TABLE written_on_a_replica (x int)"))
