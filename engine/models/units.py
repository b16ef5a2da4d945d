"""The administrative tree and the people who work in it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

__all__ = ["Unit", "UnitPlacement", "User", "RoleGrant", "CalendarOverride"]


class Unit(Base):
    """A node of the tree: province → (district) → commune → village, plus attached
    organisations (departments, police, the Front committee).

    ``path`` is the materialised chain of ids ("/1/4/9/") so that "everything under
    this commune" is one indexed prefix match instead of a recursive query.
    """

    __tablename__ = "units"
    __table_args__ = (Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Scopes match paths by prefix (LIKE '/1/7/%'); PostgreSQL uses an index for
    # that only with pattern ops (or a C collation), SQLite with its default one.
    path: Mapped[str] = mapped_column(String(400))
    # The 2025 reform abolished districts and merged communes: a case keeps the
    # unit valid when it was received; the successor says where its work went.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class UnitPlacement(Base):
    """Where a unit was in the tree before it was re-parented: its ``path`` until
    the day ``until`` (exclusive). Paths are rewritten when a unit moves (scopes
    match them by prefix), so without these a moved commune's past cases would
    leave the abolished district's past reports (engine.reports.scope)."""

    __tablename__ = "unit_placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400))
    until: Mapped[date] = mapped_column(Date)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="vi")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by a password reset: the temporary password opens only the page that changes
    # it, and only until ``temporary_until`` (a handed-over note must not work forever).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    temporary_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class RoleGrant(Base):
    """A role on a unit subtree: a leader of a commune leads its villages too."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))

    user: Mapped[User] = relationship(back_populates="grants")
    unit: Mapped[Unit] = relationship(lazy="joined")


class CalendarOverride(Base):
    """The government announces swapped days each year; admins record them here."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # day_off | working_day
    note: Mapped[str] = mapped_column(String(200), default="")
    # Who recorded it and when (empty / NULL for rows older than migration 0016).
    added_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    added_at: Mapped[datetime | None]


Index("ix_units_parent", Unit.parent_id)
# Who a successor took over from: read on every sign-in (engine.succession).
Index("ix_units_successor", Unit.successor_id)
