"""The field's report of "Làm dân tin" and "Mỗi tuần một điểm đến", for any period
(local dates, inclusive) and unit subtree: what was given, built, repaired and cleaned,
and the home visits, as SQL sums over integers (đồng, metres), never floats.

Definitions (docs/reports.md, "Support activities and home visits"):

* gifts — households given a gift (one gift each: "55 phần quà"), and their value;
* households supported, value — every activity but volunteer labour, in the period,
  and cumulative (everything recorded up to the period's end: "nâng tổng số …");
* volunteer participations and km — cleaning, tree trimming, road or canal work;
* houses built / repaired and their values; sanitation works (households) and value;
* visits, official participations (each official of each visit), households visited
  and opinions recorded.

An activity counts by its date (``held_on``) and its unit; a visit by its date and its
village. Who may read a report is ``engine.reports.scope``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..models import HomeVisit, SupportActivity, Unit, path_under
from ..support.amounts import format_km
from ..support.vocab import GIFT, HOUSE_REPAIR, LABOUR_KINDS, NEW_HOUSE, SANITATION
from .period import EARLIEST, Period
from .scope import resolve_scope

__all__ = ["SupportFigures", "MonthFigures", "SupportReport", "support_report", "million", "sentences"]


@dataclass(frozen=True)
class SupportFigures:
    activities: int = 0
    gifts: int = 0
    gift_value: int = 0
    households: int = 0
    value: int = 0
    participations: int = 0
    length_m: int = 0
    houses_built: int = 0
    houses_built_value: int = 0
    houses_repaired: int = 0
    houses_repaired_value: int = 0
    sanitation: int = 0
    sanitation_value: int = 0
    visits: int = 0
    official_participations: int = 0
    households_visited: int = 0
    opinions: int = 0


@dataclass(frozen=True)
class MonthFigures:
    month: str  # "YYYY-MM"
    gifts: int
    households: int
    value: int
    visits: int


@dataclass(frozen=True)
class SupportReport:
    start: date
    end: date
    unit: str | None
    unit_name: str
    period: SupportFigures
    cumulative_households: int
    cumulative_value: int
    months: tuple[MonthFigures, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["months"] = [asdict(m) for m in self.months]
        return out


def _under(paths: tuple[str, ...]) -> ColumnElement[bool]:
    return or_(*[path_under(Unit.path, p) for p in paths])


def _activity_sums(session: Session, paths: tuple[str, ...], start: date, end: date) -> dict[str, tuple[int, ...]]:
    a = SupportActivity
    rows = session.execute(
        select(a.kind, func.count(), func.sum(a.households), func.sum(a.value), func.sum(a.participations),
               func.sum(a.length_m), func.sum(a.houses))
        .join(Unit, Unit.id == a.unit_id).where(_under(paths), a.held_on >= start, a.held_on <= end)
        .group_by(a.kind))
    return {kind: tuple(int(v or 0) for v in rest) for kind, *rest in rows}


def _figures(session: Session, paths: tuple[str, ...], start: date, end: date) -> SupportFigures:
    sums = _activity_sums(session, paths, start, end)

    def of(kind: str, i: int) -> int:
        return sums.get(kind, (0,) * 6)[i]

    given = [k for k in sums if k not in LABOUR_KINDS]
    v = HomeVisit
    visits = session.execute(
        select(func.count(), func.sum(v.official_count), func.sum(v.households), func.sum(v.opinion_count))
        .join(Unit, Unit.id == v.village_id).where(_under(paths), v.visited_on >= start, v.visited_on <= end)).one()
    n_visits, officials, visited, opinions = (int(x or 0) for x in visits)
    return SupportFigures(
        activities=sum(s[0] for s in sums.values()), gifts=of(GIFT, 1), gift_value=of(GIFT, 2),
        households=sum(of(k, 1) for k in given), value=sum(of(k, 2) for k in given),
        participations=sum(of(k, 3) for k in LABOUR_KINDS), length_m=sum(of(k, 4) for k in LABOUR_KINDS),
        houses_built=of(NEW_HOUSE, 5), houses_built_value=of(NEW_HOUSE, 2),
        houses_repaired=of(HOUSE_REPAIR, 5), houses_repaired_value=of(HOUSE_REPAIR, 2),
        sanitation=of(SANITATION, 1), sanitation_value=of(SANITATION, 2),
        visits=n_visits, official_participations=officials, households_visited=visited, opinions=opinions)


def _month_end(month: str) -> date:
    y, m = int(month[:4]), int(month[5:])
    return date.fromordinal(date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1)


def support_report(session: Session, actor: Actor, unit_code: str | None, period: Period) -> SupportReport:
    scope = resolve_scope(session, actor, unit_code)
    paths = scope.paths
    figures = _figures(session, paths, period.start, period.end)
    cumulative = _figures(session, paths, EARLIEST, period.end)
    months = []
    for month in period.months():
        first = max(period.start, date(int(month[:4]), int(month[5:]), 1))
        last = min(period.end, _month_end(month))
        f = _figures(session, paths, first, last)
        months.append(MonthFigures(month, f.gifts, f.households, f.value, f.visits))
    return SupportReport(period.start, period.end, scope.unit.code if scope.unit else None, scope.label(), figures,
                         cumulative.households, cumulative.value, tuple(months))


def million(value: int) -> str:
    """26500000 → "26,5" (triệu đồng), exact."""
    text = f"{Decimal(value) / 1_000_000:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def sentences(report: SupportReport, lang: str = "vi") -> list[str]:
    """The report's sentences as the field writes them."""
    f = report.period
    if lang == "en":
        return [
            f"{_n(f.gifts)} gifts worth {million(f.gift_value)} million đồng; in all {_n(f.households)} households "
            f"supported with {million(f.value)} million đồng (cumulative: {_n(report.cumulative_households)} households, "
            f"{million(report.cumulative_value)} million đồng).",
            f"{_n(f.participations)} volunteer participations over {format_km(f.length_m)} km.",
            f"{f.houses_built:02d} new houses worth {million(f.houses_built_value)} million đồng; {f.houses_repaired:02d} "
            f"houses repaired worth {million(f.houses_repaired_value)} million đồng; sanitation for {f.sanitation:02d} "
            f"households worth {million(f.sanitation_value)} million đồng.",
            f"{_n(f.visits)} home visits with {_n(f.official_participations)} official participations, "
            f"{_n(f.households_visited)} households visited, {_n(f.opinions)} opinions recorded.",
        ]
    return [
        f"{_n(f.gifts)} phần quà, trị giá {million(f.gift_value)} triệu đồng; hỗ trợ {_n(f.households)} hộ, số tiền "
        f"{million(f.value)} triệu đồng, nâng tổng số được hỗ trợ {_n(report.cumulative_households)} hộ, số tiền "
        f"{million(report.cumulative_value)} triệu đồng.",
        f"Huy động {_n(f.participations)} lượt cán bộ, đoàn viên, hội viên và nhân dân tham gia, với tổng chiều dài "
        f"{format_km(f.length_m)} km.",
        f"Xây dựng {f.houses_built:02d} căn nhà tình thương trị giá {million(f.houses_built_value)} triệu đồng; sửa chữa "
        f"{f.houses_repaired:02d} căn nhà trị giá {million(f.houses_repaired_value)} triệu đồng; xây dựng nhà vệ sinh "
        f"cho {f.sanitation:02d} hộ trị giá {million(f.sanitation_value)} triệu đồng.",
        f"{_n(f.visits)} cuộc gặp gỡ, tiếp xúc với {_n(f.official_participations)} lượt cán bộ, công chức tham gia, "
        f"thăm {_n(f.households_visited)} hộ, ghi nhận {_n(f.opinions)} lượt ý kiến.",
    ]
