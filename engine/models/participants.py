"""Who took part in a meeting on the authorities' side (lượt cán bộ, công chức tham gia).

One row per person per meeting: a user of the application, or the name of someone
without an account (a district official, a deputy). The report counts these rows as
"official participations"; the meeting's ``hosts`` stays the free text typed for the
minutes. Written in the meeting's transaction (``engine.services.meetings``).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["MeetingParticipant"]


class MeetingParticipant(Base):
    __tablename__ = "meeting_participants"
    # A person is listed once per meeting (engine.services.participants checks it).
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the order they were listed in
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # For a user: their full name when the meeting was recorded (the minutes' wording);
    # for anyone else: the name as typed.
    name: Mapped[str] = mapped_column(String(200))
