"""PostgreSQL backups with ``pg_dump --format=custom`` and ``pg_restore``.

The dump runs on a snapshot this module exports, so the case count and schema
revision it reports are those of the archive, not of a moment later. The password
travels in ``PGPASSWORD``, never on a command line other users can read in ``ps``.
A restore is one transaction (``--single-transaction``): it applies entirely or not
at all.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import URL, Engine, inspect as inspect_schema, text

from .common import BackupError, Snapshot, check_dest, known_revision, publish, temp_beside

__all__ = ["find_tool", "connection", "backup", "inspect", "restore"]

TOOL_DIRS = "/usr/lib/postgresql/*/bin"
SQLITE_MAGIC = b"SQLite format 3\x00"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def _major(exe: str) -> int | None:
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = _VERSION.search(out)
    return int(found.group(1)) if found else None


def find_tool(name: str, server_major: int, dirs: str = TOOL_DIRS) -> str:
    """The client program for this server: the same major version if installed, else
    the nearest newer one (pg_dump refuses a server newer than itself, and a much newer
    pg_restore may emit settings an older server lacks), else the newest found."""
    found: dict[str, int] = {}
    for exe in [*sorted(glob.glob(os.path.join(dirs, name))), shutil.which(name)]:
        if exe and os.access(exe, os.X_OK) and exe not in found:
            major = _major(exe)
            if major is not None:
                found[exe] = major
    if not found:
        raise BackupError(
            f"không tìm thấy {name}: cài gói client của PostgreSQL (Debian: apt-get install postgresql-client)",
            f"{name} not found: install the PostgreSQL client (Debian: apt-get install postgresql-client)")
    usable = [(major, exe) for exe, major in found.items() if major >= server_major]
    return min(usable)[1] if usable else max((major, exe) for exe, major in found.items())[1]


def connection(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment that carries it."""
    url = engine.url
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query)
    uri = bare.render_as_string(hide_password=False)
    return uri, env


def _run(argv: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = " | ".join(done.stderr.strip().splitlines()[-3:]) or f"exit status {done.returncode}"
        raise BackupError(f"{what} thất bại: {detail}", f"{what} failed: {detail}")
    return done.stdout


def _server_major(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _archive_tables(tool: str, path: Path) -> set[str]:
    try:
        toc = _run([tool, "--list", str(path)], os.environ.copy(), "pg_restore --list")
    except BackupError as err:
        raise BackupError(f"{path} không đọc được: {err.vi}", f"{path} is unreadable: {err.en}") from None
    # TOC lines look like "215; 1259 16386 TABLE public cases nghedan".
    return {m.group(1) for m in re.finditer(r"^\d+;\s+\d+\s+\d+\s+TABLE public (\S+) ", toc, re.M)}


def _archive_revision(tool: str, path: Path) -> str:
    script = _run([tool, "--data-only", "--table=alembic_version", "--file=-", str(path)], os.environ.copy(),
                  "pg_restore")
    rows = re.search(r"^COPY public\.alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$", script, re.M | re.S)
    heads = sorted(line for line in (rows.group(1).splitlines() if rows else []) if line)
    if not heads:
        raise BackupError(f"{path} chưa có phiên bản lược đồ (alembic_version trống)",
                          f"{path} has no schema revision (alembic_version is empty)")
    return ",".join(heads)


def backup(engine: Engine, dest: Path, force: bool) -> Snapshot:
    check_dest(dest, force)
    major = _server_major(engine)
    tool, restorer = find_tool("pg_dump", major), find_tool("pg_restore", major)
    uri, env = connection(engine)
    tmp = temp_beside(dest)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # Exported first, so it is this transaction's snapshot and the counts below match the dump.
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                # This transaction idles while pg_dump works; a server-wide idle timeout must not end it.
                conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
                heads = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
                cases = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
                _run([tool, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={tmp}",
                      f"--dbname={uri}"], env, "pg_dump")
        revision = ",".join(heads)
        if "alembic_version" not in _archive_tables(restorer, tmp) or _archive_revision(restorer, tmp) != revision:
            raise BackupError(f"bản sao {tmp} không mang phiên bản lược đồ {revision}",
                              f"the archive {tmp} does not carry schema revision {revision}")
        publish(tmp, dest, force)
    finally:
        tmp.unlink(missing_ok=True)
    return Snapshot(dest, dest.stat().st_size, revision, cases)


def inspect(engine: Engine, src: Path) -> Snapshot:
    """Check that SRC is a pg_dump archive of a nghedan database this code knows, and
    that restoring it replaces every table the database has."""
    if not src.is_file():
        raise BackupError(f"không có tệp {src}", f"no file {src}")
    with open(src, "rb") as stream:
        head = stream.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        raise BackupError(f"{src} là bản sao lưu SQLite; cơ sở dữ liệu đang dùng là PostgreSQL",
                          f"{src} is an SQLite backup; the configured database is PostgreSQL")
    if not head.startswith(b"PGDMP"):
        raise BackupError(f"{src} không phải bản sao lưu pg_dump (--format=custom)",
                          f"{src} is not a pg_dump archive (--format=custom)")
    tool = find_tool("pg_restore", _server_major(engine))
    tables = _archive_tables(tool, src)
    if not {"alembic_version", "cases"} <= tables:
        raise BackupError(f"{src} không phải bản sao lưu của cơ sở dữ liệu nghedan",
                          f"{src} is not a backup of a nghedan database")
    revision = _archive_revision(tool, src)
    known_revision(engine, revision)
    extra = sorted(set(inspect_schema(engine).get_table_names(schema="public")) - tables)
    if extra:
        # --clean drops only what the archive holds; a later migration's tables would
        # stay behind, and their foreign keys would block the drops anyway.
        raise BackupError(
            f"cơ sở dữ liệu có bảng mà bản sao lưu không có ({', '.join(extra)}): bản sao lưu cũ hơn lược đồ hiện tại. "
            "Hãy phục hồi vào một cơ sở dữ liệu trống (dropdb, createdb) rồi chạy lại lệnh này.",
            f"the database has tables the backup lacks ({', '.join(extra)}): the backup predates its schema. "
            "Restore into an empty database (dropdb, createdb), then run this command again.")
    return Snapshot(src, src.stat().st_size, revision, None)


def restore(engine: Engine, snap: Snapshot) -> None:
    tool = find_tool("pg_restore", _server_major(engine))
    uri, env = connection(engine)
    _run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--no-password",
          f"--dbname={uri}", str(snap.path)], env, "pg_restore")
