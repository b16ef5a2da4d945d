"""Rows a unit of work writes but never reads back as objects (outbox messages, a
new stage's timers), held until the session's next flush and then written as one
multi-row INSERT per table, in the same transaction.

The ORM's unit of work builds an object, tracks it and sends one ``INSERT …
RETURNING`` per row for these; a transition or a meeting's batch of opinions spent
most of its time there (issue 19). A row may name the case it belongs to before the
case has an id: the id is filled in once the flush that inserted the case is done.
Rows not yet written when the transaction rolls back are dropped with it.
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session

__all__ = ["add_row", "pending_rows", "write_rows"]

KEY = "nghedan.batched_rows"

# (table, the case the row belongs to or None, the row's values without case_id)
_Entry = tuple[Table, Any, dict[str, Any]]
_INSERTS: dict[Table, Any] = {}


def add_row(session: Session, table: Table, values: dict[str, Any], *, case: Any = None) -> None:
    """Write ``values`` into ``table`` with the session's next flush; with ``case``,
    its ``case_id`` is that case's id (known by then)."""
    session.info.setdefault(KEY, []).append((table, case, values))


def pending_rows(session: Session, table: Table, case: Any,
                 where: Callable[[dict[str, Any]], bool] = lambda _: True) -> list[dict[str, Any]]:
    """The rows of ``case`` in ``table`` still waiting for the flush (mutable: a
    change made to one is what gets written)."""
    return [values for t, c, values in session.info.get(KEY, ()) if t is table and c is case and where(values)]


def write_rows(session: Session) -> None:
    """Write every waiting row whose case has an id, in the order they were added."""
    entries: list[_Entry] = session.info.get(KEY) or []
    if not entries:
        return
    ready = [e for e in entries if e[1] is None or e[1].id is not None]
    if not ready:
        return
    session.info[KEY] = [e for e in entries if not (e[1] is None or e[1].id is not None)]
    groups: dict[tuple[Table, frozenset[str]], list[dict[str, Any]]] = {}
    for table, case, values in ready:
        row = values if case is None else {**values, "case_id": case.id}
        groups.setdefault((table, frozenset(row)), []).append(row)
    connection = session.connection()
    for (table, _), rows in groups.items():
        if table not in _INSERTS:
            _INSERTS[table] = insert(table)  # built and cache-keyed once per table
        connection.execute(_INSERTS[table], rows)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    write_rows(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # A transaction whose only changes are waiting rows has nothing for the ORM to
    # flush, so no flush would write them.
    if session.info.get(KEY):
        session.flush()
        write_rows(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)
