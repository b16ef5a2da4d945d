"""Tables of the web front end: server-side sessions and the counters of sign-in,
lookup and API attempts (throttling that holds across processes). A form that must
be acted on once keys its work in ``idempotency_keys`` (engine.models.idempotency),
written with the work.

None of them is part of a case's history: they may be emptied at any time (every
user is then signed out).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["WebSession", "RateCounter"]


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is
    stored, so a copy of this table does not let anyone sign in."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class RateCounter(Base):
    """Attempts counted against a limit since ``started_at`` (``engine.throttles``):
    sign-ins per user and per address, public lookups, API requests per token."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
