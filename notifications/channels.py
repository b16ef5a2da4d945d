"""The one interface every outgoing channel implements.

A delivery is sent in two steps so that no network call happens inside a database
transaction: ``prepare`` reads what it needs and renders the message (inside a
read-only session), ``send`` talks to the outside world (with no session open).
The in-app inbox needs neither: its items are written at fan-out (see fanout.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from engine.models import NotificationDelivery

__all__ = ["Channel", "SendError", "Withheld"]


class SendError(Exception):
    """A failed attempt. ``permanent`` ones are not retried (the delivery goes dead)."""

    def __init__(self, message: str, *, permanent: bool = False, transcript: list[str] | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        # What was said with the server up to the failure, for `nghedan notify test`.
        self.transcript = transcript or []


class Withheld(SendError):
    """Not sent, and never to be: the citizen's consent was withdrawn (or no longer
    allows this message) after fan-out. Not a failure: the admins are not told."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class Channel(Protocol):
    name: str

    @property
    def enabled(self) -> bool:
        """False when not configured: its deliveries wait, nothing is lost."""
        ...

    @property
    def timeout(self) -> float:
        """Seconds one send may take at most (the claim's lease must outlast it)."""
        ...

    def prepare(self, session: Session, delivery: NotificationDelivery, now: datetime) -> Any:
        """Render the message from the database; raise SendError(permanent=True) if it cannot be."""
        ...

    def send(self, prepared: Any, now: datetime) -> str:
        """Send it; return what the receiver answered; raise SendError on failure."""
        ...
