"""The administration's overview: units, the first users (with the changes of their
access, web.pages.access), the working calendar, the deliveries given up (dead
letters, whose count the board shows admins) and the record of access changes.
Each part has its own pages: web.pages.admin_users, admin_units, admin_calendar,
admin_webhooks."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.models import CalendarOverride, Unit
from engine.services import calendars
from engine.services.user_list import list_users
from notifications.admin import dead_count, list_dead

from .common import Ctx, Forbidden, render, signed_in
from .data import unit_tree

__all__ = ["router", "require_admin", "admin_page_response", "dead_letters", "calendar_values", "year_of"]

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


def year_of(text: str) -> int | None:
    # A hand-edited address with a strange year shows the current one.
    return int(text) if text.isascii() and text.isdigit() and 1900 <= int(text) <= 2200 else None


def calendar_values(ctx: Ctx, year: int | None) -> dict[str, Any]:
    """The calendar part of a page: the year's built-in holidays and swaps, the overrides."""
    with ctx.c.sessions() as session:
        today = ctx.c.clock.now().astimezone(LOCAL_TZ).date()
        listing = calendars.year_listing(session, year or today.year, ctx.c.cases.holidays)
        overrides = [(o.day, o.kind, o.note, o.added_by, o.added_at) for o in session.scalars(
            select(CalendarOverride).order_by(CalendarOverride.day.desc()).limit(200))]
    return {"listing": listing, "overrides": overrides}


def admin_page_response(ctx: Ctx, *, status: int = 200, error: str | None = None, notice: str | None = None,
                        values: dict[str, str] | None = None, year: int | None = None) -> Response:
    from .admin_forms import ADMIN_SECTIONS

    with ctx.c.sessions() as session:
        units = list(session.scalars(select(Unit)))
        today = ctx.c.clock.now().astimezone(LOCAL_TZ).date()
        by_code = {u.code: u for u in units}
        unit_rows = [(opt.depth, x.code, x.name, x.level, x.valid_from, x.valid_to, x.is_valid_on(today))
                     for opt in unit_tree(units) for x in (by_code[opt.code],)]
        page = list_users(session)
        users = [(u.username, u.full_name, u.active, [(role, code) for role, code, _ in u.grants]) for u in page.lines]
        dead = list_dead(session, 100)
    me = ctx.user.username if ctx.user else ""
    return render(ctx, "admin.html", status=status, units=unit_rows, users=users, users_total=page.total,
                  error=error, notice=notice, values=values or {}, dead=dead, me=me, sections=ADMIN_SECTIONS,
                  changes=ctx.c.access.log(limit=ACCESS_LOG_SHOWN), **calendar_values(ctx, year))


@router.get("/admin")
def admin_page(year: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    require_admin(ctx)
    return admin_page_response(ctx, year=year_of(year))


def parse_day(text: str) -> date:
    from engine.errors import InvalidField

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(field="day", problem_vi="không đúng dạng ngày", problem_en="is not a date") from None
