"""Moving instants by working days, and when each timer of a stage fires.

Offsets keep the wall-clock hour: a reminder two working days before a deadline at
17:00 on Monday fires at 17:00 on the Thursday before (Friday being a holiday or
not is the calendar's business). Whole working days are the unit of the law's
limits, so extensions and paused time move a deadline by whole working days too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ..calendar import WorkingCalendar
from ..clock import ensure_utc
from ..workflow.spec import Offset

__all__ = ["shift_working_days", "before", "after", "paused_working_days", "OVERDUE_AFTER"]

# A case is on time while now <= due (engine.deadlines.lateness): the overdue timer
# fires at the first instant that is no longer on time.
OVERDUE_AFTER = timedelta(seconds=1)


def shift_working_days(calendar: WorkingCalendar, instant: datetime, n: int) -> datetime:
    """``instant`` moved by ``n`` working days (negative: earlier), same local hour.

    Forward, the n-th working day strictly after the local date; backward, the n-th
    strictly before. Shifting by a then b equals shifting by a + b (same sign), which
    is why a deadline can be derived from its base and a sum of extensions and pauses.
    """
    if n == 0:
        return instant
    local = ensure_utc(instant).astimezone(calendar.tz)
    # 00:00 is 24:00 of the day before (a Civil Code limit's end): that day is the
    # one to move, or an extension would count from the day after the limit.
    midnight = local.time() == time(0, 0)
    start = local.date() - timedelta(days=1) if midnight else local.date()
    day = calendar.add_working_days(start, n) if n > 0 else _working_days_before(calendar, start, -n)
    if midnight:
        return calendar.end_of_day(day).astimezone(instant.tzinfo)
    return datetime.combine(day, local.time(), tzinfo=calendar.tz).astimezone(instant.tzinfo)


def _working_days_before(calendar: WorkingCalendar, start: date, n: int) -> date:
    d = start
    for _ in range(n):
        d -= timedelta(days=1)
        while not calendar.is_working_day(d):
            d -= timedelta(days=1)
    return d


def before(calendar: WorkingCalendar, due: datetime, offset: Offset) -> datetime:
    if offset.working_days is not None:
        return shift_working_days(calendar, due, -offset.working_days)
    assert offset.hours is not None
    return due - timedelta(hours=offset.hours)


def after(calendar: WorkingCalendar, due: datetime, offset: Offset) -> datetime:
    if offset.working_days is not None:
        return shift_working_days(calendar, due, offset.working_days)
    assert offset.hours is not None
    return due + timedelta(hours=offset.hours)


def paused_working_days(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Working days a pause took, counted like a limit: the day it began does not
    count, the day it ended does (paused Friday, back Monday: one working day)."""
    return calendar.working_days_between(calendar.local_date(start), calendar.local_date(end))
