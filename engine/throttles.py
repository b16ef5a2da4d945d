"""Counting attempts against a limit, atomically in the database, so that a limit
holds however many requests, threads or server processes arrive at once.

A counter is one row per key (``login-user:<name>``, ``api-token:7``, ...): the
count of attempts since its window started, the window starting at the first
attempt counted. Taking one slot is a single ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` (PostgreSQL and SQLite ≥ 3.35 alike): the database serialises writers
of one row, so N concurrent takers see N distinct counts and at most ``limit`` of
them are allowed. A caller takes its slot *before* the costly or guessable work (a
password check) and commits it, so the slot is visible to every other taker first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .models.web_sessions import RateCounter

__all__ = ["Taken", "take", "give_back", "forget", "MAX_KEY", "SWEEP_AFTER"]

MAX_KEY = 120
# Counters idle this long are deleted (by the next counter that starts a window).
SWEEP_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Taken:
    """The outcome of one attempt: its number in the window and when the window ends."""

    count: int
    limit: int
    started_at: datetime
    ends_at: datetime

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    def wait(self, now: datetime) -> int:
        """Whole seconds until another attempt may be tried; 0 when this one was allowed."""
        return 0 if self.allowed else max(1, math.ceil((self.ends_at - now).total_seconds()))


def take(session: Session, key: str, *, limit: int, window: timedelta, now: datetime) -> Taken:
    """Count one attempt for ``key`` and say whether it is within ``limit`` per
    ``window``. One statement; the caller commits (before doing the guarded work)."""
    key = key[:MAX_KEY]
    since = now - window
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # A counter lost in a crash lets one more attempt through, once: not worth
        # waiting for the WAL flush on every request. (Callers give counters a
        # transaction of their own, so nothing else commits this way.)
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    insert = pg_insert if postgres else sqlite_insert
    table = RateCounter.__table__
    current = table.c.started_at > since
    statement = insert(table).values(key=key, started_at=now, count=1)
    statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
        # Both expressions read the row as it was: a window that ended restarts at 1.
        "count": case((current, table.c.count + 1), else_=1),
        "started_at": case((current, table.c.started_at), else_=now),
    }).returning(table.c.count, table.c.started_at)
    count, started_at = session.execute(statement).one()
    if count == 1:
        # A window starts at most once per key and window: the rare moment to sweep.
        session.execute(delete(RateCounter).where(RateCounter.started_at < now - max(window, SWEEP_AFTER)))
    return Taken(count=count, limit=limit, started_at=started_at, ends_at=started_at + window)


def give_back(session: Session, key: str, taken: Taken) -> None:
    """Return a slot to the window it was taken from (an attempt that should not
    count, e.g. a successful sign-in from a shared office address)."""
    session.execute(update(RateCounter)
                    .where(RateCounter.key == key[:MAX_KEY], RateCounter.started_at == taken.started_at,
                           RateCounter.count > 0)
                    .values(count=RateCounter.count - 1))


def forget(session: Session, key: str) -> None:
    """Clear a key's counter (a successful sign-in clears its user's failures)."""
    session.execute(delete(RateCounter).where(RateCounter.key == key[:MAX_KEY]))
