"""What a new opinion is made of, and what one batch of them shares while it is
recorded (``CaseService.create_within``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ
from ..errors import InvalidField
from ..files import Upload
from ..models import Unit

__all__ = ["NewCase", "CLOCK_SKEW", "Batch", "choice"]

# A notebook entry may be typed in later, but not dated in the future.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class NewCase:
    workflow: str
    unit: str
    topic: str
    kind: str
    content: str
    channel: str = "meeting"
    citizen_name: str | None = None
    citizen_phone: str | None = None
    citizen_address: str | None = None
    meeting_id: int | None = None
    received_at: datetime | str | None = None
    handling_unit: str | None = None
    # Photos and documents handed over with the opinion (engine.files).
    files: tuple[Upload, ...] = ()


def choice(field: str, value: Any, vocabulary: Mapping[str, Any]) -> str:
    if not isinstance(value, str) or value not in vocabulary:
        raise InvalidField(field=field, problem_vi=f"phải là một trong: {', '.join(vocabulary)}",
                           problem_en=f"must be one of: {', '.join(vocabulary)}")
    return value


class Batch:
    """What one batch of new opinions shares: the units already looked up (a
    meeting's opinions mostly name the same village), the code prefix of each root
    unit and the codes already given."""

    def __init__(self) -> None:
        self.units: dict[tuple[str, str, date], Unit] = {}
        self.prefixes: dict[int, str] = {}
        self.codes: set[str] = set()

    def unit(self, lookup: Callable[[Session, str, Any, datetime], Unit], session: Session, field: str, code: Any,
             on: datetime) -> Unit:
        if not isinstance(code, str):
            return lookup(session, field, code, on)  # refused there, in the user's words
        # A unit's validity depends on the day the opinion was received.
        key = (field, code, on.astimezone(LOCAL_TZ).date())
        if key not in self.units:
            self.units[key] = lookup(session, field, code, on)
        return self.units[key]


