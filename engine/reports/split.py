"""The split of a successor's report at the day of each change.

A report of a unit that took over others (engine.reports.coverage) counts its
predecessors' opinions too; the field reads "before / from 1 July 2025" beside the
total, so the report adds one row per side of every change in the period, each
counting the opinions received on that side (their status as in the rest of the
report). A report without a change in its period has no split.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Callable, TypeVar

from .period import Period
from .scope import Scope

__all__ = ["split_rows"]

F = TypeVar("F")


def split_rows(scope: Scope, period: Period, totals: Callable[[Scope], F]) -> list[tuple[str, str, str, F]]:
    """``(key, Vietnamese label, English label, figures)`` per side of each change
    inside ``period``; ``totals`` computes the figures of a scope."""
    cov = scope.coverage
    days = [d for d in (cov.changes if cov is not None else ()) if period.start < d <= period.end]
    if cov is None or not days:
        return []
    bounds: list[date | None] = [None, *days, None]
    out = []
    for low, high in zip(bounds, bounds[1:]):
        part = replace(scope, coverage=replace(cov, received=(low, high)))
        if low is None:
            vi, en = f"Tiếp nhận trước ngày {high:%d/%m/%Y}", f"Received before {high:%d/%m/%Y}"
        elif high is None:
            vi, en = f"Tiếp nhận từ ngày {low:%d/%m/%Y}", f"Received from {low:%d/%m/%Y}"
        else:
            last = high - timedelta(days=1)
            vi = f"Tiếp nhận từ ngày {low:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"
            en = f"Received from {low:%d/%m/%Y} to {last:%d/%m/%Y}"
        key = f"{'' if low is None else low.isoformat()}..{'' if high is None else high.isoformat()}"
        out.append((key, vi, en, totals(part)))
    return out
