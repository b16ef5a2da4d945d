"""A citizen's consent to be sent messages about their opinion, append-only.

Decree 13/2023/NĐ-CP (Art. 11) and the Law on Personal Data Protection (in force
since 1 January 2026) ask that consent be given for a stated purpose, be provable
(who recorded it, when) and be withdrawable at any time. So every grant and every
withdrawal is its own row, never edited or deleted: the row in force is the case's
latest (``engine.consent.current``). The address (phone, Zalo phone, email) is
personal data: it is read only to send and never leaves in a page, export or log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["CitizenConsent", "AppendOnly"]


class AppendOnly(Exception):
    """A consent row was about to be changed or deleted."""


class CitizenConsent(Base):
    __tablename__ = "citizen_consents"
    __table_args__ = (Index("ix_citizen_consents_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(16))  # given | withdrawn
    channel: Mapped[str | None] = mapped_column(String(8))  # sms | zalo | email; None when withdrawn
    address: Mapped[str | None] = mapped_column(String(254))
    purpose: Mapped[str] = mapped_column(String(32))
    # A denunciation's author asked for messages in spite of the confidentiality the law gives them.
    author_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))  # intake | tracking | official
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The official's username, or "citizen" for a withdrawal from the tracking page.
    recorded_by: Mapped[str] = mapped_column(String(64))


@event.listens_for(CitizenConsent, "before_update")
@event.listens_for(CitizenConsent, "before_delete")
def _refuse_change(mapper: object, connection: object, target: CitizenConsent) -> None:
    raise AppendOnly(f"citizen_consents row {target.id} is append-only")
