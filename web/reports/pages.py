"""The ``/reports`` page (figures, charts, downloads, printable on A4); the ``/audit``
pages are ``web.reports.audit_pages``, which shares the helpers below.

Signed-in users only, through the pages' own session and CSRF machinery
(``web.pages.common``). A unit outside the user's grants is "not found".
"""

from __future__ import annotations


from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import or_, select

from engine.actors import Actor
from engine.calendar import LOCAL_TZ
from engine.errors import DomainError, InvalidField, NotFound, OutOfScope, RoleNotAllowed
from engine.models import Unit, path_under
from engine.reports import REPORT_ROLES, Period
from engine.numbers import format_number
from engine.reports.export import column_headers, row_cells, summary_lines
from engine.reports.labels import AS_OF, AT_END, CASE_COLUMNS, DIMENSIONS, TITLE
from engine.reports.levels import RULE as LEVEL_RULE
from engine.reports.timeliness import RULE

from ..pages.common import Ctx, Forbidden, PageNotFound, render, signed_in
from .charts import bar_chart, line_chart, stacked_bars
from .common import default_period, make_report, presets, query_string, report_response
from ..pages.i18n import Translator as Words

__all__ = ["router", "actor_with", "refusal", "period_of", "unit_choices"]

router = APIRouter()


def actor_with(ctx: Ctx, roles: tuple[str, ...]) -> Actor:
    assert ctx.user is not None
    actor = ctx.user.actor
    if not any(g.role in roles for g in actor.grants):
        raise Forbidden()
    return actor


def refusal(err: DomainError) -> Exception:
    if isinstance(err, (NotFound, OutOfScope)):
        return PageNotFound()
    if isinstance(err, RoleNotAllowed):
        return Forbidden()
    return err


def period_of(start: str, end: str, fallback: Period) -> Period:
    if not start and not end:
        return fallback
    return Period.of(start or end, end or start)


def unit_choices(ctx: Ctx, actor: Actor, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    """Units the user may report on: each subtree they hold and two levels below."""
    roots = sorted({g.unit_path for g in actor.grants if g.role in roles})
    if not roots:
        return []
    with ctx.c.sessions() as session:
        units = session.execute(
            select(Unit.code, Unit.name, Unit.path).where(or_(*[path_under(Unit.path, r) for r in roots]))
            .order_by(Unit.path).limit(400)).all()
    top = min(len(r.strip("/").split("/")) for r in roots)
    out = []
    for code, name, path in units:
        depth = len(path.strip("/").split("/")) - top
        if depth <= 2:
            out.append((code, "\u00a0\u00a0\u00a0" * depth + name))
    return out


# -- reports ---------------------------------------------------------------------------

@router.get("/reports")
def reports_page(ctx: Ctx = Depends(signed_in), start: str = "", end: str = "", unit: str = "",
                 programme: str = "", as_of: str = "") -> Response:
    return _reports(ctx, start, end, unit, programme, as_of)


def _reports(ctx: Ctx, start: str, end: str, unit: str, programme: str, as_of: str) -> Response:
    words = Words(ctx.lang)
    actor = actor_with(ctx, REPORT_ROLES)
    error = None
    try:
        period = period_of(start, end, default_period(ctx.c))
        report = make_report(ctx.c, actor, period, unit, programme, as_of)
    except InvalidField as err:
        error = ctx.t.error(err)
        period = default_period(ctx.c)
        report = make_report(ctx.c, actor, period, None, None)
    except DomainError as err:
        raise refusal(err) from None
    lang = ctx.lang
    pick = words.pick
    topics = [(pick((r.label, r.label_en)), r.cases.received) for r in report.by_topic]
    names = {key: pick((vi, en)) for key, vi, en in CASE_COLUMNS}
    series = [("on_time", names["on_time"]), ("extended", names["extended"]), ("late", names["late"])]
    by_unit = [(pick((r.label, r.label_en)), (r.cases.on_time, r.cases.extended, r.cases.late)) for r in report.by_unit]
    months = [r.key for r in report.by_month]
    charts = {
        "topics": bar_chart(topics, title=words("chart_topics"), desc=words("chart_topics_desc")),
        "timeliness": stacked_bars(by_unit, series, title=words("chart_timeliness"),
                                   desc=words("chart_timeliness_desc")),
        "months": line_chart([f"{m[5:7]}/{m[:4]}" for m in months], [
            ("received", names["received"], [r.cases.received for r in report.by_month]),
            ("resolved", words("resolved_in_month"), [n for _, n in report.resolved_by_month]),
        ], title=words("chart_months"), desc=words("chart_months_desc")),
    }
    query = query_string(start=period.start.isoformat(), end=period.end.isoformat(), unit=unit or None,
                         programme=programme or None, as_of=report.as_of.isoformat())
    generated = report.generated_at
    return render(
        ctx, "reports/index.html", status=400 if error else 200, w=words, report=report, error=error,
        period=period, unit=unit, programme=programme, charts=charts, query=query,
        title_text=pick(TITLE), figure_rows=summary_lines(report, lang),
        headers=column_headers(report, lang), cells=row_cells, num=lambda v: format_number(v, lang),
        at_end=pick(AT_END), as_of_label=pick(AS_OF).format(day=report.as_of.strftime("%d/%m/%Y")),
        rule=pick(RULE), level_rule=pick(LEVEL_RULE),
        dimensions=[(attr, pick((vi, en)), pick((c_vi, c_en))) for attr, vi, en, c_vi, c_en in DIMENSIONS],
        unit_choices=unit_choices(ctx, actor, REPORT_ROLES),
        programme_choices=[(k, wf.name.get(lang)) for k, wf in ctx.c.workflows.items()],
        presets=[(words(key), query_string(start=p.start.isoformat(), end=p.end.isoformat(), unit=unit or None,
                                           programme=programme or None)) for key, p in presets(ctx.c)],
        as_of=words("as_of", day=period.end.strftime("%d/%m/%Y"), later=report.as_of.strftime("%d/%m/%Y"),
                    at=generated.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")),
    )


@router.get("/reports/export.{fmt}")
def reports_export(fmt: str, ctx: Ctx = Depends(signed_in), start: str = "", end: str = "", unit: str = "",
                   programme: str = "", as_of: str = "") -> Response:
    if fmt not in ("xlsx", "csv", "json"):
        raise PageNotFound()
    actor = actor_with(ctx, REPORT_ROLES)
    try:
        report = make_report(ctx.c, actor, period_of(start, end, default_period(ctx.c)), unit, programme, as_of)
    except InvalidField:
        raise PageNotFound() from None
    except DomainError as err:
        raise refusal(err) from None
    return report_response(report, fmt, ctx.lang)
