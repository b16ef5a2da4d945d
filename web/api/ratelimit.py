"""A token-bucket rate limiter, in process memory.

Each key (an API token's id, or ``ip:<address>`` for failed authentication) has
a bucket of ``burst`` requests refilled at ``rate_per_minute``. State lives in
this process only: with several web processes behind a balancer a client may get
up to N times the rate. That is acceptable for throttling runaway integrations;
a shared limit would need a shared store (PostgreSQL or Redis) and is not done.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, rate_per_minute: float, burst: int, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Spend one request from ``key``'s bucket: ``None`` if allowed, otherwise
        the seconds until the next request would be."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate)
            if tokens >= 1.0:
                self._remember(key, tokens - 1.0, now)
                return None
            self._remember(key, tokens, now)
            return (1.0 - tokens) / self.rate

    def _remember(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        # The least recently seen keys go first; a forgotten key starts full,
        # which only ever errs on the side of letting a request through.
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
