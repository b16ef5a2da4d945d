"""Where the built-in Vietnamese holidays come from, and a fingerprint of them.

Deadlines already computed depend on the holiday list they were computed with, so
the source is a value the calendar is given (the ``holidays`` package by default; a
test hands it another release's table) and every year it answers
for has a fingerprint: stored per year in the database, a changed fingerprint tells
the recomputation which days moved (engine.services.calendar_changes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Mapping, Protocol

import holidays

__all__ = ["HolidayYear", "HolidaySource", "PackageHolidays", "PACKAGE_HOLIDAYS"]


@dataclass(frozen=True)
class HolidayYear:
    """One year of the built-in calendar: named days off, make-up working weekend days."""

    year: int
    days_off: Mapping[date, str]
    make_up: frozenset[date]

    @property
    def fingerprint(self) -> str:
        # Names are left out: a renamed holiday moves no deadline.
        body = json.dumps({"off": sorted(d.isoformat() for d in self.days_off),
                           "work": sorted(d.isoformat() for d in self.make_up)})
        return hashlib.sha256(body.encode()).hexdigest()[:32]

    def as_json(self) -> dict[str, list[str]]:
        return {"off": sorted(d.isoformat() for d in self.days_off),
                "work": sorted(d.isoformat() for d in self.make_up)}


class HolidaySource(Protocol):
    """What a calendar needs from its built-in source."""

    @property
    def version(self) -> str: ...

    def year(self, year: int) -> HolidayYear: ...


@lru_cache(maxsize=None)
def _package_year(year: int) -> HolidayYear:
    """The package's year, exact across its cross-year quirks.

    Its ``weekend_workdays`` is not per year: it records a same-year swap while
    populating the year of the *day off*, and pre-seeds cross-year swaps (the
    31/12/2018 day off made up on Saturday 05/01/2019) into every object. Populating
    the year on each side and keeping only this year's dates stays exact even if a
    future release records cross-year swaps only with the day off.
    """
    vn = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    days_off = {d: str(name) for d, name in sorted(vn.items()) if d.year == year}
    make_up = frozenset(d for d in vn.weekend_workdays if d.year == year)
    return HolidayYear(year, days_off, make_up)


class PackageHolidays:
    """The installed ``holidays`` package (one shared, cached instance)."""

    @property
    def version(self) -> str:
        return f"holidays {holidays.__version__}"

    def year(self, year: int) -> HolidayYear:
        return _package_year(year)


PACKAGE_HOLIDAYS: HolidaySource = PackageHolidays()
