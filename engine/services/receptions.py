"""Citizen reception days (tiếp công dân định kỳ / đột xuất): the day, who received
and in which capacity, and every petition received, each classified on the spot and
sent along its legal route (the ``tiep-cong-dan`` workflow's ``accept``,
``accept_complaint``, ``accept_denunciation``, ``guide``, ``forward``).

The day is a meeting of that programme plus its ``reception_days`` row; the
meeting, the row, every petition and its route are one transaction of the case
service, or nothing is written. A schedule's "reception days held" counts these
rows (engine.services.schedules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Mapping, Sequence

from ..actors import Actor
from ..calendar import LOCAL_TZ
from ..errors import InvalidField
from ..models import Meeting, ReceptionDay
from ..uow import UnitOfWork
from .cases import CaseService, NewCase
from .fields import clean_text, optional_text
from .programme_checks import choice, managed_unit, parse_day, user_by_name

__all__ = ["PROGRAMME", "OCCASIONS", "CAPACITIES", "Petition", "NewReception", "ReceptionService",
           "day_start"]

PROGRAMME = "tiep-cong-dan"
OCCASIONS: dict[str, tuple[str, str]] = {
    "regular": ("Định kỳ", "Regular"),
    "ad_hoc": ("Đột xuất", "Ad hoc"),
}
# Who receives: Quy định 11-QĐi/TW names the head of the Party committee; the Law on
# Citizen Reception 2013 the People's Committee chair, who may delegate a deputy.
CAPACITIES: dict[str, tuple[str, str]] = {
    "party_secretary": ("Bí thư cấp ủy", "Party secretary"),
    "chair": ("Chủ tịch UBND", "People's Committee chair"),
    "deputy": ("Phó Chủ tịch UBND (được ủy quyền)", "Deputy chair (delegated)"),
}
MAX_PETITIONS = 200


@dataclass(frozen=True)
class Petition:
    kind: str
    topic: str
    content: str
    citizen_name: str | None = None
    citizen_phone: str | None = None
    citizen_address: str | None = None
    # The route taken on the spot (a trigger of the workflow) and its fields; None:
    # recorded, classified later.
    route: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewReception:
    unit: str
    held_on: date | str
    occasion: str
    capacity: str
    receiver: str | None = None  # a user's name in the application
    receiver_name: str | None = None  # or the name as typed
    place: str | None = None
    petitions: Sequence[Petition] = ()


def day_start(day: date, now: datetime) -> datetime:
    """Petitions of a past day count from its morning; today's from now at the latest."""
    morning = datetime.combine(day, time(8, 0), tzinfo=LOCAL_TZ)
    return min(morning, now)


class ReceptionService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def record(self, actor: Actor, new: NewReception) -> tuple[int, list[str]]:
        """The reception day's meeting id and its petitions' codes."""
        return self.cases.within(lambda uow: self.record_within(uow, actor, new))

    def record_within(self, uow: UnitOfWork, actor: Actor, new: NewReception) -> tuple[int, list[str]]:
        session, now = uow.session, self.cases.clock.now()
        unit = managed_unit(session, actor, new.unit, action="receive")
        day = parse_day("held_on", new.held_on)
        if day > now.astimezone(LOCAL_TZ).date():
            raise InvalidField(field="held_on", problem_vi="không được ở tương lai", problem_en="is in the future")
        if len(new.petitions) > MAX_PETITIONS:
            raise InvalidField(field="petitions", problem_vi=f"tối đa {MAX_PETITIONS} đơn",
                               problem_en=f"at most {MAX_PETITIONS} petitions")
        receiver = user_by_name(session, "receiver", new.receiver) if new.receiver else None
        if receiver is not None and not any(unit.path.startswith(g.unit.path) for g in receiver.grants):
            # The head, the chair or their deputy: someone working for this unit.
            raise InvalidField(field="receiver", problem_vi="người tiếp không thuộc đơn vị này",
                               problem_en="the receiver does not work for this unit")
        name = receiver.full_name or receiver.username if receiver else clean_text("receiver_name", new.receiver_name)
        meeting = Meeting(programme=PROGRAMME, held_on=day, unit=unit,
                          place=optional_text("place", new.place) or "", hosts=name,
                          attendees=len(new.petitions), created_at=now, created_by_id=actor.user_id)
        session.add(meeting)
        session.flush()
        session.add(ReceptionDay(meeting_id=meeting.id, occasion=choice("occasion", new.occasion, OCCASIONS),
                                 receiver_user_id=receiver.id if receiver else None, receiver_name=name,
                                 capacity=choice("capacity", new.capacity, CAPACITIES)))
        received_at = day_start(day, now)
        items = [NewCase(workflow=PROGRAMME, unit=unit.code, topic=p.topic, kind=p.kind, content=p.content,
                         channel="meeting", citizen_name=p.citizen_name, citizen_phone=p.citizen_phone,
                         citizen_address=p.citizen_address, meeting_id=meeting.id, received_at=received_at)
                 for p in new.petitions]
        created = self.cases.create_within(uow, actor, items) if items else []
        for petition, snap in zip(new.petitions, created):
            if petition.route is not None:
                self.cases.fire_within(uow, actor, snap.code, petition.route, petition.data)
        return meeting.id, [s.code for s in created]
