"""What one batch of new opinions shares, so that recording a meeting's twenty
opinions costs a few statements rather than a few per opinion (issue 19): the
units already looked up (a meeting's opinions mostly name the same village) and
the fresh codes, drawn for the whole batch and checked against the database in one
query instead of one per opinion."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ
from ..models import Case, CaseEvent, Unit

__all__ = ["Batch", "assign_ids"]

_MAX_ID = {model: select(func.max(model.id)) for model in (Case, CaseEvent)}
_TAKEN = select(Case.code).where(Case.code.in_(bindparam("codes", expanding=True)))


class Batch:
    def __init__(self, size: int) -> None:
        self.units: dict[tuple[str, str, date], Unit] = {}
        self.prefixes: dict[int, str] = {}
        self.codes: set[str] = set()
        self._left = max(1, size)  # opinions still to be given a code
        self._pools: dict[tuple[str, int], list[str]] = {}

    def unit(self, lookup: Callable[[Session, str, Any, datetime], Unit], session: Session, field: str, code: Any,
             on: datetime) -> Unit:
        if not isinstance(code, str):
            return lookup(session, field, code, on)  # refused there, in the user's words
        # A unit's validity depends on the day the opinion was received.
        key = (field, code, on.astimezone(LOCAL_TZ).date())
        if key not in self.units:
            self.units[key] = lookup(session, field, code, on)
        return self.units[key]

    def code(self, session: Session, prefix: str, year: int, draw: Callable[[str, int], str]) -> str:
        """A code no case has and no other opinion of the batch got. Codes for the
        rest of the batch are drawn at once and checked in one query; the batch's
        own codes are not flushed yet, so the query could not see them."""
        pool = self._pools.setdefault((prefix, year), [])
        while not pool:
            drawn: list[str] = []
            while len(drawn) < self._left:
                code = draw(prefix, year)
                if code not in self.codes and code not in drawn:
                    drawn.append(code)
            taken = set(session.scalars(_TAKEN, {"codes": drawn}))
            pool.extend(code for code in drawn if code not in taken)
        code = pool.pop(0)
        self.codes.add(code)
        self._left = max(1, self._left - 1)
        return code


def assign_ids(session: Session) -> None:
    """On SQLite, give the batch's new cases and events their ids before the flush,
    so the unit of work writes each table with one executemany. Without ids it must
    send one ``INSERT … RETURNING`` per row: SQLite cannot say which returned id
    belongs to which row of a multi-row INSERT. Safe because a write transaction
    on SQLite holds the database's only write lock (``BEGIN IMMEDIATE``, engine.db):
    nobody else can take the next ids before this commits. PostgreSQL's sequences
    and its ordered multi-row ``RETURNING`` need none of this."""
    if session.get_bind().dialect.name != "sqlite":
        return
    for model in (Case, CaseEvent):
        new = [obj for obj in session.new if type(obj) is model and obj.id is None]
        if new:
            first = (session.scalar(_MAX_ID[model]) or 0) + 1
            for offset, obj in enumerate(new):
                obj.id = first + offset
