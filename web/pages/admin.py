"""A basic administration page: units, users (with the changes of their access,
web.pages.access), the working calendar (a year's built-in
holidays and swaps, the overrides; removing one asks first, naming the deadlines it moves),
and the deliveries given up (dead letters), whose count the board shows admins."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.errors import DomainError, InvalidField
from engine.models import CalendarOverride, Unit, User
from engine.services import calendar_changes, calendars
from notifications.admin import dead_count, list_dead

from .common import Ctx, Forbidden, Form, redirect, render, signed_in, signed_in_post
from .data import unit_tree

__all__ = ["router", "require_admin", "admin_page_response", "dead_letters"]

router = APIRouter()
ACCESS_LOG_SHOWN = 50


def require_admin(ctx: Ctx) -> None:
    if not ctx.has_role("admin"):
        raise Forbidden()


def dead_letters(ctx: Ctx) -> int:
    """How many deliveries are dead, for an admin's banner (0 for everyone else)."""
    if not ctx.has_role("admin"):
        return 0
    with ctx.c.sessions() as session:
        return dead_count(session)


def admin_page_response(ctx: Ctx, *, status: int = 200, error: str | None = None, notice: str | None = None,
                        values: dict[str, str] | None = None, year: int | None = None,
                        removing: tuple[date, calendar_changes.Affected] | None = None) -> Response:
    with ctx.c.sessions() as session:
        units = list(session.scalars(select(Unit)))
        today = ctx.c.clock.now().astimezone(LOCAL_TZ).date()
        listing = calendars.year_listing(session, year or today.year, ctx.c.cases.holidays)
        by_code = {u.code: u for u in units}
        unit_rows = [(opt.depth, x.code, x.name, x.level, x.valid_from, x.valid_to, x.is_valid_on(today))
                     for opt in unit_tree(units) for x in (by_code[opt.code],)]
        users = [(u.username, u.full_name, u.is_active, sorted((g.role, g.unit.code) for g in u.grants))
                 for u in session.scalars(select(User).order_by(User.username))]
        overrides = [(o.day, o.kind, o.note, o.added_by, o.added_at) for o in session.scalars(
            select(CalendarOverride).order_by(CalendarOverride.day.desc()).limit(200))]
        dead = list_dead(session, 100)
    me = ctx.user.username if ctx.user else ""
    return render(ctx, "admin.html", status=status, units=unit_rows, users=users, overrides=overrides, error=error,
                  notice=notice, values=values or {}, listing=listing, removing=removing, dead=dead, me=me,
                  changes=ctx.c.access.log(limit=ACCESS_LOG_SHOWN))


def _year(text: str) -> int | None:
    # A hand-edited address with a strange year shows the current one.
    return int(text) if text.isdigit() and 1900 <= int(text) <= 2200 else None


@router.get("/admin")
def admin_page(saved: str = "", moved: str = "", year: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    require_admin(ctx)
    notice = ctx.t("cal_moved", n=int(moved)) if moved.isdigit() else ctx.t("admin_saved") if saved else None
    return admin_page_response(ctx, notice=notice, year=_year(year))


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
        result = calendar_changes.change_override(ctx.c.cases, day, values["kind"], values["note"],
                                                  actor=_who(ctx))
    except DomainError as err:
        return admin_page_response(ctx, status=400, error=ctx.t.error(err), values=values)
    return redirect(ctx, f"/admin?saved=1&moved={result.moved}")


def _who(ctx: Ctx) -> str:
    assert ctx.user is not None
    return ctx.user.actor.username


@router.post("/admin/calendar/remove")
def admin_calendar_remove(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    require_admin(ctx)
    try:
        day = _day(form.get("day"))
        if form.get("confirm") != "1":
            # Ask first, saying which open deadlines the removal moves.
            return admin_page_response(ctx, year=day.year, removing=(day, calendar_changes.affected_cases(ctx.c.cases, day)))
        result = calendar_changes.drop_override(ctx.c.cases, day, actor=_who(ctx))
    except DomainError as err:
        return admin_page_response(ctx, status=400, error=ctx.t.error(err))
    return redirect(ctx, f"/admin?saved=1&moved={result.moved}")
