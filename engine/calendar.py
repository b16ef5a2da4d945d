"""The Vietnamese working calendar that deadlines are counted on.

Legal limits for answering citizens are expressed in working days ("ngày làm việc") or
in calendar days under the Civil Code rule, and Vietnam moves its days off every year:
lunar Tết, observed holidays, and Saturdays worked to make up for a bridged day. The
built-in source (engine.holiday_source: the ``holidays`` package, or a table a test
gives) knows the announced ones; the admin override lists cover the rest (an
announcement the package does not know yet, a local decision) without a release.

Everything here is pure: no clock, no database. Dates are local (Asia/Ho_Chi_Minh)
calendar dates; instants are aware datetimes, stored in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from engine.clock import ensure_utc
from engine.holiday_source import PACKAGE_HOLIDAYS, HolidaySource

__all__ = ["LOCAL_TZ", "WorkingCalendar", "deadline_parts"]

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_ONE_DAY = timedelta(days=1)
# Saturday and Sunday, as date.weekday() numbers them.
_WEEKEND = frozenset({5, 6})


def _plain_date(d: date) -> date:
    # A datetime is a date subclass, but it never equals (or hashes like) the date it
    # falls on, so set lookups would silently answer "not a holiday".
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {d!r}")
    return d


def _weekdays_after(a: date, b: date) -> int:
    """Number of Mon–Fri days d with a < d <= b, in constant time."""
    days = (b - a).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    # Every full week holds five weekdays; only the trailing partial week needs a look.
    first_of_rest = a + timedelta(days=weeks * 7 + 1)
    extra = sum(
        1 for i in range(rest) if (first_of_rest + timedelta(days=i)).weekday() not in _WEEKEND
    )
    return weeks * 5 + extra


class WorkingCalendar:
    """Mon–Fri, minus public holidays, plus make-up Saturdays, then admin overrides.

    Overrides win over everything: ``extra_days_off`` are never working days and
    ``extra_working_days`` always are, whatever the weekday or the holiday list says.
    """

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        office_close: time = time(17, 0),
        tz: ZoneInfo = LOCAL_TZ,
        source: HolidaySource = PACKAGE_HOLIDAYS,
    ) -> None:
        self.source = source
        self._extra_off = frozenset(_plain_date(d) for d in extra_days_off)
        self._extra_work = frozenset(_plain_date(d) for d in extra_working_days)
        both = self._extra_off & self._extra_work
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates both in extra_days_off and extra_working_days: {listed}")
        if office_close.tzinfo is not None:
            # The closing hour is a local wall-clock time; a zone here would fight ``tz``.
            raise ValueError("office_close must be a naive local time; the zone is `tz`")
        self.office_close = office_close
        self.tz = tz
        # year -> sorted (date, is_working) for every date that differs from plain Mon–Fri.
        self._exceptions: dict[int, tuple[tuple[date, bool], ...]] = {}

    @property
    def extra_days_off(self) -> frozenset[date]:
        return self._extra_off

    @property
    def extra_working_days(self) -> frozenset[date]:
        return self._extra_work

    def _national_year(self, year: int) -> tuple[Mapping[date, str], frozenset[date]]:
        built_in = self.source.year(year)
        return built_in.days_off, built_in.make_up

    # -- single days -------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        d = _plain_date(d)
        if d in self._extra_work:
            return True
        if d in self._extra_off:
            return False
        days_off, make_up = self._national_year(d.year)
        if d in days_off:
            return False
        if d.weekday() in _WEEKEND:
            return d in make_up
        return True

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d = _plain_date(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    # -- counting ----------------------------------------------------------------

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start``; the start day never counts.

        ``n == 0`` means "today if it is a working day, otherwise the next one".
        Walking day by day is fine: limits are at most a few hundred working days and
        each step is a set lookup on a cached year.
        """
        start = _plain_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start if self.is_working_day(start) else self.next_working_day(start)
        d = start
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def add_calendar_days(self, start: date, n: int) -> date:
        """Civil Code 2015, Art. 147–148: the limit ends on ``start + n`` days (start day
        not counted); if that is a day off, it ends on the next working day instead."""
        start = _plain_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        end = start + timedelta(days=n)
        return end if self.is_working_day(end) else self.next_working_day(end)

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days d with a < d <= b (0 if b <= a): "how many days late".

        Counted as plain weekdays plus corrections for the few dates per year that
        differ, so a case years overdue costs a handful of lookups, not a day walk.
        """
        a, b = _plain_date(a), _plain_date(b)
        if b <= a:
            return 0
        count = _weekdays_after(a, b)
        for year in range(a.year, b.year + 1):
            for d, working in self._year_exceptions(year):
                if a < d <= b:
                    count += 1 if working else -1
        return count

    def _year_exceptions(self, year: int) -> tuple[tuple[date, bool], ...]:
        cached = self._exceptions.get(year)
        if cached is None:
            days_off, make_up = self._national_year(year)
            candidates = {
                d
                for d in (*days_off, *make_up, *self._extra_off, *self._extra_work)
                if d.year == year
            }
            cached = tuple(
                (d, working)
                for d in sorted(candidates)
                if (working := self.is_working_day(d)) == (d.weekday() in _WEEKEND)
            )
            # A racing thread may compute the same tuple; both results are equal.
            self._exceptions[year] = cached
        return cached

    # -- instants ----------------------------------------------------------------

    def end_of_office_day(self, d: date) -> datetime:
        """``office_close`` on local date ``d``, as an aware UTC instant."""
        local = datetime.combine(_plain_date(d), self.office_close, tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def end_of_day(self, d: date) -> datetime:
        """24:00 on local date ``d`` (00:00 of the next day), as an aware UTC instant:
        where the Civil Code (2015, Art. 148) ends a limit counted in days."""
        local = datetime.combine(_plain_date(d) + _ONE_DAY, time(0, 0), tzinfo=self.tz)
        return local.astimezone(timezone.utc)

    def local_date(self, instant: datetime) -> date:
        """The local calendar date of an aware instant (naive ones raise ValueError)."""
        return ensure_utc(instant).astimezone(self.tz).date()

    def last_day(self, due: datetime) -> date:
        """The local day a deadline falls on: a limit ending at 24:00 is stored as 00:00
        of the next day, yet it is the earlier day's limit."""
        return deadline_parts(due, self.tz)[1]

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(extra_days_off={len(self._extra_off)} dates, "
            f"extra_working_days={len(self._extra_work)} dates, "
            f"office_close={self.office_close.isoformat()}, tz={self.tz.key})"
        )


def deadline_parts(due: datetime, tz: ZoneInfo = LOCAL_TZ) -> tuple[str, date]:
    """("17:00", day) or ("24:00", day): a deadline's instant as officials read it,
    on every surface (a limit ending at midnight belongs to the day before)."""
    local = ensure_utc(due).astimezone(tz)
    if local.time() == time(0, 0):
        return "24:00", local.date() - _ONE_DAY
    return local.strftime("%H:%M"), local.date()
