"""Whether a meeting is entered so late that its opinions start out overdue.

Opinions count from the meeting's morning (``intake.received_at``), so a meeting
typed in weeks later creates cases whose first deadline has already passed: the
reports then count them late at the commune. The intake warns and asks for a
confirmation first; this module says when, from the programme's own deadline rule
and the working calendar, so the page holds no rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..calendar import LOCAL_TZ, WorkingCalendar
from ..deadlines import compute_due, lateness
from ..workflow import Workflow
from .intake import EARLIEST, received_at

__all__ = ["LateEntry", "late_entry"]


@dataclass(frozen=True)
class LateEntry:
    held_on: date
    due_at: datetime  # the first deadline of its opinions, already past
    working_days_late: int


def late_entry(calendar: WorkingCalendar, wf: Workflow | None, held_on: Any, now: datetime) -> LateEntry | None:
    """The passed first deadline of opinions heard on ``held_on`` and saved ``now``, or
    None (on time, or a date the intake will refuse anyway)."""
    if wf is None:
        return None
    if isinstance(held_on, str):
        try:
            held_on = date.fromisoformat(held_on.strip())
        except ValueError:
            return None
    if not isinstance(held_on, date) or isinstance(held_on, datetime) or held_on < EARLIEST:
        return None
    if held_on > now.astimezone(LOCAL_TZ).date():
        return None
    due = compute_due(calendar, received_at(held_on, now), wf.state(wf.initial).deadline)
    if due is None or due > now:
        return None
    return LateEntry(held_on=held_on, due_at=due, working_days_late=lateness(calendar, due, now))
