"""Reporting periods, in local (Asia/Ho_Chi_Minh) calendar dates.

A period is two inclusive local dates, as a report writes them ("từ ngày 01/01/2024
đến ngày 30/06/2024"). Queries compare stored UTC instants with the half-open UTC
interval ``[start 00:00 local, day after end 00:00 local)``: an opinion received at
00:30 on the 1st belongs to the new month although it is still the previous day in UTC.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from ..calendar import LOCAL_TZ
from ..errors import InvalidField

__all__ = ["Period", "MAX_DAYS", "EARLIEST", "LATEST", "parse_day"]

# A report longer than ten years is a typo, and would list a hundred months.
MAX_DAYS = 3660
# Dates a report may name: nothing was recorded before, and date arithmetic must not overflow.
EARLIEST, LATEST = date(1990, 1, 1), date(2199, 12, 31)

_PRESET = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$")


def _parse_date(field: str, value: object) -> date:
    if isinstance(value, datetime):
        raise InvalidField(field=field, problem_vi="phải là ngày (YYYY-MM-DD)", problem_en="must be a date (YYYY-MM-DD)")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise InvalidField(field=field, problem_vi="phải là ngày dạng YYYY-MM-DD hoặc dd/mm/yyyy",
                       problem_en="must be a date as YYYY-MM-DD or dd/mm/yyyy")


def parse_day(field: str, value: object) -> date:
    """A local date as typed (YYYY-MM-DD or dd/mm/yyyy) within the dates a report may name."""
    day = _parse_date(field, value)
    if not EARLIEST <= day <= LATEST:
        raise InvalidField(field=field, problem_vi="ngày phải từ năm 1990 đến năm 2199",
                           problem_en="the date must be between 1990 and 2199")
    return day


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        for field, day in (("from", self.start), ("to", self.end)):
            if not EARLIEST <= day <= LATEST:
                raise InvalidField(field=field, problem_vi="ngày phải từ năm 1990 đến năm 2199",
                                   problem_en="the date must be between 1990 and 2199")
        if self.end < self.start:
            raise InvalidField(field="to", problem_vi="ngày kết thúc phải sau ngày bắt đầu",
                               problem_en="the end date must not be before the start date")
        if (self.end - self.start).days > MAX_DAYS:
            raise InvalidField(field="to", problem_vi="kỳ báo cáo dài quá 10 năm",
                               problem_en="the period is longer than ten years")

    @classmethod
    def of(cls, start: object, end: object) -> Period:
        return cls(_parse_date("from", start), _parse_date("to", end))

    @classmethod
    def preset(cls, text: str) -> Period:
        """"2024" (a year), "2024-06" (a month), "2024-Q2" (a quarter), "2024-H1" (six months)."""
        m = _PRESET.match(text.strip().upper()) if isinstance(text, str) else None
        if m is None:
            raise InvalidField(field="period", problem_vi="dạng 2024, 2024-06, 2024-Q2 hoặc 2024-H1",
                               problem_en="as 2024, 2024-06, 2024-Q2 or 2024-H1")
        year = int(m.group(1))
        if m.group(2):
            first = last = int(m.group(2))
        elif m.group(3):
            first = 3 * int(m.group(3)) - 2
            last = first + 2
        elif m.group(4):
            first = 6 * int(m.group(4)) - 5
            last = first + 5
        else:
            first, last = 1, 12
        return cls(date(year, first, 1), date(year, last, _calendar.monthrange(year, last)[1]))

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(0), LOCAL_TZ).astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time(0), LOCAL_TZ).astimezone(timezone.utc)

    def months(self) -> list[str]:
        """Every local month the period touches, as "YYYY-MM", in order."""
        out: list[str] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def label(self, lang: str = "vi") -> str:
        a, b = self.start.strftime("%d/%m/%Y"), self.end.strftime("%d/%m/%Y")
        return f"Từ ngày {a} đến ngày {b}" if lang == "vi" else f"From {a} to {b}"

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}
