"""Turning a deadline rule into a due instant, and measuring lateness.

Rules come from configuration (the legal limits differ per workflow step and change
with the law), so this module only knows their shape, not their values. A deadline
falls at the close of the office day, because a citizen's answer dated that day is on
time whatever the hour; only elapsed-hour rules for urgent matters skip that alignment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from engine.calendar import WorkingCalendar
from engine.clock import ensure_utc
from engine.errors import InvalidField

__all__ = ["DeadlineRule", "compute_due", "lateness"]


class DeadlineRule(Protocol):
    """What a deadline rule looks like; any object with these attributes will do.

    Exactly one of ``working_days``, ``calendar_days``, ``hours`` is set for a fixed
    limit. With ``appointment`` the official sets the due time themselves, within
    ``max_working_days``; the fixed fields then serve as the default when no
    appointment is given. Read-only properties so frozen dataclasses and models fit.
    """

    @property
    def working_days(self) -> int | None: ...

    @property
    def calendar_days(self) -> int | None: ...

    @property
    def hours(self) -> int | None: ...

    @property
    def appointment(self) -> bool: ...

    @property
    def max_working_days(self) -> int | None: ...

    @property
    def day_end(self) -> str: ...  # office_close | midnight


def compute_due(
    calendar: WorkingCalendar,
    start: datetime,
    rule: DeadlineRule | None,
    appointment: datetime | None = None,
) -> datetime | None:
    """The instant (UTC) by which the step started at ``start`` must be done.

    ``None`` means no deadline: no rule, or an appointment rule without any limit
    whose appointment has not been set yet. ``appointment`` is ignored unless the rule
    is an appointment rule. Raises InvalidField for an appointment that is in the past
    or beyond the rule's maximum, and ValueError for a rule that sets several limits.
    """
    if rule is None:
        return None
    start = ensure_utc(start)

    if rule.appointment and appointment is not None:
        return _checked_appointment(calendar, start, rule.max_working_days, appointment)

    fixed = _fixed_due(calendar, start, rule)
    if fixed is not None:
        return fixed
    if rule.appointment and rule.max_working_days is not None:
        # No appointment made yet: the official has the whole allowance.
        return _working_days_due(calendar, start, rule.max_working_days)
    return None


def lateness(calendar: WorkingCalendar, due: datetime, now: datetime) -> int:
    """How many working days past ``due`` we are at ``now`` (0 when not late).

    Being overdue is simply ``now > due``; this counts whole working days on top of
    that, so a case finished at 19:00 on its due day is overdue yet 0 days late.
    """
    due, now = ensure_utc(due), ensure_utc(now)
    if now <= due:
        return 0
    return calendar.working_days_between(calendar.last_day(due), calendar.local_date(now))


def _fixed_due(calendar: WorkingCalendar, start: datetime, rule: DeadlineRule) -> datetime | None:
    limits = {
        "working_days": rule.working_days,
        "calendar_days": rule.calendar_days,
        "hours": rule.hours,
    }
    given = {name: value for name, value in limits.items() if value is not None}
    if len(given) > 1:
        # Which one wins is a legal question, not ours to guess: reject the config.
        raise ValueError(f"deadline rule sets several limits: {', '.join(sorted(given))}")
    if rule.working_days is not None:
        day = calendar.add_working_days(calendar.local_date(start), rule.working_days)
        return _day_end(calendar, rule, day)
    if rule.calendar_days is not None:
        day = calendar.add_calendar_days(calendar.local_date(start), rule.calendar_days)
        return _day_end(calendar, rule, day)
    if rule.hours is not None:
        if rule.hours < 0:
            raise ValueError(f"hours must be >= 0, got {rule.hours}")
        return start + timedelta(hours=rule.hours)
    return None


def _day_end(calendar: WorkingCalendar, rule: DeadlineRule, day: date) -> datetime:
    if getattr(rule, "day_end", "office_close") == "midnight":
        return calendar.end_of_day(day)
    return calendar.end_of_office_day(day)


def _working_days_due(calendar: WorkingCalendar, start: datetime, n: int) -> datetime:
    day = calendar.add_working_days(calendar.local_date(start), n)
    return calendar.end_of_office_day(day)


def _checked_appointment(
    calendar: WorkingCalendar,
    start: datetime,
    max_working_days: int | None,
    appointment: datetime,
) -> datetime:
    appointment = ensure_utc(appointment)
    if appointment < start:
        shown = _local_text(calendar, start)
        raise InvalidField(
            field="appointment",
            problem_vi=f"thời điểm hẹn đã qua, phải từ {shown} trở đi.",
            problem_en=f"the appointment is in the past; it must be at or after {shown}.",
        )
    if max_working_days is not None:
        latest = _working_days_due(calendar, start, max_working_days)
        if appointment > latest:
            shown = calendar.local_date(latest).strftime("%d/%m/%Y")
            raise InvalidField(
                field="appointment",
                problem_vi=(
                    f"thời hạn hẹn tối đa {max_working_days} ngày làm việc, "
                    f"muộn nhất là ngày {shown}."
                ),
                problem_en=(
                    f"appointments are limited to {max_working_days} working days; "
                    f"the latest allowed date is {shown}."
                ),
            )
    return appointment


def _local_text(calendar: WorkingCalendar, instant: datetime) -> str:
    # Officials read local wall-clock time, never UTC.
    return instant.astimezone(calendar.tz).strftime("%H:%M %d/%m/%Y")
