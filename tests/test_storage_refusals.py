"""A database that refuses to work, on both backends, for a page, the API and the
CLI: PostgreSQL out of disk (a trigger raising SQLSTATE 53100, as the server does
when it cannot extend a file) or read-only (``default_transaction_read_only``,
SQLSTATE 25006), and a database that cannot be reached at all. Every surface
answers from one rule (engine.storage_failures): 503 for the web, one line and
exit status 2 for the CLI, nothing written. (A real full disk under SQLite:
tests/test_storage_full_disk.py.)"""

from __future__ import annotations

import errno
import html
import sqlite3
from collections.abc import Callable, Iterator

import psycopg
import psycopg.errors as pg_errors
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError

from engine.storage_failures import FULL, IO, READ_ONLY, UNAVAILABLE, UNREACHABLE, storage_failure
from engine.db import make_engine
from web.app import create_app
from web.container import build_container
from web.settings import Settings

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import Page, browser, counts, form_values, web_app, web_container  # noqa: F401
from .conftest import PG_URL

pg_only = pytest.mark.skipif(PG_URL is None, reason="PostgreSQL's refusals need PostgreSQL "
                                                    "(NGHEDAN_TEST_DATABASE_URL, scripts/with-postgres)")


@pytest.mark.parametrize("orig, wrapper, kind", [
    (sqlite3.OperationalError("database or disk is full"), OperationalError, FULL),
    (sqlite3.OperationalError("disk I/O error"), OperationalError, IO),
    (sqlite3.OperationalError("attempt to write a readonly database"), OperationalError, READ_ONLY),
    (sqlite3.OperationalError("unable to open database file"), OperationalError, UNREACHABLE),
    (sqlite3.OperationalError("database is locked"), OperationalError, UNAVAILABLE),
    (pg_errors.DiskFull("could not extend file"), OperationalError, FULL),
    (pg_errors.ReadOnlySqlTransaction("read-only transaction"), InternalError, READ_ONLY),
    (pg_errors.lookup("08006")("connection failure"), OperationalError, UNREACHABLE),
    (pg_errors.AdminShutdown("terminating connection"), OperationalError, UNREACHABLE),
    (psycopg.OperationalError("connection failed: Connection refused"), OperationalError, UNREACHABLE),
])
def test_one_rule_classifies_what_drivers_say(orig, wrapper, kind):
    failure = storage_failure(wrapper("INSERT INTO cases VALUES (?)", ("Nguyễn Văn Dân",), orig))
    assert failure is not None and failure.kind == kind
    assert "Nguyễn" not in failure.log_line() and failure.log_line().startswith(f"storage unavailable: {kind} (")
    assert failure.message("vi") != failure.message("en")
    # Raised from inside other handling, it is still found.
    try:
        try:
            raise wrapper("stmt", {}, orig)
        except Exception as inner:
            raise RuntimeError("while saving") from inner
    except RuntimeError as outer:
        assert storage_failure(outer) == failure


def test_other_errors_are_not_storage_failures():
    assert storage_failure(IntegrityError("stmt", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))) is None
    assert storage_failure(InternalError("stmt", {}, pg_errors.lookup("XX000")("internal"))) is None
    assert storage_failure(IntegrityError("stmt", {}, pg_errors.UniqueViolation("duplicate key"))) is None
    assert storage_failure(ValueError("a bug")) is None
    assert storage_failure(OSError(errno.ENOSPC, "No space left on device")).kind == FULL
    assert storage_failure(OSError(errno.EROFS, "Read-only file system")).kind == READ_ONLY
    assert storage_failure(FileNotFoundError(errno.ENOENT, "x")) is None


# -- a database that cannot be reached (both backends) --------------------------------

@pytest.fixture
def unreachable_url(tmp_path, backend) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-directory' / 'nghedan.db'}"
    return "postgresql+psycopg://nghedan@127.0.0.1:9/nghedan?connect_timeout=2"  # the discard port: refused


def test_no_database_at_all_is_503_for_the_web_and_one_line_for_the_cli(unreachable_url, clock):
    container = build_container(Settings(database_url=unreachable_url, environment="test"), clock=clock)
    try:
        with TestClient(create_app(container=container)) as http:
            r = http.get("/api/v1/cases", headers={"Authorization": "Bearer nd_x", "Accept-Language": "en"})
            assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
            assert "cannot be reached" in r.json()["detail"]
            page = Page(http)
            r = page.post("/login", {"username": "off_a", "password": "x", "next": "/"}, token_from="/login")
            assert r.status_code == 503 and "Không kết nối được cơ sở dữ liệu" in html.unescape(r.text)
            assert "Internal Server Error" not in r.text
    finally:
        container.close()
    from web.cli.main import _register, cli

    _register()
    result = CliRunner().invoke(cli, ["--lang", "en", "--database-url", unreachable_url, "cases", "list", "--as",
                                      "off_a"])
    assert result.exit_code == 2 and result.output.strip() == "error: The database cannot be reached. Try again " \
                                                              "in a few minutes.", result.output


# -- PostgreSQL refusing writes ---------------------------------------------------------

@pytest.fixture(params=["disk_full", "read_only"])
def refusing(request, engine: Engine, db_url: str) -> Iterator[tuple[Callable[[], None], str]]:
    """Turns the test database into one that refuses writes; ``yield``s the words
    the English message must contain."""
    if PG_URL is None:
        pytest.skip("PostgreSQL's refusals need PostgreSQL (NGHEDAN_TEST_DATABASE_URL, scripts/with-postgres)")
    admin = make_engine(db_url)

    def on() -> None:
        with admin.begin() as conn:
            if request.param == "disk_full":
                conn.execute(text("CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                                  "RAISE EXCEPTION 'could not extend file: No space left on device' "
                                  "USING ERRCODE = '53100'; END $$"))
                for table in ("case_events", "cases", "web_sessions", "api_tokens"):
                    conn.execute(text(f"CREATE TRIGGER test_disk_full BEFORE INSERT OR UPDATE ON {table} "
                                      "FOR EACH STATEMENT EXECUTE FUNCTION test_disk_full()"))
            else:
                name = conn.scalar(text("SELECT current_database()"))
                conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        engine.dispose()  # pooled connections began before the setting

    yield on, ("the database's disk is full" if request.param == "disk_full" else "the database is read-only")
    with admin.begin() as conn:
        conn.execute(text("SET default_transaction_read_only = off"))
        name = conn.scalar(text("SELECT current_database()"))
        conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        for table in ("case_events", "cases", "web_sessions", "api_tokens"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS test_disk_full ON {table}"))
        conn.execute(text("DROP FUNCTION IF EXISTS test_disk_full()"))
    admin.dispose()
    engine.dispose()


@pg_only
def test_a_refusing_postgresql_gets_503_on_the_api(api, as_user, world, sessions, refusing):
    turn_on, words = refusing
    case = world.new_case()
    headers = as_user("aud_p", "en")
    before = counts(sessions)
    turn_on()
    r = api.post(f"/api/v1/cases/{case.code}/remarks", json={"note": "Theo dõi"}, headers=headers)
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert words in r.json()["detail"] and r.headers["retry-after"] == "5"
    assert counts(sessions) == before


@pg_only
def test_a_refusing_postgresql_gets_a_503_page(browser, world, sessions, refusing):
    turn_on, words = refusing
    case = world.new_case()
    page = browser("aud_p")
    shown = page.get(f"/cases/{case.code}").text
    page.post("/lang", {"lang": "en", "next": f"/cases/{case.code}"}, csrf=form_values(shown, "/lang")["csrf"])
    form = form_values(page.get(f"/cases/{case.code}").text, f"/cases/{case.code}/remark")
    before = counts(sessions)
    turn_on()
    r = page.post(f"/cases/{case.code}/remark", {**form, "kind": "remark", "note": "Theo dõi"}, csrf=form["csrf"])
    assert r.status_code == 503 and r.headers["content-type"].startswith("text/html")
    assert "Temporarily unavailable" in r.text and words in html.unescape(r.text)
    assert "Internal Server Error" not in r.text
    assert counts(sessions) == before


@pg_only
def test_a_refusing_postgresql_gets_one_line_from_the_cli(run, world, sessions, refusing):
    turn_on, words = refusing
    case = world.new_case()
    before = counts(sessions)
    turn_on()
    result = run("cases", "remark", case.code, "--as", "aud_p", "--note", "Theo dõi", lang="en")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith("error: ") and words in result.output and "Traceback" not in result.output
    assert counts(sessions) == before
