"""``nghedan backup`` and ``nghedan restore`` on the suite's backend (SQLite or
PostgreSQL): data comes back exactly, hash chains still verify, a backup taken under
writes is consistent, and every refusal leaves the database as it was. Also: the
web server starts with several workers (docs/deploy.md relies on it)."""

from __future__ import annotations

import functools

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from engine import migrate
from engine.audit import verify_all
from engine.db import make_engine
from engine.models import Base, Case
from engine.services import calendars
from web import backup as backups
from web.backup import postgres
from web.cli.main import cli
from web.worker import WorkerLock


@pytest.fixture
def run(run):
    """The CLI with English messages, which these tests read."""
    return functools.partial(run, lang="en")


def everything(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(t.select().order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}


def chain_breaks(engine: Engine) -> list[str]:
    with Session(engine) as session, closing(verify_all(session)) as breaks:
        return [str(b) for b in breaks]


def case_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Case)).scalar_one()


def refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.fixture
def cases(world):
    """Three cases at different stages, through the service."""
    a = world.new_case()
    b = world.new_case(unit="A2", content="Đèn đường hỏng đoạn qua ấp A2")
    c = world.new_case(who="off_b", unit="B1", content="Cống thoát nước bị tắc", citizen_name=None)
    world.service.fire(world["off_a"], a.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    world.service.fire(world["off_kt"], a.code, "answer", {"answer": "Đã súc rửa đường ống"})
    world.service.fire(world["off_a"], b.code, "answer_on_site", {"answer": "Đã báo điện lực"})
    return [a.code, b.code, c.code]


# ------------------------------------------------------------------- round trip


def test_backup_then_restore_brings_everything_back_exactly(run, engine, world, cases, tmp_path):
    before = everything(engine)
    dest = tmp_path / "nghedan.backup"
    done = run("backup", str(dest))
    assert done.exit_code == 0, done.output
    assert f"3 cases, schema revision {migrate.head_revision(engine)}" in done.output
    assert dest.stat().st_mode & 0o077 == 0  # citizens' data: readable by its owner only
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    # Later work, a deletion and a tampered history, all undone by the restore.
    world.new_case(content="Ý kiến sau khi sao lưu")
    world.service.fire(world["lead_a"], cases[0], "verify", {"satisfaction": "satisfied", "note": "ok"})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM role_grants WHERE user_id = (SELECT id FROM users WHERE username = 'off_b')"))
        conn.execute(text("UPDATE case_events SET note = 'sửa lén' WHERE seq = 1"))
    assert chain_breaks(engine) and everything(engine) != before

    done = run("restore", str(dest), "--yes")
    assert done.exit_code == 0, done.output
    assert "restored:" in done.output and "OK: 3 case histories verified" in done.output
    assert everything(engine) == before
    assert chain_breaks(engine) == []
    assert run("audit", "verify").exit_code == 0
    # The service works on the restored database, with the codes it had.
    world.service.fire(world["off_a"], cases[1], "withdraw", {"reason": "Dân rút ý kiến"})


def test_vietnamese_messages(run, cases, tmp_path):
    done = run("backup", str(tmp_path / "b"), lang="vi")
    assert "đã sao lưu" in done.output and "3 ý kiến" in done.output
    again = run("backup", str(tmp_path / "b"), lang="vi")
    refused(again, "đã có", "--force")


def test_force_overwrites_an_existing_file(run, engine, cases, tmp_path):
    dest = tmp_path / "b"
    dest.write_text("keep me")
    refused(run("backup", str(dest)), "exists", "--force")
    assert dest.read_text() == "keep me"
    done = run("backup", str(dest), "--force")
    assert done.exit_code == 0, done.output
    assert backups.inspect(engine, dest).revision == migrate.head_revision(engine)


def test_a_backup_taken_while_cases_are_written_is_consistent(run, engine, world, cases, tmp_path):
    stop = threading.Event()
    written: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                snap = world.new_case(content=f"Ý kiến số {len(written)}")
                world.service.fire(world["off_a"], snap.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
                written.append(snap.code)
        except BaseException as err:  # reported below, not lost in the thread
            errors.append(err)

    thread = threading.Thread(target=writer)
    thread.start()
    snaps = []
    try:
        while len(written) < 5:
            time.sleep(0.01)
        for i in range(3):
            seen = len(written)
            snaps.append(backups.backup(engine, tmp_path / f"b{i}"))
            while len(written) == seen and thread.is_alive():
                time.sleep(0.01)
    finally:
        stop.set()
        thread.join(60)
    assert not errors
    assert snaps[0].cases < snaps[-1].cases <= len(written) + 3  # the writer went on meanwhile

    for snap in snaps:
        if engine.dialect.name == "sqlite":  # a PostgreSQL archive is checked by restoring it, below
            copy = make_engine(f"sqlite:///{snap.path}")
            try:
                assert case_count(copy) == snap.cases
                assert chain_breaks(copy) == []
            finally:
                copy.dispose()
    # Restoring the middle one gives exactly the cases it reported, every chain intact.
    done = run("restore", str(snaps[1].path), "--yes")
    assert done.exit_code == 0, done.output
    assert case_count(engine) == snaps[1].cases
    assert chain_breaks(engine) == []


def test_an_older_backup_asks_for_db_upgrade(run, engine, cases, tmp_path):
    head = migrate.head_revision(engine)
    # A real older schema: the revision before the list indexes.
    older = "0008"
    migrate.downgrade(engine, older)
    assert run("backup", str(tmp_path / "old")).exit_code == 0
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head
    if engine.dialect.name == "postgresql":
        # pg_restore over tables the backup lacks (chain_rekeys, idempotency_keys) is
        # refused, telling the operator to restore into an empty database: do that.
        refused = run("restore", str(tmp_path / "old"), "--yes")
        assert refused.exit_code == 2 and "the backup predates its schema" in refused.output
        migrate.downgrade(engine, older)
    done = run("restore", str(tmp_path / "old"), "--yes")
    assert done.exit_code == 0, done.output
    assert f"schema {older} is older than the code's {head}" in done.output and "nghedan db upgrade" in done.output
    assert migrate.current_revision(engine) == older
    assert run("db", "upgrade").exit_code == 0
    assert run("audit", "verify").output.startswith("OK: 3")


@pytest.fixture
def scratch_url(engine, tmp_path):
    """An empty database beside the suite's: a new SQLite file, or a new PostgreSQL database."""
    if engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'drill' / 'nghedan.db'}"
        return
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS nghedan_drill"))
        conn.execute(text("CREATE DATABASE nghedan_drill"))
    yield engine.url.set(database="nghedan_drill").render_as_string(hide_password=False)
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("DROP DATABASE nghedan_drill WITH (FORCE)"))


def test_restore_drill_into_an_empty_database(run, engine, cases, tmp_path, scratch_url):
    """docs/deploy.md's drill: the latest backup restored beside production, checked there."""
    assert run("backup", str(tmp_path / "b")).exit_code == 0
    before = everything(engine)
    (tmp_path / "drill").mkdir()
    runner = CliRunner()
    done = runner.invoke(cli, ["--lang", "en", "--database-url", scratch_url, "restore", str(tmp_path / "b"), "--yes"])
    assert done.exit_code == 0, done.output
    assert "OK: 3 case histories verified" in done.output
    drill = make_engine(scratch_url)
    try:
        assert everything(drill) == before
        assert migrate.current_revision(drill) == migrate.head_revision(drill)
    finally:
        drill.dispose()
    assert everything(engine) == before  # production untouched


# --------------------------------------------------------------------- refusals


def test_restore_needs_yes(run, engine, world, cases, tmp_path):
    assert run("backup", str(tmp_path / "b")).exit_code == 0
    world.new_case(content="Ý kiến sau khi sao lưu")
    before = everything(engine)
    refused(run("restore", str(tmp_path / "b")), "--yes")
    assert everything(engine) == before


def test_restore_refused_while_a_worker_holds_the_lock(run, engine, world, cases, tmp_path):
    assert run("backup", str(tmp_path / "b")).exit_code == 0
    with world.service.uow() as uow:
        calendars.set_override(uow.session, date(2026, 12, 31), "day_off", "Nghỉ bù")
        uow.commit()
    before = everything(engine)
    lock = WorkerLock(engine)
    assert lock.try_acquire()
    try:
        refused(run("restore", str(tmp_path / "b"), "--yes"), "nghedan worker", "stop it first")
    finally:
        lock.release()
    assert everything(engine) == before and before["calendar_overrides"]
    # With the worker stopped, the same command goes through.
    assert run("restore", str(tmp_path / "b"), "--yes").exit_code == 0
    assert everything(engine)["calendar_overrides"] == []


def _foreign_backup(engine: Engine, path: Path) -> None:
    """A sound backup of the right kind that is not of a nghedan database."""
    if engine.dialect.name == "sqlite":
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            conn.commit()
        return
    uri, env = postgres.connection(engine)
    with engine.connect() as conn:
        major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    subprocess.run([postgres.find_tool("pg_dump", major), "--format=custom", "--table=units", f"--file={path}",
                    f"--dbname={uri}"], env=env, check=True)


def test_restore_refuses_files_that_are_not_nghedan_backups(run, engine, cases, tmp_path):
    good = tmp_path / "good"
    assert run("backup", str(good)).exit_code == 0
    before = everything(engine)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(os.urandom(64 * 1024))
    truncated = tmp_path / "truncated"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = tmp_path / "foreign"
    _foreign_backup(engine, foreign)
    other_kind = tmp_path / "other-kind"
    other_kind.write_bytes((b"PGDMP" if engine.dialect.name == "sqlite" else b"SQLite format 3\x00") + b"\x00" * 4096)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")

    for path, words in ((garbage, ["garbage"]), (truncated, ["truncated"]), (foreign, ["not", "nghedan"]),
                        (other_kind, ["backup; the configured database is"]), (empty, ["empty"])):
        refused(run("restore", str(path), "--yes"), *words)
        assert everything(engine) == before, path.name


def test_restore_refuses_a_backup_from_a_newer_schema(run, engine, cases, tmp_path):
    head = migrate.head_revision(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    assert run("backup", str(tmp_path / "future")).exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
    refused(run("restore", str(tmp_path / "future"), "--yes"), "9999", "unknown to this code")
    assert migrate.current_revision(engine) == head


def test_hostile_paths_give_one_line(run, cases, tmp_path, db_url):
    refused(run("backup", str(tmp_path / "no-such-dir" / "b")), "no such folder")
    refused(run("backup", str(tmp_path)), "is a folder")
    refused(run("restore", str(tmp_path / "missing"), "--yes"), "no file")
    refused(run("restore", str(tmp_path), "--yes"))
    nowhere = ["--lang", "en", "--database-url", f"sqlite:///{tmp_path}/nowhere/x.db"]
    refused(CliRunner().invoke(cli, [*nowhere, "backup", str(tmp_path / "b")]), "no such file or folder")
    if db_url.startswith("sqlite"):
        live = db_url.removeprefix("sqlite:///")
        refused(run("backup", live, "--force"), "live database itself")
        refused(run("restore", live, "--yes"), "live database itself")
        good = tmp_path / "good"
        assert run("backup", str(good)).exit_code == 0
        refused(CliRunner().invoke(cli, [*nowhere, "restore", str(good), "--yes"]), "nowhere")


# ------------------------------------------------------------ PostgreSQL tools


def test_the_password_never_reaches_the_command_line():
    engine = make_engine("postgresql+psycopg://nghedan:s%C3%AAcret@db.example:5433/nghedan?sslmode=require")
    uri, env = postgres.connection(engine)
    assert "sêcret" not in uri and "s%C3%AAcret" not in uri
    assert uri == "postgresql://nghedan@db.example:5433/nghedan?sslmode=require"
    assert env["PGPASSWORD"] == "sêcret"
    engine.dispose()


def _fake_tool(folder: Path, major: int, name: str = "pg_dump") -> None:
    bin_dir = folder / str(major) / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / name
    exe.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {major}.3'\n")
    exe.chmod(0o755)


def test_pg_dump_matching_the_server_is_chosen(tmp_path, monkeypatch):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    for major in (14, 15, 17):
        _fake_tool(tmp_path, major)
    dirs = str(tmp_path / "*" / "bin")
    assert postgres.find_tool("pg_dump", 15, dirs).endswith("/15/bin/pg_dump")
    assert postgres.find_tool("pg_dump", 16, dirs).endswith("/17/bin/pg_dump")  # nearest newer
    assert postgres.find_tool("pg_dump", 18, dirs).endswith("/17/bin/pg_dump")  # the best there is


def test_missing_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    with pytest.raises(backups.BackupError) as caught:
        postgres.find_tool("pg_dump", 15, str(tmp_path / "*" / "bin"))
    assert "apt-get install postgresql-client" in caught.value.message("en")
    assert "không tìm thấy pg_dump" in caught.value.message("vi")


# --------------------------------------------------------- serve with workers


def test_serve_starts_several_workers(db_url, tmp_path):
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("nghedan")
    env = {**os.environ, "NGHEDAN_DATABASE_URL": db_url}
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", "2"], cwd=tmp_path, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while sum("Started server process" in line for line in lines) < 2:
            assert server.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
            assert reply.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        reader.join(10)
        server.stderr.close()
    assert server.returncode == 0, "".join(lines)
