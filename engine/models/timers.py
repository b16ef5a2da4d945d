"""Timers: one scheduled rule firing for one stage of one case.

A *stage* is one stay of a case in a state with a deadline, identified by the
``seq`` of the event that began it; re-entering the state later begins a new stage
with fresh timers. The unique key (case, rule, stage) is what makes "fires exactly
once" a property of the schema rather than of careful code, and the (status, due_at)
index is what lets the sweep read only the timers that are due, never every case.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .cases import Case

__all__ = ["Timer", "TIMER_STATUSES"]

# pending: waits for due_at; paused: the case is in a paused state (the clock
# stopped), due_at is recomputed on return; fired / skipped (due but pointless, e.g.
# a reminder for a case already late, or no unit above to escalate to) / cancelled
# (the stage ended first) are final.
TIMER_STATUSES = ("pending", "paused", "fired", "skipped", "cancelled")


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("case_id", "rule", "stage_seq"),
        # The sweep's only access path: WHERE status = 'pending' AND due_at <= now.
        Index("ix_timers_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(16))  # remind | overdue | auto_escalate
    stage_seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(32))  # the stage's state, checked again at fire time
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    # Why it ended as it did, for people reading the table ("3 messages", "stage ended").
    result: Mapped[str] = mapped_column(String(120), default="")

    case: Mapped[Case] = relationship()
