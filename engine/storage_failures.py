"""Whether an error means the database cannot work for now: its disk is full, it
cannot read or write its files, it is read-only, or it cannot be reached.

One rule for every surface: the API answers 503 problem+json, the pages a 503
page in the reader's language, the CLI one line and exit status 2. A transaction
that failed this way was rolled back, so nothing was half-written.

What is read: SQLite's messages (``sqlite3.OperationalError`` carries no code),
PostgreSQL's SQLSTATE (``53100`` disk full, ``25006`` read-only transaction, class
``08`` connection, ``57P0x`` shutting down, ``58030`` I/O), a driver error without
SQLSTATE (no server answered), and ``OSError`` numbers (ENOSPC, EROFS, EIO) for
files the application writes itself. Any other ``OperationalError`` also counts
(the API has always answered those 503), under the kind ``unavailable``.

``log_line`` says what happened without the statement or its parameters, which
SQLAlchemy's own message carries and which may hold a citizen's data.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError

from .catalogue import text

__all__ = ["StorageFailure", "storage_failure", "FULL", "READ_ONLY", "IO", "UNREACHABLE", "UNAVAILABLE"]

FULL, READ_ONLY, IO, UNREACHABLE, UNAVAILABLE = "full", "read_only", "io", "unreachable", "unavailable"

# What a person is told is ``storage.<kind>`` in the catalogue (engine.catalogue).

_SQLITE = (("database or disk is full", FULL), ("disk i/o error", IO), ("readonly database", READ_ONLY),
           ("read-only", READ_ONLY), ("disk image is malformed", IO), ("unable to open database", UNREACHABLE))
_SQLSTATE = {"53100": FULL, "25006": READ_ONLY, "58030": IO, "57P01": UNREACHABLE, "57P02": UNREACHABLE,
             "57P03": UNREACHABLE}
_ERRNO = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY, errno.EIO: IO}


@dataclass(frozen=True)
class StorageFailure:
    kind: str
    source: str  # the driver's exception class, e.g. "sqlite3.OperationalError"

    def message(self, lang: str = "vi") -> str:
        return text(f"storage.{self.kind}", lang)

    def log_line(self) -> str:
        return f"storage unavailable: {self.kind} ({self.source})"


def _name(err: BaseException) -> str:
    return f"{type(err).__module__}.{type(err).__qualname__}"


def _driver_kind(orig: BaseException) -> str | None:
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(state, str) and state:
        if state in _SQLSTATE:
            return _SQLSTATE[state]
        if state.startswith("08"):
            return UNREACHABLE
        return None
    text = str(orig).lower()
    for needle, kind in _SQLITE:
        if needle in text:
            return kind
    if type(orig).__module__.startswith("psycopg") and type(orig).__name__ == "OperationalError":
        return UNREACHABLE  # no SQLSTATE: no server answered (refused, timed out, gone)
    return None


def _one(err: BaseException) -> StorageFailure | None:
    if isinstance(err, DBAPIError) and err.orig is not None:
        kind = _driver_kind(err.orig)
        if kind is None and isinstance(err, OperationalError):
            kind = UNAVAILABLE
        return StorageFailure(kind, _name(err.orig)) if kind else None
    if isinstance(err, OSError) and err.errno in _ERRNO:
        return StorageFailure(_ERRNO[err.errno], _name(err))
    if type(err).__module__ in ("sqlite3",) or type(err).__module__.startswith("psycopg"):
        kind = _driver_kind(err)
        return StorageFailure(kind, _name(err)) if kind else None
    return None


def storage_failure(err: BaseException) -> StorageFailure | None:
    """The failure ``err`` stands for, or None when it is something else (a bug)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        found = _one(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None
