"""Shared fixtures. Each test gets an empty, migrated database: SQLite by default
(a copy of a file migrated once per run), PostgreSQL when NGHEDAN_TEST_DATABASE_URL
is set (migrated once, tables truncated after each test), and over it a container
built by ``web.container.build_container`` like every process's: its engine,
sessions and case service are the ``engine``, ``sessions`` and ``service`` fixtures,
and the API and page fixtures serve it."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, make_url, text

from engine import migrate
from engine.clock import FrozenClock
from engine.db import make_engine
from engine.models import Base
from engine.services.cases import CaseService
from web.container import Container, build_container
from web.settings import Settings
from workflows import load_builtin

from .world import World, build_world

PG_URL = os.environ.get("NGHEDAN_TEST_DATABASE_URL")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def truncate_all(engine: Engine) -> None:
    """Empty every table of the shared PostgreSQL test database."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"nghedan database backend: {'postgresql' if PG_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


@pytest.fixture
def scratch_url(tmp_path: Path, backend: str) -> Iterator[str]:
    """An empty database of the backend under test, of this test's own (a migration's
    way up and down from a revision of its choosing); on PostgreSQL a new database on
    the same server, dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    assert PG_URL is not None
    name = f"nghedan_scratch_{secrets.token_hex(4)}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrate.upgrade(engine)
        engine.dispose()
        yield PG_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    yield str(path)


@pytest.fixture
def db_url(_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        yield PG_URL
        engine = make_engine(PG_URL)
        truncate_all(engine)
        engine.dispose()
        return
    target = tmp_path / "nghedan.db"
    shutil.copyfile(_template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def clock() -> FrozenClock:
    # Monday 23 November 2026, 09:00 in Hà Nội.
    return FrozenClock(datetime(2026, 11, 23, 9, 0, tzinfo=HCM))


@pytest.fixture
def container(db_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Container]:
    """This test's process, as ``nghedan`` builds it, on the test clock."""
    built = build_container(Settings(database_url=db_url, environment="test", files_dir=tmp_path / "files"),
                            clock=clock)
    yield built
    built.close()


@pytest.fixture
def engine(container: Container) -> Engine:
    return container.engine


@pytest.fixture
def sessions(container: Container):  # type: ignore[no-untyped-def]
    return container.sessions


@pytest.fixture(scope="session")
def workflows():  # type: ignore[no-untyped-def]
    """The shipped programmes, for tests that build a variant of them."""
    return load_builtin()


@pytest.fixture
def service(container: Container) -> CaseService:
    return container.cases


@pytest.fixture
def world(service: CaseService) -> World:
    return build_world(service)


@pytest.fixture
def run(db_url):
    """The ``nghedan`` CLI in-process on this test's database: ``run(*args, input=,
    lang=)`` returns click's result (exit code, output)."""
    from click.testing import CliRunner

    from web.cli.main import _register, cli

    _register()
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, lang: str = "vi"):
        return runner.invoke(cli, ["--lang", lang, "--database-url", db_url, *args], input=input)

    return invoke
