"""The field programmes' pages: the citizen reception register (page, PDF, XLSX,
``/programmes/register``) and a dialogue's conclusion as announced to the people
(``/conclusions/{code}``, public, no sign-in).

The register's rows and columns are the engine's (engine.reports.reception_register),
the conclusion's content too (engine.services.dialogues.public); these routes only
pick the format and the language.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.calendar import LOCAL_TZ
from engine.disclosure import EXPORT, SHOW
from engine.errors import DomainError, InvalidField, NotFound, OutOfScope, RoleNotAllowed
from engine.reports import REPORT_ROLES
from engine.reports.programmes import programme_figures
from engine.reports.reception_register import ROUTE_LABELS, reception_register, register_xlsx
from engine.services.receptions import CAPACITIES, OCCASIONS
from engine.vocab import KINDS
from engine.tabular import XLSX_MEDIA_TYPE

from ..printing import PDF_MEDIA_TYPE, render_pdf
from .common import ENV, Ctx, Forbidden, PageNotFound, get_ctx, render, signed_in

__all__ = ["router"]

router = APIRouter()

_PRINT_CSS = """
@page { size: A4 landscape; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 0.5pt solid #333; padding: 2pt 3pt; vertical-align: top; }
h1 { font-size: 13pt; text-align: center; }
"""


def _day(value: str, fallback: date) -> date:
    try:
        return date.fromisoformat(value) if value else fallback
    except ValueError:
        raise PageNotFound() from None


def _register(ctx: Ctx, unit: str, start: str, end: str, purpose: str):  # type: ignore[no-untyped-def]
    assert ctx.user is not None
    actor = ctx.user.actor
    if not any(g.role in REPORT_ROLES for g in actor.grants):
        raise Forbidden()
    today = ctx.c.clock.now().astimezone(LOCAL_TZ).date()
    first, last = _day(start, today.replace(day=1)), _day(end, today)
    workflows = ctx.c.workflows

    def state_label(workflow: str, state: str) -> str:
        wf = workflows.get(workflow)
        return wf.label(state, ctx.lang) if wf is not None else state

    try:
        with ctx.c.reads() as session:
            return reception_register(session, actor, unit or None, first, last, purpose=purpose, lang=ctx.lang,
                                      state_label=state_label)
    except (NotFound, OutOfScope, InvalidField):
        raise PageNotFound() from None
    except RoleNotAllowed:
        raise Forbidden() from None


@router.get("/programmes")
def figures_page(ctx: Ctx = Depends(signed_in), unit: str = "", start: str = "", end: str = "") -> Response:
    assert ctx.user is not None
    actor = ctx.user.actor
    if not any(g.role in REPORT_ROLES for g in actor.grants):
        raise Forbidden()
    today = ctx.c.clock.now().astimezone(LOCAL_TZ).date()
    first, last = _day(start, today.replace(day=1)), _day(end, today)
    try:
        with ctx.c.reads() as session:
            figures = programme_figures(session, actor, unit or None, first, last)
    except (NotFound, OutOfScope, InvalidField):
        raise PageNotFound() from None
    except RoleNotAllowed:
        raise Forbidden() from None
    return render(ctx, "programmes/index.html", figures=figures, unit=unit, start=first, end=last,
                  capacities=CAPACITIES, occasions=OCCASIONS, routes=ROUTE_LABELS, kinds=KINDS)


@router.get("/programmes/register")
def register_page(ctx: Ctx = Depends(signed_in), unit: str = "", start: str = "", end: str = "") -> Response:
    register = _register(ctx, unit, start, end, SHOW)
    return render(ctx, "programmes/register.html", register=register, unit=unit)


@router.get("/programmes/register.{fmt}")
def register_file(fmt: str, ctx: Ctx = Depends(signed_in), unit: str = "", start: str = "",
                  end: str = "") -> Response:
    if fmt not in ("pdf", "xlsx"):
        raise PageNotFound()
    # A file leaves the application: the contact masked at most (engine.disclosure).
    register = _register(ctx, unit, start, end, EXPORT)
    name = f"so-tiep-cong-dan-{register.start:%Y%m%d}-{register.end:%Y%m%d}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}
    if fmt == "xlsx":
        return Response(register_xlsx(register, ctx.t("register_title")), media_type=XLSX_MEDIA_TYPE, headers=headers)
    html = ENV.get_template("programmes/register_print.html").render(t=ctx.t, lang=ctx.lang, register=register)
    return Response(render_pdf(html, css=_PRINT_CSS), media_type=PDF_MEDIA_TYPE, headers=headers)


@router.get("/conclusions/{code}")
def conclusion_page(code: str, ctx: Ctx = Depends(get_ctx)) -> Response:
    try:
        conclusion = ctx.c.programmes.dialogues.public(code)
    except DomainError:
        raise PageNotFound() from None
    labels = {}
    wf = ctx.c.workflows.get("doi-thoai")
    for item in conclusion.items:
        labels[item.state] = wf.label(item.state, ctx.lang) if wf is not None else item.state
    return render(ctx, "programmes/conclusion.html", conclusion=conclusion, state_labels=labels)
