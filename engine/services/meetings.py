"""Meetings (buổi tiếp xúc, đối thoại): recording one and reading it back.

Who may record a meeting is who may record the opinions heard at it: an
``official`` or ``leader`` over the meeting's unit (``engine.authz``). Reading a
meeting needs any grant covering its unit; for anyone else it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..actors import Actor
from ..authz import CREATE, decide
from ..calendar import LOCAL_TZ
from ..clock import Clock
from ..errors import InvalidField, NotFound
from ..models import Case, Meeting, Unit, User
from ..queries import scope_clause
from ..uow import UnitOfWork
from .fields import optional_text

__all__ = ["NewMeeting", "MeetingView", "MeetingService", "MAX_ATTENDEES", "EARLIEST"]

MAX_ATTENDEES = 100_000
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class NewMeeting:
    programme: str
    held_on: date
    unit: str
    place: str | None = None
    hosts: str | None = None
    attendees: int = 0


@dataclass(frozen=True)
class MeetingView:
    id: int
    programme: str
    held_on: date
    unit: str
    unit_name: str
    place: str
    hosts: str
    attendees: int
    created_at: datetime
    created_by: str | None
    cases: tuple[str, ...]  # codes of the opinions heard there that the reader may see


def _not_found(meeting_id: object) -> NotFound:
    return NotFound(what="buổi tiếp xúc / meeting", key=str(meeting_id)[:20])


class MeetingService:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, programmes: Collection[str]) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.programmes = tuple(programmes)

    def create(self, actor: Actor, new: NewMeeting) -> MeetingView:
        with UnitOfWork(self.session_factory) as uow:
            session, now = uow.session, self.clock.now()
            if new.programme not in self.programmes:
                raise InvalidField(field="programme", problem_vi=f"phải là một trong: {', '.join(self.programmes)}",
                                   problem_en=f"must be one of: {', '.join(self.programmes)}")
            today = now.astimezone(LOCAL_TZ).date()
            if not isinstance(new.held_on, date) or not EARLIEST <= new.held_on <= today + timedelta(days=1):
                raise InvalidField(field="held_on", problem_vi="ngày họp phải từ năm 2000 đến hôm nay",
                                   problem_en="the meeting date must be between 2000 and today")
            if isinstance(new.attendees, bool) or not isinstance(new.attendees, int) \
                    or not 0 <= new.attendees <= MAX_ATTENDEES:
                raise InvalidField(field="attendees", problem_vi=f"phải từ 0 đến {MAX_ATTENDEES}",
                                   problem_en=f"must be between 0 and {MAX_ATTENDEES}")
            unit = session.scalar(select(Unit).where(Unit.code == new.unit)) if isinstance(new.unit, str) else None
            if unit is None:
                raise InvalidField(field="unit", problem_vi=f"không có đơn vị “{str(new.unit)[:40]}”",
                                   problem_en=f"no unit “{str(new.unit)[:40]}”")
            if not unit.is_valid_on(new.held_on):
                raise InvalidField(field="unit", problem_vi=f"đơn vị “{unit.code}” không còn hiệu lực vào ngày họp",
                                   problem_en=f"unit “{unit.code}” is not in force on the meeting date")
            refusal = decide(actor, CREATE, origin_path=unit.path, handling_path=unit.path, case_code=unit.code)
            if refusal is not None:
                raise refusal
            meeting = Meeting(programme=new.programme, held_on=new.held_on, unit=unit,
                              place=optional_text("place", new.place) or "",
                              hosts=optional_text("hosts", new.hosts) or "", attendees=new.attendees,
                              created_at=now, created_by_id=actor.user_id)
            session.add(meeting)
            session.flush()
            view = self._view(session, actor, meeting)
            uow.commit()
        return view

    def get(self, actor: Actor, meeting_id: int) -> MeetingView:
        with UnitOfWork(self.session_factory, write=False) as uow:
            session = uow.session
            meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) and 0 < meeting_id < 2**31 else None
            if meeting is None or not (actor.is_system or actor.covers(meeting.unit.path)):
                raise _not_found(meeting_id)
            return self._view(session, actor, meeting)

    @staticmethod
    def _view(session: Session, actor: Actor, meeting: Meeting) -> MeetingView:
        codes = session.scalars(select(Case.code).where(Case.meeting_id == meeting.id, scope_clause(actor))
                                .order_by(Case.id))
        creator = session.get(User, meeting.created_by_id) if meeting.created_by_id else None
        return MeetingView(
            id=meeting.id, programme=meeting.programme, held_on=meeting.held_on, unit=meeting.unit.code,
            unit_name=meeting.unit.name, place=meeting.place, hosts=meeting.hosts, attendees=meeting.attendees,
            created_at=meeting.created_at, created_by=creator.username if creator else None, cases=tuple(codes),
        )
