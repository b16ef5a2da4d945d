"""What the field's other programmes record beyond cases and meetings.

* A village's Tổ dân vận (``Team``) and its members over time (``TeamMember``:
  role, joined, left) — a member may also be a user holding the ``member`` role
  on the village.
* A head's reception schedule (``ReceptionSchedule``): how many reception days a
  month their rule requires (Quy định 11-QĐi/TW for heads of Party committees).
* What a meeting was when it was a reception day (``ReceptionDay``: regular or ad
  hoc, who received and in which capacity) or a dialogue (``Dialogue``: who chaired,
  the Front's representative).
* A document announced to the people (``PublicDocument``: a dialogue's conclusion)
  and its commitments (``DocumentItem``), each followed by a case.
* The parties of a dispute (``CaseParty``): personal data, read only through
  ``engine.disclosure``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .units import Unit

__all__ = ["Team", "TeamMember", "ReceptionSchedule", "ReceptionDay", "Dialogue", "PublicDocument",
           "DocumentItem", "CaseParty"]


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One Tổ dân vận per village.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    unit: Mapped[Unit] = relationship(lazy="joined")


class TeamMember(Base):
    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # leader | deputy | member (engine.services.teams)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class ReceptionSchedule(Base):
    __tablename__ = "reception_schedules"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    capacity: Mapped[str] = mapped_column(String(24))  # party_secretary | chair | deputy
    days_per_month: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]

    unit: Mapped[Unit] = relationship(lazy="joined")


class ReceptionDay(Base):
    __tablename__ = "reception_days"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    occasion: Mapped[str] = mapped_column(String(16))  # regular | ad_hoc
    receiver_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    receiver_name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[str] = mapped_column(String(24))


class Dialogue(Base):
    __tablename__ = "dialogues"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    chair_name: Mapped[str] = mapped_column(String(200))
    front_representative: Mapped[str] = mapped_column(String(200))


class PublicDocument(Base):
    """A text announced to the people: published as written, so it must hold no
    personal data (engine.services.dialogues refuses a citizen's name or phone in it)."""

    __tablename__ = "public_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An unguessable public address; the page shows nothing else of the application.
    public_code: Mapped[str] = mapped_column(String(24), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # conclusion
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    announced_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DocumentItem(Base):
    __tablename__ = "document_items"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("public_documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))


class CaseParty(Base):
    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
