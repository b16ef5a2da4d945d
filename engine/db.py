"""Database engines and sessions. Nothing here runs at import time.

SQLite is the embedded default (one commune, one file); PostgreSQL is for scale.
Every SQLite connection gets WAL, foreign keys and a busy timeout, and write
transactions start with BEGIN IMMEDIATE so that two writers queue instead of
failing half-way with SQLITE_BUSY when a read lock is upgraded.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["make_engine", "make_read_engine", "make_session_factory", "WRITE", "is_sqlite", "writer_lock"]

# Execution option a unit of work sets to ask for a write transaction.
WRITE = {"nghedan_write": True}

SQLITE_BUSY_TIMEOUT_MS = 15_000
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A database error's text would otherwise quote the statement's parameters —
    # a citizen's name and phone — into every log line and traceback it reaches.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {})
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        kwargs["connect_args"].setdefault("isolation_level", None)
        kwargs["connect_args"].setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_read_engine(url: str, **kwargs: Any) -> Engine:
    """An engine on a PostgreSQL streaming replica, for reads that may lag the primary
    by the replication delay (reports, public statistics, exports). Every transaction
    on it is read-only, so a write sent there by mistake fails instead of landing on
    a server that is not the replica (a read URL pointed at the primary)."""
    if url.startswith("sqlite"):
        raise ValueError("a read replica is a PostgreSQL server: SQLite has none (unset NGHEDAN_READ_DATABASE_URL)")
    kwargs.setdefault("connect_args", {})
    kwargs["connect_args"].setdefault("options", "-c default_transaction_read_only=on")
    return make_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Writers of this process queue on a lock before BEGIN IMMEDIATE: SQLite's own
    # busy handler makes a waiting writer sleep in growing steps (up to 100 ms)
    # and lets a newcomer overtake it, which under a few concurrent requests
    # turned a 30 ms write into a 1 s one at the 99th percentile (make bench).
    # Other processes still queue on SQLite's lock and its busy timeout.
    writer = _WRITERS[engine] = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get("nghedan_write"):
            conn.exec_driver_sql("BEGIN")
            return
        # Bounded wait: a thread that already writes on another connection must
        # not deadlock here; it then waits on SQLite as it would without the lock.
        held = writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        conn.info["nghedan_writer"] = held
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)
            raise

    def _release(conn: Any) -> None:
        if conn.info.pop("nghedan_writer", False):
            writer.release()

    # The events fire as the transaction ends; the next writer's BEGIN IMMEDIATE
    # then waits at most for the commit itself to finish.
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


def writer_lock(engine: Engine) -> threading.Lock | None:
    """The lock this process's writers queue on (SQLite only), for tests and diagnostics."""
    return _WRITERS.get(engine)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
