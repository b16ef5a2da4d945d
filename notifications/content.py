"""Reading the facts of a message: instants and how late a case is.

Which facts a message may carry at all is the engine's rule
(``engine.message_facts``), not this layer's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from engine.calendar import WorkingCalendar
from engine.deadlines import lateness

__all__ = ["parse_instant", "days_late"]


def parse_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def days_late(data: Mapping[str, Any], calendar: WorkingCalendar, as_of: datetime,
              case_due: datetime | None = None) -> int | None:
    """Working days past the deadline at ``as_of``; None when not late or unknown.

    Counted from the message's deadline when it has one (so a digest read the next
    morning says how late it is then); else the count the message was written with.
    """
    due = parse_instant(data.get("due_at")) or case_due
    if due is not None:
        return None if as_of <= due else lateness(calendar, due, as_of)
    for key in ("days_late", "working_days_late", "overdue_days"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
