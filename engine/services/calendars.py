"""The working calendar as this database knows it: the law's holidays plus the
admins' overrides (swapped days the government announces each year)."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..errors import InvalidField
from ..models import CalendarOverride

__all__ = ["load_calendar", "set_override", "remove_override", "OVERRIDE_KINDS"]

OVERRIDE_KINDS = ("day_off", "working_day")


def load_calendar(session: Session, office_close: time = time(17, 0)) -> WorkingCalendar:
    # The overrides table holds a handful of rows a year; reading it per
    # transaction keeps every process in agreement without cache invalidation.
    rows = session.execute(select(CalendarOverride.day, CalendarOverride.kind)).all()
    return WorkingCalendar(
        extra_days_off=[d for d, k in rows if k == "day_off"],
        extra_working_days=[d for d, k in rows if k == "working_day"],
        office_close=office_close,
    )


def set_override(session: Session, day: date, kind: str, note: str = "") -> CalendarOverride:
    if kind not in OVERRIDE_KINDS:
        raise InvalidField(field="kind", problem_vi="phải là day_off hoặc working_day",
                           problem_en="must be day_off or working_day")
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, kind=kind, note=note[:200])
        session.add(row)
    else:
        row.kind, row.note = kind, note[:200]
    return row


def remove_override(session: Session, day: date) -> bool:
    return session.execute(delete(CalendarOverride).where(CalendarOverride.day == day)).rowcount > 0
