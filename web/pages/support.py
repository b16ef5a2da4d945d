"""Pages of "Làm dân tin" and "Mỗi tuần một điểm đến": the activities of a unit and
month, a meeting's afternoon (every activity of it in one form and one transaction,
right after its opinions), and a home visit recorded from a phone. Every rule is the
engine's (``engine.services.support``, ``.visits``); a refusal re-shows the form with
the engine's message in the reader's language and nothing saved."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.errors import DomainError, NotFound
from engine.models import Meeting
from engine.services.fields import is_blank
from engine.services.support import MAX_AFTERNOON, NewActivity
from engine.services.visits import NewVisit, VisitOpinion
from engine.support.amounts import format_dong
from engine.support.vocab import CATEGORIES
from engine.vocab import TOPICS

from .common import Ctx, Form, Forbidden, PageNotFound, redirect, render, signed_in, signed_in_post
from .support_forms import choices, fresh_nonce, once_then, path_number, recording_units, today

__all__ = ["router"]

router = APIRouter()
ROWS = 4
ACTIVITY_FIELDS = ("kind", "category", "households", "value", "source", "participations", "length_km", "houses",
                   "description", "beneficiaries")
OPINION_ROWS = 3


def _actor(ctx: Ctx):  # type: ignore[no-untyped-def]
    assert ctx.user is not None
    return ctx.user.actor


@router.get("/support")
def support_home(ctx: Ctx = Depends(signed_in), unit: str = "", month: str = "") -> Response:
    actor = _actor(ctx)
    day = today(ctx)
    first = day.replace(day=1)
    try:
        if month:
            first = date.fromisoformat(month[:7] + "-01")
    except ValueError:
        first = day.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    roots = [g.unit_code for g in actor.grants]
    code = unit or (roots[0] if roots else "")
    try:
        activities = ctx.c.support.list(actor, code, first, last) if code else []
    except NotFound:
        raise PageNotFound() from None
    with ctx.c.sessions() as session:
        meetings = session.scalars(select(Meeting).where(Meeting.held_on >= day - timedelta(days=62))
                                   .order_by(Meeting.held_on.desc()).limit(100)).all()
        recent = [(m.id, m.held_on, m.unit.name) for m in meetings if actor.covers(m.unit.path)][:20]
    return render(ctx, "support/index.html", activities=activities, unit=code, month=f"{first:%Y-%m}",
                  recent=recent, units=[(g.unit_code, g.unit_code) for g in actor.grants], money=format_dong, dict=dict,
                  **choices(ctx))


def _meeting(ctx: Ctx, meeting_id: int) -> Meeting:
    with ctx.c.sessions() as session:
        meeting = session.get(Meeting, meeting_id) if 0 < meeting_id < 2**31 else None
        if meeting is None or not _actor(ctx).covers(meeting.unit.path):
            raise PageNotFound()
        session.expunge(meeting)
        return meeting


def _afternoon(ctx: Ctx, meeting: Meeting, rows: list[dict[str, str]], nonce: str, error: str = "",
               status: int = 200) -> Response:
    return render(ctx, "support/afternoon.html", status=status, meeting=meeting, rows=rows, nonce=nonce, error=error,
                  max_rows=MAX_AFTERNOON, **choices(ctx))


@router.get("/meetings/{meeting_id}/afternoon")
def afternoon_form(meeting_id: str, ctx: Ctx = Depends(signed_in)) -> Response:
    if not ctx.can_record:
        raise Forbidden()
    meeting = _meeting(ctx, path_number(meeting_id))
    return _afternoon(ctx, meeting, [{} for _ in range(ROWS)], fresh_nonce())


@router.post("/meetings/{meeting_path}/afternoon")
def afternoon_save(meeting_path: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    meeting_id = path_number(meeting_path)
    meeting = _meeting(ctx, meeting_id)
    count = min(int(form.get("rows")) if form.get("rows").isdigit() else ROWS, MAX_AFTERNOON)
    rows = [{f: form.get(f"r{i}_{f}") for f in ACTIVITY_FIELDS} for i in range(count)]
    nonce = fresh_nonce(form.get("nonce"))
    if "more" in form:
        return _afternoon(ctx, meeting, rows + [{} for _ in range(2)], nonce)
    filled = [r for r in rows if not is_blank(r.get("kind"))]
    items = [NewActivity(**{k: (v if not is_blank(v) else None) for k, v in r.items()
                            if k not in ("category", "source") or not is_blank(v)}) for r in filled]
    actor = _actor(ctx)
    try:
        url = once_then(ctx, nonce, "page.afternoon", [meeting_id, filled], lambda uow: (
            ctx.c.support.afternoon_within(uow, actor, meeting_id, items), f"/support?unit={meeting.unit.code}"
            f"&month={meeting.held_on:%Y-%m}")[1])
    except DomainError as err:
        return _afternoon(ctx, meeting, rows, fresh_nonce(), ctx.t.error(err), status=400)
    return redirect(ctx, url)


def _visit_form(ctx: Ctx, values: dict[str, Any], nonce: str, error: str = "", status: int = 200) -> Response:
    return render(ctx, "support/visit.html", status=status, v=values, nonce=nonce, error=error,
                  villages=recording_units(ctx, level="village"), today=today(ctx).isoformat(),
                  categories=[(k, ctx.t.pick(p)) for k, p in CATEGORIES.items()], opinion_rows=OPINION_ROWS,
                  topics=[(k, ctx.t.pick(p)) for k, p in TOPICS.items()])


@router.get("/visits/new")
def visit_form(ctx: Ctx = Depends(signed_in)) -> Response:
    if not ctx.can_record:
        raise Forbidden()
    return _visit_form(ctx, {"visited_on": today(ctx).isoformat(), "officials": _actor(ctx).username}, fresh_nonce())


@router.post("/visits/new")
def visit_save(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    values = {name: form.get(name) for name in ("village", "visited_on", "officials", "note")}
    values.update({f"h_{k}": form.get(f"h_{k}") for k in CATEGORIES})
    values.update({f"o{i}_{f}": form.get(f"o{i}_{f}") for i in range(OPINION_ROWS) for f in ("topic", "content")})
    households = {k: values[f"h_{k}"] for k in CATEGORIES if not is_blank(values[f"h_{k}"])}
    opinions = tuple(VisitOpinion(topic=values[f"o{i}_topic"], content=values[f"o{i}_content"])
                     for i in range(OPINION_ROWS) if not is_blank(values[f"o{i}_content"]))
    new = NewVisit(village=values["village"], visited_on=values["visited_on"], households=households,
                   officials=[line for line in values["officials"].splitlines()], opinions=opinions,
                   note=values["note"])
    actor = _actor(ctx)
    nonce = fresh_nonce(form.get("nonce"))
    try:
        url = once_then(ctx, nonce, "page.visit", values, lambda uow: (
            f"/support/visits/{ctx.c.visits.record_within(uow, actor, new)[0].id}"))
    except DomainError as err:
        return _visit_form(ctx, values, fresh_nonce(), ctx.t.error(err), status=400)
    return redirect(ctx, url)


@router.get("/support/visits/{visit_id}")
def visit_page(visit_id: str, ctx: Ctx = Depends(signed_in)) -> Response:
    try:
        visit = ctx.c.visits.get(_actor(ctx), path_number(visit_id))
    except NotFound:
        raise PageNotFound() from None
    return render(ctx, "support/visit_done.html", visit=visit,
                  categories={k: ctx.t.pick(p) for k, p in CATEGORIES.items()})


def board_section(ctx: Ctx) -> dict[str, Any] | None:
    """The leader's board: gifts of the month against the target in each commune they
    lead, and the villages visited too little this week (engine.services.support_alerts)."""
    from engine.services.support_alerts import gift_progress

    actor = _actor(ctx)
    paths = sorted({g.unit_path for g in actor.grants if g.role == "leader"})
    if not paths:
        return None
    settings, day = ctx.c.settings, today(ctx)
    with ctx.c.sessions() as session:
        gifts = [p for path in paths for p in gift_progress(session, day, settings.support_gift_target, path)][:50]
    short = []
    for g in actor.grants:
        if g.role == "leader":
            short += [v for v in ctx.c.visits.coverage(actor, g.unit_code, day, settings.visit_min_households) if v.short]
    return {"gifts": gifts, "short": short[:100], "minimum": settings.visit_min_households}
