"""The working calendar as this database knows it: the law's holidays (from an
injectable built-in source) plus the admins' overrides (swapped days the government
announces each year). Changing an override goes through
engine.services.calendar_changes, which moves the open deadlines with it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..errors import InvalidField
from ..holiday_source import PACKAGE_HOLIDAYS, HolidaySource
from ..models import CalendarOverride
from .fields import clean_text

__all__ = ["load_calendar", "set_override", "remove_override", "year_listing", "YearListing", "OVERRIDE_KINDS"]

OVERRIDE_KINDS = ("day_off", "working_day")


def load_calendar(session: Session, office_close: time = time(17, 0),
                  source: HolidaySource = PACKAGE_HOLIDAYS) -> WorkingCalendar:
    # The overrides table holds a handful of rows a year; reading it per
    # transaction keeps every process in agreement without cache invalidation.
    # The calendar built from them is kept per process, keyed by exactly what was
    # read: it caches each year's working days as it answers, and rebuilding it
    # for every transaction threw that away (issue 19).
    rows = frozenset(session.execute(_OVERRIDES).tuples())
    return _calendar(rows, office_close, source)


_OVERRIDES = select(CalendarOverride.day, CalendarOverride.kind)


@functools.lru_cache(maxsize=32)
def _calendar(rows: frozenset[tuple[date, str]], office_close: time, source: HolidaySource) -> WorkingCalendar:
    return WorkingCalendar(
        extra_days_off=[d for d, k in rows if k == "day_off"],
        extra_working_days=[d for d, k in rows if k == "working_day"],
        office_close=office_close, source=source,
    )


def set_override(session: Session, day: date, kind: str, note: str = "", *, added_by: str = "",
                 added_at: datetime | None = None) -> CalendarOverride:
    if kind not in OVERRIDE_KINDS:
        raise InvalidField(field="kind", problem_vi="phải là day_off hoặc working_day",
                           problem_en="must be day_off or working_day")
    note = clean_text("note", note, required=False)  # no hidden direction or control characters
    if len(note) > 200:
        raise InvalidField(field="note", problem_vi="dài quá 200 ký tự", problem_en="longer than 200 characters")
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day, kind=kind, note=note[:200])
        session.add(row)
    else:
        row.kind, row.note = kind, note[:200]
    row.added_by, row.added_at = added_by[:64], added_at
    return row


def remove_override(session: Session, day: date) -> bool:
    return session.execute(delete(CalendarOverride).where(CalendarOverride.day == day)).rowcount > 0


@dataclass(frozen=True)
class YearListing:
    """One year as ``calendar list`` and the admin page show it."""

    year: int
    source_version: str
    holidays: list[tuple[date, str]]  # built-in days off, with the package's name
    swaps: list[date]  # built-in make-up working weekend days
    overrides: list[CalendarOverride]


def year_listing(session: Session, year: int, source: HolidaySource = PACKAGE_HOLIDAYS) -> YearListing:
    if not 1900 <= year <= 2200:
        raise InvalidField(field="year", problem_vi="phải là một năm từ 1900 đến 2200",
                           problem_en="must be a year from 1900 to 2200")
    built_in = source.year(year)
    overrides = list(session.scalars(select(CalendarOverride).where(
        CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31))
        .order_by(CalendarOverride.day)))
    return YearListing(year, source.version, sorted(built_in.days_off.items()), sorted(built_in.make_up), overrides)
