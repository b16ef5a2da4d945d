"""The PIN printed on a case's receipt (phiếu tiếp nhận), stored only as a hash.

One row per case: issuing a receipt again replaces the row, so the old PIN stops
working the moment the new one is printed (the chain records each issue).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["ReceiptPin"]


class ReceiptPin(Base):
    __tablename__ = "receipt_pins"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    # "scrypt$<salt hex>$<hash hex>" (engine.services.receipts).
    pin_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
