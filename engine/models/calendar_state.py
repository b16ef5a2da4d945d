"""What the deadlines were computed with, and recomputations still to finish.

``calendar_fingerprints`` keeps, per year, a fingerprint of the built-in holidays
the open deadlines were last computed with (and the days, to tell which changed);
``calendar_changes`` is one change of the calendar (an override added or removed, a
new holiday list) whose recomputation of open stages runs in batches: ``cursor``
is the last case id done, so a crash between batches resumes where it stopped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["CalendarFingerprint", "CalendarChange"]


class CalendarFingerprint(Base):
    __tablename__ = "calendar_fingerprints"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    source_version: Mapped[str] = mapped_column(String(64))
    days: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"off": [iso...], "work": [iso...]}
    checked_at: Mapped[datetime]  # when this fingerprint was recorded


class CalendarChange(Base):
    __tablename__ = "calendar_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    days: Mapped[list[str]] = mapped_column(JSON)  # the local dates whose status changed
    actor: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[int] = mapped_column(Integer, default=0)  # stages whose deadline or timers moved
