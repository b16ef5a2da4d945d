"""Backup and restore of the whole database, for ``nghedan backup`` / ``restore``.

This lives in ``web`` rather than ``engine``: a restore must first make sure no
worker is writing (``web.worker.WorkerLock``), and running the PostgreSQL client
programs is deployment plumbing, not the domain. Each backend has its own module;
this one chooses, holds the worker lock, and checks the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from engine import migrate
from engine.audit import verify_all
from engine.db import is_sqlite
from engine.models import Case

from ..worker import WorkerLock
from . import postgres, sqlite
from .common import BackupError, Snapshot, human_size

__all__ = ["BackupError", "Snapshot", "Restored", "backup", "inspect", "exclusive", "restore", "human_size"]


@dataclass(frozen=True)
class Restored:
    """The database after a restore, as read back from it."""

    revision: str | None
    head: str | None
    cases: int
    # Case histories whose hash chain does not verify; None when not checked because
    # the schema is older than the code (checked after `nghedan db upgrade`).
    broken: list[str] | None

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def _backend(engine: Engine) -> ModuleType:
    return sqlite if is_sqlite(engine) else postgres


def _os_error(err: OSError) -> BackupError:
    where = f"{err.filename}: " if err.filename else ""
    return BackupError(f"lỗi tệp: {where}{err.strerror or err}", f"file error: {where}{err.strerror or err}")


def backup(engine: Engine, dest: Path, *, force: bool = False) -> Snapshot:
    """Copy the live database to DEST, consistently even while others write."""
    try:
        return _backend(engine).backup(engine, dest, force)
    except OSError as err:
        raise _os_error(err) from None


def inspect(engine: Engine, src: Path) -> Snapshot:
    """Refuse SRC unless it is a sound nghedan backup for this backend and this code."""
    try:
        return _backend(engine).inspect(engine, src)
    except OSError as err:
        raise _os_error(err) from None


@contextmanager
def exclusive(engine: Engine) -> Iterator[None]:
    """Hold the worker lock: refuse if a worker is active, and keep one from starting
    while the database is replaced under it."""
    lock = WorkerLock(engine)
    try:
        try:
            held = lock.try_acquire()
        except OSError as err:  # the lock file's folder (SQLite) is missing or not writable
            raise _os_error(err) from None
        if not held:
            raise BackupError(
                "một tiến trình `nghedan worker` đang chạy và sẽ ghi vào cơ sở dữ liệu đang bị thay thế: "
                "hãy dừng nó trước, rồi khởi động lại sau khi phục hồi",
                "a `nghedan worker` is running and would write into the database being replaced: "
                "stop it first, and start it again after the restore")
        yield
    finally:
        lock.release()


def restore(engine: Engine, snap: Snapshot) -> Restored:
    """Replace the database's content with the inspected backup; call within ``exclusive``."""
    try:
        _backend(engine).restore(engine, snap)
    except OSError as err:
        raise _os_error(err) from None
    revision, head = migrate.current_revision(engine), migrate.head_revision(engine)
    with Session(engine) as session:
        cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
        broken: list[str] | None = None
        if revision == head:  # the models describe only the newest schema
            with closing(verify_all(session)) as breaks:
                broken = [str(b) for b in breaks]
    return Restored(revision, head, cases, broken)
