"""Support activities ("Làm dân tin"), each commune's fund ledger, and home visits
("Mỗi tuần một điểm đến").

Money is an integer number of đồng and lengths are integer metres: a report adds
them up exactly (no float ever meets a sum of money)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .units import Unit

__all__ = ["SupportActivity", "FundLedger", "FundEntry", "HomeVisit", "HomeVisitCase"]


class SupportActivity(Base):
    __tablename__ = "support_activities"
    __table_args__ = (Index("ix_support_activities_unit_on", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    held_on: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # The commune whose fund and target it counts for (the unit or its commune).
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    households: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[int] = mapped_column(BigInteger, default=0)  # đồng
    source: Mapped[str] = mapped_column(String(16))
    participations: Mapped[int] = mapped_column(Integer, default=0)
    length_m: Mapped[int] = mapped_column(Integer, default=0)
    houses: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(400), default="")
    # Private (engine.disclosure.beneficiaries_for): never public, masked in files.
    beneficiaries: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])


class FundLedger(Base):
    """The head of one commune's ledger: like a case row for its events, it catches
    the deletion of the newest entry and makes two writers collide on one row."""

    __tablename__ = "fund_ledgers"

    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    commune: Mapped[Unit] = relationship()
    __mapper_args__ = {"version_id_col": version}


class FundEntry(Base):
    """One line of a commune's fund: only ever inserted. ``amount`` is signed (income
    positive, spending negative); a reversal carries the opposite amount and names the
    entry it reverses."""

    __tablename__ = "fund_entries"
    __table_args__ = (UniqueConstraint("commune_id", "seq"), Index("ix_fund_entries_commune_on", "commune_id", "on_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    seq: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # income | spending | reversal
    amount: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(24), default="")  # spending: the activity's kind
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("support_activities.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entries.id"), unique=True)
    # From whom (optional, anonymous allowed): personal data, never on the public page.
    donor: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HomeVisit(Base):
    __tablename__ = "home_visits"
    __table_args__ = (Index("ix_home_visits_village_on", "village_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visited_on: Mapped[date] = mapped_column(Date)
    village_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # {category: households}, and their sum for the reports' SQL.
    households_by_category: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    households: Mapped[int] = mapped_column(Integer, default=0)
    # [{"user": username or null, "name": text}]: officials with or without an account.
    officials: Mapped[list[Any]] = mapped_column(JSON, default=list)
    official_count: Mapped[int] = mapped_column(Integer, default=0)
    opinion_count: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    village: Mapped[Unit] = relationship(foreign_keys=[village_id])


class HomeVisitCase(Base):
    """The opinions recorded at a visit (cases on channel ``home_visit``)."""

    __tablename__ = "home_visit_cases"

    visit_id: Mapped[int] = mapped_column(ForeignKey("home_visits.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
