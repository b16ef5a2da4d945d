"""The unit of work: one database transaction, and the only place that commits.

Whatever a change causes (its history event, outbox messages, timers) is written as
rows in the same transaction, so it is committed or rolled back with the change:
nothing is told in memory about a change that might still be rolled back, and
the outer layers react to those rows (notifications read the outbox).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Mapping, Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .db import WRITE
from .errors import Conflict, StaleVersion

__all__ = ["UnitOfWork"]


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], *, write: bool = True,
                 info: Mapping[str, Any] | None = None):
        self._factory = session_factory
        self._write = write
        # What hooks of the transaction may ask (Session.info): the case service passes
        # its answer to "is this state final" for the report facts (engine.models.reports).
        self._info = dict(info or {})

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.session.info.update(self._info)
        self._committed = False
        if self._write:
            # On SQLite this turns the transaction into BEGIN IMMEDIATE (see engine.db).
            self.session.connection(execution_options=WRITE)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()

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
