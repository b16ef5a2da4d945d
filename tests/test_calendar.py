"""The working calendar and deadline rules, on dates checked by hand.

Every literal expected date below was counted by hand on a printed calendar and the
holidays it relies on were checked against ``holidays.country_holidays("VN")``
(package 0.109); ``test_holiday_facts_the_hand_counts_rely_on`` pins those facts so
that a package update changing them fails loudly here instead of in a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import LOCAL_TZ, WorkingCalendar
from engine.deadlines import compute_due, lateness
from engine.errors import InvalidField

UTC = timezone.utc
CAL = WorkingCalendar()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    working_days: int | None = None
    calendar_days: int | None = None
    hours: int | None = None
    appointment: bool = False
    max_working_days: int | None = None


# -- the package facts the hand counts rely on -------------------------------------


def test_holiday_facts_the_hand_counts_rely_on() -> None:
    vn = holidays.country_holidays("VN", years=[2026, 2027])
    tet_2027 = {date(2027, 2, d) for d in range(4, 11)}
    assert tet_2027 <= set(vn)
    assert date(2027, 2, 3) not in vn and date(2027, 2, 11) not in vn
    assert {date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)} <= set(vn)
    assert date(2026, 8, 22) in vn.weekend_workdays
    assert {date(2027, 9, 2), date(2027, 9, 3), date(2026, 11, 24)} <= set(vn)
    for free in (date(2026, 8, 26), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6)):
        assert free not in vn


# -- single days -----------------------------------------------------------------


def test_weekdays_weekends_and_tet() -> None:
    assert CAL.is_working_day(date(2027, 2, 3))  # Wed before Tết
    assert not CAL.is_working_day(date(2027, 2, 4))  # Thu, 29 Tết
    assert not CAL.is_working_day(date(2027, 2, 10))  # Wed, mùng 5
    assert CAL.is_working_day(date(2027, 2, 11))
    assert not CAL.is_working_day(date(2027, 2, 13))  # plain Saturday
    assert CAL.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)


def test_make_up_saturday_and_its_swapped_day_off() -> None:
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday worked
    assert not CAL.is_working_day(date(2026, 8, 23))  # the Sunday is still off
    for off in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)):
        assert not CAL.is_working_day(off)
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_datetimes_are_not_dates() -> None:
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2027, 2, 4, 12, 0))  # type: ignore[arg-type]


# -- working days ----------------------------------------------------------------


def test_five_working_days_across_tet_2027() -> None:
    # 11/02 Thu, 12/02 Fri, 15/02, 16/02, 17/02.
    assert CAL.add_working_days(date(2027, 2, 3), 5) == date(2027, 2, 17)
    due = compute_due(CAL, utc(2027, 2, 3, 2, 0), Rule(working_days=5))
    assert due == utc(2027, 2, 17, 10, 0)  # 17:00 local


def test_working_days_across_the_2026_national_day_swap() -> None:
    # From Thu 20/08: 21 Fri, 22 Sat (made up), 24, 25, 26.
    assert CAL.add_working_days(date(2026, 8, 20), 5) == date(2026, 8, 26)
    # From Fri 21/08: 22, 24, 25, 26, 27, 28, [31, 1, 2 off], 3, 4, 7, 8.
    assert CAL.add_working_days(date(2026, 8, 21), 10) == date(2026, 9, 8)
    due = compute_due(CAL, utc(2026, 8, 27, 3, 0), Rule(working_days=3))
    assert due == utc(2026, 9, 4, 10, 0)  # 28 Fri, 3 Thu, 4 Fri


def test_zero_and_negative_working_days() -> None:
    assert CAL.add_working_days(date(2027, 2, 3), 0) == date(2027, 2, 3)
    assert CAL.add_working_days(date(2027, 2, 6), 0) == date(2027, 2, 11)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2027, 2, 3), -1)


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2027, 2, 3), date(2027, 2, 17)) == 5
    assert CAL.working_days_between(date(2027, 2, 17), date(2027, 2, 3)) == 0
    assert CAL.working_days_between(date(2027, 2, 3), date(2027, 2, 3)) == 0
    # 22/08 (made-up Saturday) counts, 31/08–02/09 do not: 22, 24..28, 3 = 7.
    assert CAL.working_days_between(date(2026, 8, 21), date(2026, 9, 3)) == 7


# -- admin overrides -------------------------------------------------------------


def test_extra_day_off_moves_a_deadline() -> None:
    cal = WorkingCalendar(extra_days_off=[date(2026, 8, 26)])
    # 21, 22, 24, 25, [26 off], 27.
    assert cal.add_working_days(date(2026, 8, 20), 5) == date(2026, 8, 27)
    assert cal.working_days_between(date(2026, 8, 20), date(2026, 8, 27)) == 5


def test_extra_working_saturday_shortens_a_deadline() -> None:
    # From Thu 01/10/2026: 2 Fri, 5 Mon, 6 Tue; with Sat 03/10 worked: 2, 3, 5.
    assert CAL.add_working_days(date(2026, 10, 1), 3) == date(2026, 10, 6)
    cal = WorkingCalendar(extra_working_days=[date(2026, 10, 3)])
    assert cal.add_working_days(date(2026, 10, 1), 3) == date(2026, 10, 5)


def test_overrides_win_over_holidays_and_make_up_days() -> None:
    cal = WorkingCalendar(
        extra_working_days=[date(2026, 9, 2)], extra_days_off=[date(2026, 8, 22)]
    )
    assert cal.is_working_day(date(2026, 9, 2))
    assert not cal.is_working_day(date(2026, 8, 22))


def test_date_in_both_override_lists_is_rejected() -> None:
    with pytest.raises(ValueError, match="2026-10-03"):
        WorkingCalendar(
            extra_days_off=[date(2026, 10, 3)], extra_working_days=[date(2026, 10, 3)]
        )


# -- calendar days (Civil Code) --------------------------------------------------


def test_calendar_days_ending_on_sunday_move_to_monday() -> None:
    # Fri 02/10/2026 + 30 days = Sun 01/11 -> Mon 02/11; start day not counted.
    assert CAL.add_calendar_days(date(2026, 10, 2), 30) == date(2026, 11, 2)
    due = compute_due(CAL, utc(2026, 10, 2, 8, 0), Rule(calendar_days=30))
    assert due == utc(2026, 11, 2, 10, 0)


def test_calendar_days_ending_on_a_holiday_move_past_it() -> None:
    # Tue 03/08/2027 + 30 = Thu 02/09 (National Day), 03/09 too, then the weekend.
    assert CAL.add_calendar_days(date(2027, 8, 3), 30) == date(2027, 9, 6)
    # Tue 05/01/2027 + 30 = Thu 04/02, first day of the Tết break -> Thu 11/02.
    assert CAL.add_calendar_days(date(2027, 1, 5), 30) == date(2027, 2, 11)


def test_calendar_days_ending_on_a_working_day_stay() -> None:
    assert CAL.add_calendar_days(date(2026, 9, 30), 30) == date(2026, 10, 30)  # a Friday
    assert CAL.add_calendar_days(date(2026, 10, 1), 30) == date(2026, 11, 2)  # Sat 31/10 -> Mon
    assert CAL.add_calendar_days(date(2027, 2, 6), 0) == date(2027, 2, 11)  # 0 days, in Tết


# -- instants around midnight ----------------------------------------------------


def test_local_date_around_the_utc_day_boundary() -> None:
    assert CAL.local_date(utc(2026, 11, 20, 16, 59, 59)) == date(2026, 11, 20)
    assert CAL.local_date(utc(2026, 11, 20, 17, 0)) == date(2026, 11, 21)
    assert CAL.local_date(utc(2026, 11, 20, 18, 30)) == date(2026, 11, 21)
    other_zone = datetime(2026, 11, 21, 1, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert CAL.local_date(other_zone) == date(2026, 11, 21)
    with pytest.raises(ValueError):
        CAL.local_date(datetime(2026, 11, 20, 18, 30))


def test_end_of_office_day_is_utc() -> None:
    end = CAL.end_of_office_day(date(2026, 11, 21))
    assert end == utc(2026, 11, 21, 10, 0)
    assert end.tzinfo == UTC
    late_office = WorkingCalendar(office_close=time(17, 30))
    assert late_office.end_of_office_day(date(2026, 11, 21)) == utc(2026, 11, 21, 10, 30)


def test_a_case_received_after_local_midnight_counts_from_the_local_day() -> None:
    # 16:00Z Thu 19/11 is 23:00 Thu local: 1 working day -> Fri 20/11.
    assert compute_due(CAL, utc(2026, 11, 19, 16, 0), Rule(working_days=1)) == utc(
        2026, 11, 20, 10, 0
    )
    # 18:30Z Thu 19/11 is already 01:30 Fri local: 1 working day -> Mon 23/11.
    assert compute_due(CAL, utc(2026, 11, 19, 18, 30), Rule(working_days=1)) == utc(
        2026, 11, 23, 10, 0
    )
    # Tue 24/11 is Vietnam Culture Day: 2 working days from Fri 20/11 -> 23, 25.
    assert compute_due(CAL, utc(2026, 11, 19, 18, 30), Rule(working_days=2)) == utc(
        2026, 11, 25, 10, 0
    )


# -- deadline rules --------------------------------------------------------------


def test_no_rule_no_deadline() -> None:
    assert compute_due(CAL, utc(2027, 2, 3, 2, 0), None) is None


def test_hours_rule_is_elapsed_time() -> None:
    # During Tết, at night: urgent matters do not wait for the office.
    start = utc(2027, 2, 5, 15, 0)
    assert compute_due(CAL, start, Rule(hours=24)) == utc(2027, 2, 6, 15, 0)


def test_rule_with_several_limits_is_rejected() -> None:
    with pytest.raises(ValueError):
        compute_due(CAL, utc(2027, 2, 3, 2, 0), Rule(working_days=5, hours=4))


APPOINTMENT = Rule(appointment=True, max_working_days=5)
START = utc(2027, 2, 3, 2, 0)  # Wed 03/02/2027 09:00 local; limit Wed 17/02 17:00 local


def test_appointment_within_the_limit_is_the_due_time() -> None:
    chosen = utc(2027, 2, 15, 2, 0)
    assert compute_due(CAL, START, APPOINTMENT, appointment=chosen) == chosen
    at_limit = utc(2027, 2, 17, 10, 0)
    assert compute_due(CAL, START, APPOINTMENT, appointment=at_limit) == at_limit


def test_appointment_beyond_the_limit_names_the_latest_date() -> None:
    with pytest.raises(InvalidField) as caught:
        compute_due(CAL, START, APPOINTMENT, appointment=utc(2027, 2, 17, 10, 1))
    error = caught.value
    assert error.params["field"] == "appointment"
    assert "17/02/2027" in error.message("vi")
    assert "17/02/2027" in error.message("en")


def test_appointment_in_the_past_is_rejected() -> None:
    with pytest.raises(InvalidField) as caught:
        compute_due(CAL, START, APPOINTMENT, appointment=utc(2027, 2, 2, 2, 0))
    assert caught.value.params["field"] == "appointment"
    assert "past" in caught.value.message("en")


def test_appointment_not_set_falls_back() -> None:
    assert compute_due(CAL, START, APPOINTMENT) == utc(2027, 2, 17, 10, 0)
    with_default = Rule(appointment=True, max_working_days=5, working_days=3)
    assert compute_due(CAL, START, with_default) == utc(2027, 2, 15, 10, 0)  # 11, 12, 15
    with_hours = Rule(appointment=True, max_working_days=5, hours=8)
    assert compute_due(CAL, START, with_hours) == utc(2027, 2, 3, 10, 0)
    assert compute_due(CAL, START, Rule(appointment=True)) is None


def test_appointment_ignored_by_fixed_rules() -> None:
    due = compute_due(CAL, START, Rule(working_days=5), appointment=utc(2030, 1, 1))
    assert due == utc(2027, 2, 17, 10, 0)


def test_naive_start_is_rejected() -> None:
    with pytest.raises(ValueError):
        compute_due(CAL, datetime(2027, 2, 3, 9, 0), Rule(working_days=5))


def test_lateness() -> None:
    due = utc(2027, 2, 17, 10, 0)  # Wed 17/02 17:00 local
    assert lateness(CAL, due, due) == 0
    assert lateness(CAL, due, utc(2027, 2, 17, 9, 0)) == 0
    # Overdue (now > due) the same evening, but not a working day late yet.
    assert lateness(CAL, due, utc(2027, 2, 17, 12, 0)) == 0
    assert lateness(CAL, due, utc(2027, 2, 18, 1, 0)) == 1  # Thu 08:00 local
    assert lateness(CAL, due, utc(2027, 2, 21, 1, 0)) == 2  # Sun: Thu, Fri
    assert lateness(CAL, due, utc(2027, 2, 22, 1, 0)) == 3


# -- properties against an independent reference -------------------------------

# The package's own lazily-expanding object answers as the reference, with the
# overrides applied on top: it shares no code with WorkingCalendar's year cache.
_REFERENCE_VN = holidays.country_holidays("VN", years=range(2019, 2038))

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def calendars(draw: st.DrawFn) -> tuple[WorkingCalendar, frozenset[date], frozenset[date]]:
    off = frozenset(draw(st.lists(dates, max_size=8)))
    work = frozenset(draw(st.lists(dates, max_size=8))) - off
    return WorkingCalendar(extra_days_off=off, extra_working_days=work), off, work


def reference_is_working(d: date, off: frozenset[date], work: frozenset[date]) -> bool:
    if d in work:
        return True
    if d in off:
        return False
    return _REFERENCE_VN.is_working_day(d)


def reference_add_working_days(
    start: date, n: int, off: frozenset[date], work: frozenset[date]
) -> date:
    d = start
    if n == 0:
        while not reference_is_working(d, off, work):
            d += timedelta(days=1)
        return d
    counted = 0
    while counted < n:
        d += timedelta(days=1)
        if reference_is_working(d, off, work):
            counted += 1
    return d


@settings(max_examples=200, deadline=None)
@given(calendars(), dates, st.integers(min_value=0, max_value=60))
def test_add_working_days_matches_reference(
    built: tuple[WorkingCalendar, frozenset[date], frozenset[date]], start: date, n: int
) -> None:
    cal, off, work = built
    result = cal.add_working_days(start, n)
    assert result == reference_add_working_days(start, n, off, work)
    assert cal.is_working_day(result)
    if n >= 1:
        assert result > start
        assert cal.add_working_days(start, n + 1) > result
        assert cal.working_days_between(start, result) == n
    else:
        assert result >= start


@settings(max_examples=200, deadline=None)
@given(calendars(), dates, st.integers(min_value=0, max_value=60))
def test_add_calendar_days_properties(
    built: tuple[WorkingCalendar, frozenset[date], frozenset[date]], start: date, n: int
) -> None:
    cal, off, work = built
    result = cal.add_calendar_days(start, n)
    end = start + timedelta(days=n)
    assert reference_is_working(result, off, work)
    assert result >= end
    d = end
    while d < result:
        assert not reference_is_working(d, off, work)
        d += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(calendars(), dates, st.integers(min_value=-30, max_value=1500))
def test_working_days_between_matches_day_by_day_count(
    built: tuple[WorkingCalendar, frozenset[date], frozenset[date]], a: date, span: int
) -> None:
    cal, off, work = built
    b = a + timedelta(days=span)
    expected = sum(
        1 for i in range(1, span + 1) if reference_is_working(a + timedelta(days=i), off, work)
    )
    assert cal.working_days_between(a, b) == expected


@given(dates)
def test_end_of_office_day_is_on_its_local_date(d: date) -> None:
    end = CAL.end_of_office_day(d)
    assert end.tzinfo == UTC
    assert CAL.local_date(end) == d
    assert end.astimezone(LOCAL_TZ).time() == time(17, 0)
