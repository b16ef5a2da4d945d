"""The figures of a report, as values: per cohort of opinions (``Figures``), per set
of meetings (``MeetingFigures``), opinions carried over from earlier periods
(``CarriedOver``), and the report itself. Computed by ``engine.reports.queries``;
what each figure means is in docs/reports.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

from .period import Period

__all__ = ["Figures", "MeetingFigures", "CarriedOver", "Row", "Report", "FIGURE_NAMES", "share"]


def share(n: int, of: int) -> float | None:
    """``n`` as a percentage of ``of``, one decimal; None when ``of`` is 0."""
    return round(100 * n / of, 1) if of else None


@dataclass(frozen=True)
class Figures:
    received: int = 0
    answered_on_site: int = 0
    escalated: int = 0
    transferred_within: int = 0  # escalated across (same level), never up
    proposed_higher: int = 0  # escalated up a level
    resolved: int = 0
    closed_other: int = 0
    on_time: int = 0
    extended: int = 0
    late: int = 0
    still_overdue: int = 0
    satisfied: int = 0
    not_satisfied: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def in_progress(self) -> int:
        return self.received - self.resolved - self.closed_other

    @property
    def share_resolved(self) -> float | None:
        """Percentage of the opinions received that were resolved, one decimal."""
        return share(self.resolved, self.received)

    @property
    def share_satisfied(self) -> float | None:
        return share(self.satisfied, self.satisfied + self.not_satisfied)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "in_progress": self.in_progress, "share_resolved": self.share_resolved,
                "share_satisfied": self.share_satisfied}


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


@dataclass(frozen=True)
class MeetingFigures:
    meetings: int = 0
    attendees: int = 0
    participations: int = 0  # lượt cán bộ, công chức tham gia
    units: int = 0  # distinct units that held them

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class CarriedOver:
    """Opinions received before the period, still open when it began."""

    open_at_start: int = 0
    resolved: int = 0  # of which resolved during the period
    resolved_as_of: int = 0  # of which resolved from the period's start to the report's as-of day

    def __add__(self, other: CarriedOver) -> CarriedOver:
        return CarriedOver(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Row:
    key: str
    label: str  # Vietnamese
    label_en: str
    cases: Figures = field(default_factory=Figures)
    meetings: MeetingFigures | None = None
    as_of: Figures = field(default_factory=Figures)  # the same cohort, status as of the report's day
    carried: CarriedOver | None = None  # by unit only

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "label_en": self.label_en,
                               **self.cases.as_dict(), "as_of": self.as_of.as_dict()}
        if self.meetings is not None:
            out["meetings"] = self.meetings.as_dict()
        if self.carried is not None:
            out["carried_over"] = self.carried.as_dict()
        return out


@dataclass(frozen=True)
class Report:
    period: Period
    unit: str | None  # code of the unit asked for
    unit_name: str
    programme: str | None
    generated_at: datetime
    as_of: date  # the day the second status is taken at (end of that local day)
    totals: Figures  # status at the end of the period
    totals_as_of: Figures  # status at the end of the as-of day
    carried: CarriedOver
    meetings: MeetingFigures
    by_unit: tuple[Row, ...]
    by_topic: tuple[Row, ...]
    by_programme: tuple[Row, ...]
    by_month: tuple[Row, ...]
    resolved_by_month: tuple[tuple[str, int], ...]  # resolved cases of the cohort, by month of resolution
    # A successor's report: its opinions received before / from each change (engine.reports.split).
    split: tuple[Row, ...] = ()
    # The stages the report's own level held, judged there (engine.reports.levels).
    at_level: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(), "unit": self.unit, "unit_name": self.unit_name,
            "programme": self.programme, "generated_at": self.generated_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "totals": self.totals.as_dict(), "totals_as_of": self.totals_as_of.as_dict(),
            "carried_over": self.carried.as_dict(), "meetings": self.meetings.as_dict(),
            "by_unit": [r.as_dict() for r in self.by_unit], "by_topic": [r.as_dict() for r in self.by_topic],
            "by_programme": [r.as_dict() for r in self.by_programme],
            "by_month": [r.as_dict() for r in self.by_month],
            "resolved_by_month": [{"month": m, "resolved": n} for m, n in self.resolved_by_month],
            "split": [r.as_dict() for r in self.split],
            "at_level": self.at_level.as_dict() if self.at_level is not None else None,
        }
