"""The unit of work: one database transaction, and the only place that commits.

Domain events raised while it is open are handed to the message bus only after
the commit succeeded, so nobody is told about a change that was rolled back.
Anything that must not be lost (notifications, timers) is written as rows in the
same transaction instead; after-commit handlers are for what may be recomputed.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Callable, Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .db import WRITE
from .errors import Conflict, StaleVersion

__all__ = ["UnitOfWork", "MessageBus"]

Handler = Callable[[Any], None]


class MessageBus:
    """Maps domain event types to handlers run after commit."""

    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = {}

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers.setdefault(event_type, []).append(handler)

    def publish(self, events: list[Any]) -> None:
        for event in events:
            for handler in self._handlers.get(type(event), []):
                handler(event)


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], bus: MessageBus | None = None, *, write: bool = True):
        self._factory = session_factory
        self._bus = bus
        self._write = write
        self.events: list[Any] = []

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.events = []
        self._committed = False
        if self._write:
            # On SQLite this turns the transaction into BEGIN IMMEDIATE (see engine.db).
            self.session.connection(execution_options=WRITE)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()

    def collect(self, event: Any) -> None:
        self.events.append(event)

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as err:
            self.session.rollback()
            raise StaleVersion(case="?", expected="?", actual="?") from err
        except IntegrityError as err:
            self.session.rollback()
            if "case_events" in str(err.orig):
                # Two writers appended the same event number: the loser is stale.
                raise StaleVersion(case="?", expected="?", actual="?") from err
            raise
        except OperationalError as err:
            self.session.rollback()
            if "locked" in str(err.orig) or "deadlock" in str(err.orig):
                raise Conflict(detail=str(err.orig)) from err
            raise
        self._committed = True
        events, self.events = self.events, []
        if self._bus is not None:
            self._bus.publish(events)
