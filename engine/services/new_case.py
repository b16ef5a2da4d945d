"""What a new opinion is made of (``CaseService.create_within``; what a batch of
them shares while it is recorded is ``case_writes.Batch``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..files import Upload
from .fields import choice

__all__ = ["NewCase", "CLOCK_SKEW", "choice"]

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

