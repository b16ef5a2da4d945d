"""Meetings, cases and their append-only, hash-chained history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .units import Unit, User

__all__ = ["Meeting", "Case", "CaseEvent", "ChainRekey"]


class Meeting(Base):
    """Buổi tiếp xúc, đối thoại: where most opinions are heard."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(64))
    held_on: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    hosts: Mapped[str] = mapped_column(String(400), default="")
    # None: not counted (a blank on the form), which reports must not read as 0 people.
    attendees: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # A list is scoped to "origin or handling unit under the actor's units": each
        # side of that OR reads its own index, narrowed by the list's order column
        # (engine.listing), so a page costs what the actor's units hold (for the
        # overdue board: their open cases with a deadline), not the whole table.
        Index("ix_cases_origin_received", "origin_unit_id", "received_at"),
        Index("ix_cases_handling_received", "handling_unit_id", "received_at"),
        # The state (and the id, which PostgreSQL's index does not hold otherwise) ride
        # along: the overdue board finds, counts and orders a province's overdue cases
        # from the index alone (engine.listing; tests/test_board_plan.py).
        Index("ix_cases_origin_due_state", "origin_unit_id", "due_at", "state", postgresql_include=["id"]),
        Index("ix_cases_handling_due_state", "handling_unit_id", "due_at", "state", postgresql_include=["id"]),
        # "Việc của tôi": a person's open cases, most urgent first.
        Index("ix_cases_assignee_due", "assignee_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    workflow_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    # The content folded for search (engine.search_index): written with the case, in
    # its transaction; indexed by pg_trgm on PostgreSQL, an FTS5 table on SQLite.
    content_folded: Mapped[str] = mapped_column(Text, default="", server_default="")
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    citizen_phone: Mapped[str | None] = mapped_column(String(32))
    citizen_address: Mapped[str | None] = mapped_column(String(300))
    # The key of the identity digest the history chains (engine.citizen_digest).
    # Never leaves this row: with it, the digest could be brute-forced. Nullable
    # only in the schema (migration 0010); every case has one.
    identity_salt: Mapped[str | None] = mapped_column(String(64))
    origin_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    handling_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    received_at: Mapped[datetime]
    stage_started_at: Mapped[datetime]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    appointment_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The chain's head lives on the case too: deleting the newest event leaves a
    # chain that verifies on its own, but no longer reaches this hash.
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Deadline stages (engine.deadline_rules): the seq of the event that began the
    # current stage (its timers carry it), and how the last stage with a deadline
    # ended — met | met_after_extension | missed — frozen by the event that ended it.
    stage_seq: Mapped[int | None] = mapped_column(Integer)
    last_stage_outcome: Mapped[str | None] = mapped_column(String(24))
    last_stage_state: Mapped[str | None] = mapped_column(String(32))
    last_stage_ended_at: Mapped[datetime | None]
    # The unit that held the last ended stage: a stage missed there and the case since
    # moved on is "late below" on the receiving unit's board (``CaseQuery.late_below``).
    # Assignment (engine.assignment): the person of the handling unit who must act now.
    # No foreign keys: SQLite cannot drop a column a key names, nor copy ``cases``
    # under its events' keys (migration 0010); users and units are never deleted.
    last_stage_unit_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    origin_unit: Mapped[Unit] = relationship(foreign_keys=[origin_unit_id], lazy="joined")
    handling_unit: Mapped[Unit] = relationship(foreign_keys=[handling_unit_id], lazy="joined")
    meeting: Mapped[Meeting | None] = relationship()
    # Read-only: a self-referential relationship the unit of work had to order would
    # make it flush cases (and their events, facts, timers) one row at a time.
    duplicate_of: Mapped[Case | None] = relationship(remote_side=[id], viewonly=True)
    # Loaded in a second query only for the cases that have one (many-to-one, selectin).
    assignee: Mapped[User | None] = relationship(primaryjoin="foreign(Case.assignee_id) == User.id",
                                                 viewonly=True, lazy="selectin")


class CaseEvent(Base):
    """One fact in a case's life. Rows are only ever inserted."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system"
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship()


class ChainRekey(Base):
    """An event whose hash changed when migration 0010 replaced the unsalted identity
    digest in its case's chain: its hash before, and after. Seals of days that ended
    before the re-keying are recomputed with the hash as it was (engine.seals), so
    the values the Front kept still verify; the new hash binds the row to the event's
    present content."""

    __tablename__ = "chain_rekeys"

    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id", ondelete="RESTRICT"), primary_key=True)
    old_hash: Mapped[str] = mapped_column(String(64))
    new_hash: Mapped[str] = mapped_column(String(64))
    rekeyed_at: Mapped[datetime]
