"""The API's rate limit, counted in the database so it holds across every web
process behind a balancer.

Each key (an API token's id, or ``ip:<address>`` for failed authentication) may
make ``burst`` requests in a window of ``burst / rate_per_minute`` minutes that
starts at its first request: on average no more than ``rate_per_minute``, and no
more than ``burst`` at once within a window (a client that spends its burst at a
window's end and again at the next one's start sends at most 2 × burst in a short
time). Taking a request is one UPSERT in its own short write transaction
(``engine.throttles``); docs/deploy.md says what that costs.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from engine import throttles
from engine.errors import Conflict
from engine.uow import UnitOfWork

if TYPE_CHECKING:  # the container builds the limiter
    from ..container import Container

__all__ = ["RateLimiter"]

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, rate_per_minute: float, burst: int) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.limit = burst
        self.window = timedelta(minutes=burst / rate_per_minute)

    def take(self, c: Container, key: str) -> float | None:
        """Count one request for ``key``: ``None`` if allowed, otherwise the seconds
        until the next request would be."""
        now = c.clock.now()
        try:
            with UnitOfWork(c.sessions, write=True) as uow:
                taken = throttles.take(uow.session, f"api:{key}", limit=self.limit, window=self.window, now=now)
                uow.commit()
        except (SQLAlchemyError, Conflict):
            # A database that cannot count this request (busy, full) would fail the
            # request's own work too if it writes; a read is let through.
            log.warning("API rate limit not counted: the database refused the write")
            return None
        return None if taken.allowed else float(taken.wait(now))
