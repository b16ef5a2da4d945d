"""The transactional outbox: facts that someone must be told about, written in the
same transaction as the change that caused them, delivered later by notifications/.

The engine decides *what* happened and *who* should know (resolved from role
grants at the time); the notifications layer decides *how* (email, webhook,
in-app, digest) and records delivery attempts in its own tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

__all__ = ["OutboxMessage"]


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a rule fired twice, or a sweep re-run after a crash, cannot write a
    # second message. Typical keys: "case:<code>:event:<seq>", "timer:<id>:<user>".
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(48))  # case.created, case.transitioned, deadline.overdue, ...
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Never personal data: codes, topics, units, states, lateness. Names and phone
    # numbers stay in the app (and a denouncer's identity never leaves it).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | processed
    processed_at: Mapped[datetime | None]

    case: Mapped["Case | None"] = relationship()  # noqa: F821 (resolved by the registry)
