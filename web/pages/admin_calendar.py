"""The working calendar in the administration: the year's built-in holidays and
swaps, and the overrides. Adding or removing one first shows which open
deadlines it moves (``engine.services.calendar_changes.affected_cases``: the
engine's own recomputation, rolled back), then makes the change and says what
it did."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.errors import DomainError
from engine.services import calendar_changes

from .admin import calendar_values, parse_day, year_of
from .admin_forms import ADMIN_SECTIONS, admin_actor, confirm_page
from .common import Ctx, Form, redirect, render, signed_in, signed_in_post

__all__ = ["router"]

router = APIRouter()
SHOWN = 20  # cases named on a confirmation; the count covers all


def _page(ctx: Ctx, *, status: int = 200, error: str | None = None, notice: str | None = None,
          values: dict[str, str] | None = None, year: int | None = None) -> Response:
    return render(ctx, "admin_calendar.html", status=status, error=error, notice=notice, values=values or {},
                  sections=ADMIN_SECTIONS, **calendar_values(ctx, year))


@router.get("/admin/calendar")
def calendar_page(year: str = "", done: str = "", day: str = "", moved: str = "",
                  ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    notice = None
    try:
        shown = parse_day(day) if day else None
    except DomainError:
        shown = None
    if done in ("add", "remove") and shown and moved.isdigit():
        notice = ctx.t(f"adm_cal_done_{done}", day=f"{shown:%d/%m/%Y}", n=int(moved))
    return _page(ctx, notice=notice, year=year_of(year))


def _kind_label(ctx: Ctx, kind: str) -> str:
    return ctx.t("admin_day_off") if kind == "day_off" else ctx.t("admin_working_day")


def _moves(ctx: Ctx, affected: calendar_changes.Affected) -> list[str]:
    return [f"{code} — {ctx.t('deadline')}: {ctx.t.due(was)} → {ctx.t.due(will)}" for code, was, will in affected.first]


def _ask(ctx: Ctx, *, title: str, action: str, fields: dict[str, str], affected: calendar_changes.Affected,
         year: int) -> Response:
    t = ctx.t
    explain = t("cal_remove_moves", n=affected.total) if affected.total else t("cal_remove_moves_none")
    return confirm_page(ctx, title=title, explain=explain, action=action, fields=fields, lines=_moves(ctx, affected),
                        more=max(0, affected.total - len(affected.first)), cancel=f"/admin/calendar?year={year}",
                        button=t("adm_cal_yes"))


@router.post("/admin/calendar")
def add_override(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    by = admin_actor(ctx)
    values = {"day": form.get("day")[:40], "kind": form.get("kind")[:20], "note": form.get("note")[:300]}
    try:
        day = parse_day(values["day"])
        if form.get("confirm") != "1":
            affected = calendar_changes.affected_cases(ctx.c.cases, day, limit=SHOWN, kind=values["kind"],
                                                       note=values["note"])
            return _ask(ctx, title=ctx.t("adm_cal_add_title", day=f"{day:%d/%m/%Y}",
                                         kind=_kind_label(ctx, values["kind"])),
                        action="/admin/calendar", fields=values, affected=affected, year=day.year)
        result = calendar_changes.change_override(ctx.c.cases, day, values["kind"], values["note"],
                                                  actor=by.username)
    except DomainError as err:
        return _page(ctx, status=400, error=ctx.t.error(err), values=values)
    return redirect(ctx, f"/admin/calendar?done=add&day={day.isoformat()}&moved={result.moved}&year={day.year}")


@router.post("/admin/calendar/remove")
def remove_override(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    by = admin_actor(ctx)
    try:
        day: date = parse_day(form.get("day"))
        if form.get("confirm") != "1":
            # Ask first, saying which open deadlines the removal moves.
            affected = calendar_changes.affected_cases(ctx.c.cases, day, limit=SHOWN)
            return _ask(ctx, title=ctx.t("cal_remove_confirm", day=f"{day:%d/%m/%Y}"),
                        action="/admin/calendar/remove", fields={"day": day.isoformat()}, affected=affected,
                        year=day.year)
        result = calendar_changes.drop_override(ctx.c.cases, day, actor=by.username)
    except DomainError as err:
        return _page(ctx, status=400, error=ctx.t.error(err))
    return redirect(ctx, f"/admin/calendar?done=remove&day={day.isoformat()}&moved={result.moved}&year={day.year}")
