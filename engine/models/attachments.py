"""Files on a case's steps (photos, letters, minutes): one row per file per step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .cases import Case, CaseEvent

__all__ = ["Attachment"]


class Attachment(Base):
    """A file added by one event of a case. The bytes live in the blob store under
    ``sha256``; the event's chained data records the same hash, size and type, so
    editing this row or the bytes is detectable. A legal deletion removes the bytes
    and records who, when and why (and the event saying so); the hash stays."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_case_id", "case_id"), Index("ix_attachments_sha256", "sha256"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id", ondelete="RESTRICT"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    thumb_sha256: Mapped[str | None] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None] = mapped_column(String(64))
    deleted_reason: Mapped[str | None] = mapped_column(Text)
    deleted_event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within its event

    case: Mapped[Case] = relationship()
    event: Mapped[CaseEvent] = relationship(foreign_keys=[event_id])
