"""A basic administration page: units, users (with the changes of their access,
web.pages.access), the working-calendar overrides."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.errors import DomainError, InvalidField
from engine.models import CalendarOverride, Unit, User
from engine.services import calendars
from engine.uow import UnitOfWork

from .common import Ctx, Forbidden, Form, redirect, render, signed_in, signed_in_post
from .data import unit_tree

__all__ = ["router", "require_admin", "admin_page_response"]

router = APIRouter()
ACCESS_LOG_SHOWN = 50


def require_admin(ctx: Ctx) -> None:
    if not ctx.has_role("admin"):
        raise Forbidden()


def admin_page_response(ctx: Ctx, *, status: int = 200, error: str | None = None, notice: str | None = None,
                        values: dict[str, str] | None = None) -> Response:
    with ctx.c.sessions() as session:
        units = list(session.scalars(select(Unit)))
        today = ctx.c.clock.now().astimezone(LOCAL_TZ).date()
        by_code = {u.code: u for u in units}
        unit_rows = [(opt.depth, x.code, x.name, x.level, x.valid_from, x.valid_to, x.is_valid_on(today))
                     for opt in unit_tree(units) for x in (by_code[opt.code],)]
        users = [(u.username, u.full_name, u.is_active, sorted((g.role, g.unit.code) for g in u.grants))
                 for u in session.scalars(select(User).order_by(User.username))]
        me = ctx.user.username if ctx.user else ""
        overrides = list(session.execute(select(CalendarOverride.day, CalendarOverride.kind, CalendarOverride.note)
                                         .order_by(CalendarOverride.day.desc()).limit(200)).tuples())
    return render(ctx, "admin.html", status=status, units=unit_rows, users=users, overrides=overrides, error=error,
                  notice=notice, values=values or {}, me=me, changes=ctx.c.access.log(limit=ACCESS_LOG_SHOWN))


@router.get("/admin")
def admin_page(saved: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    require_admin(ctx)
    return admin_page_response(ctx, notice=ctx.t("admin_saved") if saved else None)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(field="day", problem_vi="không đúng dạng ngày", problem_en="is not a date") from None


@router.post("/admin/calendar")
def admin_calendar(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    require_admin(ctx)
    values = {"day": form.get("day"), "kind": form.get("kind"), "note": form.get("note")}
    try:
        day = _day(values["day"])
        with UnitOfWork(ctx.c.sessions, write=True) as uow:
            calendars.set_override(uow.session, day, values["kind"], values["note"])
            uow.commit()
    except DomainError as err:
        return admin_page_response(ctx, status=400, error=ctx.t.error(err), values=values)
    return redirect(ctx, "/admin?saved=1")


@router.post("/admin/calendar/remove")
def admin_calendar_remove(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    require_admin(ctx)
    try:
        day = _day(form.get("day"))
    except DomainError as err:
        return admin_page_response(ctx, status=400, error=ctx.t.error(err))
    with UnitOfWork(ctx.c.sessions, write=True) as uow:
        calendars.remove_override(uow.session, day)
        uow.commit()
    return redirect(ctx, "/admin?saved=1")
