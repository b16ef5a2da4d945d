"""``/reports/support``: the support report as a page (the field's sentences, the
figures, the monthly chart) and its downloads, for any period and unit."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.errors import DomainError, InvalidField, NotFound, RoleNotAllowed
from engine.reports import Period
from engine.reports.support import sentences
from engine.reports.support_export import figure_rows

from ..pages.common import Ctx, Forbidden, PageNotFound, render, signed_in
from .common import default_period, query_string
from .support import make_support_report, support_chart, support_response

__all__ = ["router"]

router = APIRouter()


def _period(ctx: Ctx, start: str, end: str) -> Period:
    if not start and not end:
        return default_period(ctx.c)
    return Period.of(start or end, end or start)


def _report(ctx: Ctx, start: str, end: str, unit: str):  # type: ignore[no-untyped-def]
    assert ctx.user is not None
    try:
        return make_support_report(ctx.c, ctx.user.actor, _period(ctx, start, end), unit or None)
    except NotFound:
        raise PageNotFound() from None
    except RoleNotAllowed:
        raise Forbidden() from None


@router.get("/reports/support")
def support_report_page(ctx: Ctx = Depends(signed_in), start: str = "", end: str = "", unit: str = "") -> Response:
    error = None
    try:
        report = _report(ctx, start, end, unit)
    except InvalidField as err:
        error = ctx.t.error(err)
        report = _report(ctx, "", "", unit)
    en = ctx.lang == "en"
    return render(ctx, "reports/support.html", status=400 if error else 200, report=report, error=error,
                  sentences=sentences(report, ctx.lang), unit=unit, chart=support_chart(report, ctx.lang),
                  figures=[(key, english if en else vi, value) for key, vi, english, value in figure_rows(report)],
                  query=query_string(start=report.start.isoformat(), end=report.end.isoformat(), unit=unit or None))


@router.get("/reports/support/export.{fmt}")
def support_report_export(fmt: str, ctx: Ctx = Depends(signed_in), start: str = "", end: str = "",
                          unit: str = "") -> Response:
    if fmt not in ("json", "csv", "xlsx"):
        raise PageNotFound()
    try:
        report = _report(ctx, start, end, unit)
    except DomainError:
        raise PageNotFound() from None
    return support_response(report, fmt, ctx.lang)
