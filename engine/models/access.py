"""The record of changes to who may sign in and act: users and grants added,
deactivations, removed grants, password changes and resets. Rows are only inserted (the ORM refuses an update or
a delete, and so do database triggers, migration 0012); none carries a password,
token or reset secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["AccessChange", "ACCESS_ACTIONS"]

ACCESS_ACTIONS = ("add_user", "grant", "deactivate", "reactivate", "revoke_grant", "reset_password", "change_password")


class AccessChange(Base):
    __tablename__ = "access_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # Who made the change: a signed-in administrator's username, or ``cli:<os user>``.
    by_name: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    # What changed besides the action: the grant removed ("leader @ A"), sessions
    # ended and tokens revoked. Never a secret.
    detail: Mapped[str] = mapped_column(String(200), default="")
    # A confirmation form's one-time nonce: a replayed form finds its first change.
    request_key: Mapped[str | None] = mapped_column(String(100), unique=True)


def _refuse(*_: Any) -> None:
    raise ValueError("access_changes is append-only")


event.listen(AccessChange, "before_update", _refuse)
event.listen(AccessChange, "before_delete", _refuse)
