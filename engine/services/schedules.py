"""Reception schedules: how many regular reception days a month each head's rule
requires (Quy định 11-QĐi/TW 2019: the head of a Party committee receives citizens
at least once a month; the Law on Citizen Reception 2013 sets the People's Committee
chairs' own rhythm), and the alert before a month ends without them.

``alert_before_month_end`` is run by the worker on its clock: within the last
``ALERT_DAYS`` days of a local month, every schedule whose head has held fewer
regular reception days than required that month gets one outbox row for the head
and one for each official of their unit (the office that arranges the day). The
dedup key is the schedule, the month and the person, so re-runs tell nobody twice.
"""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..calendar import LOCAL_TZ
from ..errors import InvalidField
from ..models import Meeting, OutboxMessage, ReceptionDay, ReceptionSchedule, RoleGrant, Unit, User
from ..uow import UnitOfWork
from .cases import CaseService
from .fields import optional_text
from .programme_checks import choice, managed_unit, user_by_name, whole
from .receptions import CAPACITIES

__all__ = ["ALERT_DAYS", "ALERT_KIND", "ScheduleStatus", "ScheduleService", "month_bounds"]

ALERT_DAYS = 5
ALERT_KIND = "reception.missing"


@dataclass(frozen=True)
class ScheduleStatus:
    schedule_id: int
    user_id: int
    unit_code: str
    capacity: str
    required: int
    held: int


def month_bounds(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=months.monthrange(day.year, day.month)[1])


class ScheduleService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def set_schedule(self, actor: Actor, username: str, unit: str, capacity: str, days_per_month: Any,
                     basis: str | None = None) -> int:
        def work(uow: UnitOfWork) -> int:
            place = managed_unit(uow.session, actor, unit, roles=("leader", "admin"), action="schedule")
            head = user_by_name(uow.session, "username", username)
            row = uow.session.scalar(select(ReceptionSchedule).where(ReceptionSchedule.user_id == head.id,
                                                                     ReceptionSchedule.unit_id == place.id))
            if row is None:
                row = ReceptionSchedule(user_id=head.id, unit_id=place.id, created_at=self.cases.clock.now())
                uow.session.add(row)
            row.capacity = choice("capacity", capacity, CAPACITIES)
            row.days_per_month = whole("days_per_month", days_per_month, 1, 31)
            row.basis = optional_text("basis", basis) or ""
            uow.session.flush()
            return row.id
        return self.cases.within(work)

    def status(self, session: Session, on: date) -> list[ScheduleStatus]:
        """Every schedule with the regular reception days its head held in ``on``'s month."""
        first, last = month_bounds(on)
        held = (select(func.count()).select_from(ReceptionDay).join(Meeting, Meeting.id == ReceptionDay.meeting_id)
                .where(ReceptionDay.receiver_user_id == ReceptionSchedule.user_id,
                       Meeting.unit_id == ReceptionSchedule.unit_id, ReceptionDay.occasion == "regular",
                       Meeting.held_on >= first, Meeting.held_on <= last).scalar_subquery())
        rows = session.execute(select(ReceptionSchedule, held).order_by(ReceptionSchedule.id)).all()
        return [ScheduleStatus(s.id, s.user_id, s.unit.code, s.capacity, s.days_per_month, n) for s, n in rows]

    def visible(self, actor: Actor, on: date) -> list[tuple[ScheduleStatus, str, str]]:
        """The schedules of units the reader covers, with the head's and the unit's
        names, and the days held in ``on``'s month."""
        with self.cases.uow(write=False) as uow:
            rows = self.status(uow.session, on)
            units = {u.code: u for u in uow.session.scalars(select(Unit).where(
                Unit.code.in_({s.unit_code for s in rows})))}
            names = dict(uow.session.execute(select(User.id, func.coalesce(func.nullif(User.full_name, ""),
                                                                            User.username))
                                             .where(User.id.in_({s.user_id for s in rows}))).tuples().all())
            return [(s, names.get(s.user_id, ""), units[s.unit_code].name) for s in rows
                    if actor.is_system or actor.covers(units[s.unit_code].path)]

    def alert_before_month_end(self, *, days: int = ALERT_DAYS) -> int:
        """Write the alerts due now (see the module); the number of rows written."""
        now = self.cases.clock.now()
        today = now.astimezone(LOCAL_TZ).date()
        first, last = month_bounds(today)
        if (last - today).days >= days:
            return 0

        def work(uow: UnitOfWork) -> int:
            written = 0
            for s in self.status(uow.session, today):
                if s.held >= s.required:
                    continue
                schedule = uow.session.get(ReceptionSchedule, s.schedule_id)
                assert schedule is not None
                office = uow.session.scalars(select(RoleGrant.user_id).where(
                    RoleGrant.unit_id == schedule.unit_id, RoleGrant.role == "official")).all()
                for uid in dict.fromkeys([s.user_id, *office]):
                    key = f"reception:{s.schedule_id}:{first:%Y-%m}:user:{uid}"
                    if uow.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
                        continue
                    uow.session.add(OutboxMessage(dedup_key=key, kind=ALERT_KIND, recipient_user_id=uid,
                                                  actor_user_id=None, case_id=None, unit_id=schedule.unit_id,
                                                  payload=_payload(uow.session, schedule, s, last),
                                                  created_at=now, status="pending"))
                    written += 1
            return written
        return self.cases.within(work)


def _payload(session: Session, schedule: ReceptionSchedule, s: ScheduleStatus, last: date) -> dict[str, Any]:
    # The head is named by capacity, not by name: messages carry no personal data.
    vi_cap, en_cap = CAPACITIES.get(s.capacity, (s.capacity, s.capacity))
    unit = schedule.unit.name
    return {"unit": s.unit_code, "capacity": s.capacity, "required": s.required, "held": s.held,
            "month_ends": last.isoformat(),
            "text": {"vi": f"{vi_cap} {unit} mới tiếp công dân định kỳ {s.held}/{s.required} ngày trong tháng; "
                           f"tháng kết thúc ngày {last:%d/%m/%Y}.",
                     "en": f"The {en_cap.lower()} of {unit} has held {s.held} of {s.required} regular reception "
                           f"days this month; the month ends on {last:%d/%m/%Y}."}}
