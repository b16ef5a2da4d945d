"""SQLite backups through SQLite's online backup API.

The copy is made in one ``backup`` step, which reads the source inside a single read
transaction: in WAL mode writers carry on meanwhile, and the copy is the database as
it was at one instant. Restoring goes through the same API into the live file, so
the web server's open connections see either the old database or the new one, never
a file being overwritten under them.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine

from engine.db import SQLITE_BUSY_TIMEOUT_MS

from .common import BackupError, Snapshot, check_dest, known_revision, publish, temp_beside

__all__ = ["live_path", "backup", "inspect", "restore"]

_TIMEOUT = SQLITE_BUSY_TIMEOUT_MS / 1000
PG_MAGIC = b"PGDMP"


def live_path(engine: Engine, must_exist: bool = True) -> Path:
    database = engine.url.database
    if database in (None, "", ":memory:"):
        raise BackupError("cơ sở dữ liệu trong bộ nhớ: không có gì để sao lưu hay phục hồi",
                          "an in-memory database: nothing to back up or restore")
    path = Path(database)  # type: ignore[arg-type]
    if not (path.is_file() if must_exist else path.parent.is_dir()):
        missing = path if must_exist else path.parent
        raise BackupError(f"không có {missing}", f"no such file or folder: {missing}")
    return path


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    # A URI with a mode never creates a missing file, unlike a plain connect().
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=_TIMEOUT)


def _describe(conn: sqlite3.Connection, path: Path) -> tuple[str, int]:
    """(revision, case count) of a nghedan database that passes integrity_check."""
    try:
        checked = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if checked != ["ok"]:
            raise BackupError(f"{path} hỏng: {'; '.join(checked[:3])}", f"{path} is damaged: {'; '.join(checked[:3])}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "cases"} <= tables:
            raise BackupError(f"{path} không phải cơ sở dữ liệu nghedan", f"{path} is not a nghedan database")
        heads = sorted(row[0] for row in conn.execute("SELECT version_num FROM alembic_version"))
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{path} không phải cơ sở dữ liệu SQLite đọc được ({err})",
                          f"{path} is not a readable SQLite database ({err})") from None
    if not heads:
        raise BackupError(f"{path} chưa có phiên bản lược đồ (alembic_version trống)",
                          f"{path} has no schema revision (alembic_version is empty)")
    return ",".join(heads), int(cases)


def inspect(engine: Engine, src: Path) -> Snapshot:
    """Check that SRC is a sound nghedan SQLite database this code can restore."""
    if not src.is_file():
        raise BackupError(f"không có tệp {src}", f"no file {src}")
    live = live_path(engine, must_exist=False)
    if live.exists() and os.path.samefile(src, live):
        raise BackupError(f"{src} là chính cơ sở dữ liệu đang dùng", f"{src} is the live database itself")
    with open(src, "rb") as stream:
        if stream.read(len(PG_MAGIC)) == PG_MAGIC:
            raise BackupError(f"{src} là bản sao lưu PostgreSQL; cơ sở dữ liệu đang dùng là SQLite",
                              f"{src} is a PostgreSQL backup; the configured database is SQLite")
    with closing(_connect(src, "ro")) as conn:
        revision, cases = _describe(conn, src)
    known_revision(engine, revision)
    return Snapshot(src, src.stat().st_size, revision, cases)


def backup(engine: Engine, dest: Path, force: bool) -> Snapshot:
    live = live_path(engine)
    check_dest(dest, force, live)
    tmp = temp_beside(dest)
    try:
        with closing(_connect(live, "rw")) as source, closing(sqlite3.connect(tmp)) as copy:
            source.backup(copy)
            # The copy inherits WAL mode; a backup should be one self-contained file.
            copy.execute("PRAGMA journal_mode=DELETE")
            with closing(source.execute("SELECT version_num FROM alembic_version")) as rows:
                source_revision = ",".join(sorted(row[0] for row in rows))
        with closing(_connect(tmp, "ro")) as conn:
            revision, cases = _describe(conn, tmp)
        if revision != source_revision:
            raise BackupError(f"bản sao ở phiên bản {revision}, nguồn ở {source_revision}",
                              f"the copy is at revision {revision}, the source at {source_revision}")
        publish(tmp, dest, force)
    finally:
        tmp.unlink(missing_ok=True)
    return Snapshot(dest, dest.stat().st_size, revision, cases)


def restore(engine: Engine, snap: Snapshot) -> None:
    # A missing file is created: restoring onto a new machine, or for a restore drill.
    live = live_path(engine, must_exist=False)
    with closing(_connect(snap.path, "ro")) as source, closing(_connect(live, "rwc")) as target:
        source.backup(target)
        checked = [row[0] for row in target.execute("PRAGMA integrity_check")]
    if checked != ["ok"]:
        raise BackupError(f"sau khi phục hồi, kiểm tra toàn vẹn báo: {'; '.join(checked[:3])}",
                          f"after the restore, integrity_check says: {'; '.join(checked[:3])}")
