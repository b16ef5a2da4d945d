"""Public statistics (thống kê công khai): ``/thong-ke`` for anyone, no sign-in, and
its JSON twin ``/thong-ke.json`` for journalists and the province portal.

Both read the engine's live figures (``engine.reports.public_stats``: the reports'
roll-ups, as of the request), counts already suppressed there ("<5"); this module only
picks the unit and months and draws.
"""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.models import Unit
from engine.reports.public_stats import PUBLIC_FIGURES, SUPPRESSED, THRESHOLD, PublicStats, read

from ..pages.common import Ctx, PageNotFound, finish, get_ctx, render
from .charts import line_chart

__all__ = ["router"]

router = APIRouter()
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _months_back(today: date, n: int) -> str:
    y, m = today.year, today.month - n
    while m <= 0:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def _stats(ctx: Ctx, unit: str, first: str, last: str) -> PublicStats:
    now = ctx.c.clock.now()
    today = now.astimezone(LOCAL_TZ).date()
    last = last if _MONTH.match(last) else f"{today.year:04d}-{today.month:02d}"
    first = first if _MONTH.match(first) else _months_back(date(int(last[:4]), int(last[5:]), 1), 11)
    if first > last:
        first, last = last, first
    with ctx.c.reads() as session:
        stmt = (select(Unit).where(Unit.code == unit[:32]) if unit
                else select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
        found = session.scalar(stmt)
        if found is None:
            raise PageNotFound()
        return read(session, found, first, last, now)


def _plain(value: int | str) -> int:
    # A chart needs a number: a suppressed count is drawn as 0 (the table says "<5").
    return value if isinstance(value, int) else 0


@router.get("/thong-ke")
@router.get("/statistics")
def public_page(unit: str = "", start: str = "", end: str = "", ctx: Ctx = Depends(get_ctx)) -> Response:
    stats = _stats(ctx, unit, start, end)
    months = [m for m, _ in stats.months]
    chart = line_chart(months, [(key, ctx.t(f"stats_{key}"), [_plain(f[key]) for _, f in stats.months])
                                for key in ("received", "resolved")],
                       title=ctx.t("stats_chart_title"), desc=ctx.t("stats_chart_desc"), uid="public-months") \
        if months else None
    return render(ctx, "public_stats.html", stats=stats, figures=PUBLIC_FIGURES, chart=chart,
                  threshold=THRESHOLD, suppressed=SUPPRESSED)


@router.get("/thong-ke.json")
@router.get("/statistics.json")
def public_json(unit: str = "", start: str = "", end: str = "", ctx: Ctx = Depends(get_ctx)) -> Response:
    stats = _stats(ctx, unit, start, end)
    body = {
        "unit": {"code": stats.unit.unit, "name": stats.unit.unit_name, **stats.unit.figures},
        "children": [{"code": r.unit, "name": r.unit_name, **r.figures} for r in stats.children],
        "months": [{"month": m, **f} for m, f in stats.months],
        "first_month": stats.first_month, "last_month": stats.last_month,
        "as_of": stats.as_of.isoformat(),
        "suppressed_below": THRESHOLD, "suppressed_as": SUPPRESSED,
    }
    response = JSONResponse(body)
    finish(ctx, response)
    return response
