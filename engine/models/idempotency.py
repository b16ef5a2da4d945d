"""Requests that must take effect once: a meeting's intake, keyed by the form's
one-time nonce or by the API's ``Idempotency-Key``, and the API's other writes
that create something (a case, a remark, a workflow action's event).

The row is written in the same transaction as the work it stands for, so a replay
finds either nothing (the work never happened and may be done now) or the whole
first result, never a half. Keys are scoped to the user who sent them, and
kept for a day (``engine.services.idempotency``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["IdempotencyKey"]


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    request_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    # SHA-256 of the request as sent: the same key with another body is refused.
    # NULL for nonces kept from before bodies were fingerprinted (migration 0011).
    request_sha256: Mapped[str | None] = mapped_column(String(64))
    # A meeting's intake: its meeting, and the first result's tracking codes in the
    # order the opinions were sent (read back as the reader may now see them).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Any other keyed write: the first answer as the surface gave it (the API's
    # status and body), written in the write's own transaction (migration 0015).
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)
