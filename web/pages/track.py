"""Public tracking: a citizen types (or scans) the code printed on their receipt.

No sign-in. ``/tra-cuu/{code}`` is the address the receipt's QR code holds, so it
can be bookmarked; a code typed with spaces, dots or lower case is found. What the
page shows is the engine's answer for its reader (``engine.services.tracking``): the
public sees where the case stands and nothing personal; with the receipt's PIN the
citizen also sees their opinion and the answer, rates it and may ask for a re-check.
An unknown code and a code that is not even well-formed get the very same 404 page;
lookups are limited per address and PIN guesses per code and per address, and a
wrong PIN says nothing about the case or whether a receipt was printed.

A citizen who agreed to messages withdraws here (``/tra-cuu/rut-dong-y``): the code
and the last four digits of the phone (or the email) the messages go to
(``engine.consent``). Rate-limited with the lookups; the answer is the same whether
anything matched, so it says nothing about the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.codes import normalise_code
from engine.errors import DomainError
from engine.services.tracking import CITIZEN, PUBLIC, TrackedCase, citizen_options, citizen_step, track
from engine.vocab import KINDS, TOPICS

from .common import Ctx, Form, get_ctx, posted, redirect, render

__all__ = ["router", "TrackPage", "track_page"]

router = APIRouter()


@dataclass(frozen=True)
class TrackPage:
    case: TrackedCase
    programme: str
    state: str
    topic: str
    kind: str
    steps: list[tuple[object, str]]
    url: str


def track_page(ctx: Ctx, case: TrackedCase) -> TrackPage:
    wf, t = ctx.c.workflows[case.workflow], ctx.t
    steps = [(s.at, t.trigger(s.trigger, wf) if s.trigger.startswith("citizen_") else wf.label(s.state, ctx.lang))
             for s in case.steps]
    return TrackPage(case=case, programme=wf.name.get(ctx.lang), state=wf.label(case.state, ctx.lang),
                     topic=t.pick(TOPICS.get(case.topic), case.topic), kind=t.pick(KINDS.get(case.kind), case.kind),
                     steps=steps, url=f"/tra-cuu/{quote(case.code)}")


def _page(ctx: Ctx, status: int = 200, **values: object) -> Response:
    values.setdefault("view", None)
    for flag in ("not_found", "limited", "pin_wrong", "pin_limited", "done", "withdrawn"):
        values.setdefault(flag, False)
    values.setdefault("options", [])
    values.setdefault("pin", "")
    values.setdefault("error", "")
    return render(ctx, "track.html", status=status, **values)


def _lookup(ctx: Ctx, code: str, reader: str = PUBLIC) -> Response | TrackedCase:
    if not ctx.c.track_throttle.allow(ctx.c, ctx.ip):
        return _page(ctx, 429, limited=True)
    case = track(ctx.c.cases, code[:60], reader)
    if case is None:
        return _page(ctx, 404, not_found=True)
    return case


@router.get("/track")
@router.get("/tra-cuu")
def track_form(ctx: Ctx = Depends(get_ctx)) -> Response:
    return _page(ctx)


@router.post("/tra-cuu/rut-dong-y")
def withdraw_consent(checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    if not ctx.c.track_throttle.allow(ctx.c, ctx.ip):
        return _page(ctx, 429, limited=True)
    ctx.c.consents.withdraw_by_citizen(form.get("code")[:60], form.get("proof")[:254])
    return _page(ctx, withdrawn=True)


@router.post("/track")
@router.post("/tra-cuu")
def track_post(checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    found = _lookup(ctx, form.get("code"))
    if isinstance(found, Response):
        return found
    return _page(ctx, view=track_page(ctx, found))


@router.get("/tra-cuu/{code}")
def track_code(code: str, ctx: Ctx = Depends(get_ctx)) -> Response:
    normal = normalise_code(code[:60])
    if normal is not None and normal != code:
        return redirect(ctx, f"/tra-cuu/{quote(normal)}")  # one address per case, whatever was typed
    found = _lookup(ctx, code)
    if isinstance(found, Response):
        return found
    return _page(ctx, view=track_page(ctx, found))


def _with_pin(ctx: Ctx, code: str, form: Form) -> Response | TrackedCase:
    """The case as its citizen reads it, once the PIN was right; else the page saying
    only that the PIN was wrong (or that guessing is paused), as for any code."""
    public = _lookup(ctx, code)
    if isinstance(public, Response):
        return public
    verdict = ctx.c.track_throttle.check_pin(ctx.c, public.code, ctx.ip, form.get("pin")[:20])
    if verdict != "ok":
        status, flag = (429, "pin_limited") if verdict == "limited" else (403, "pin_wrong")
        return _page(ctx, status, view=track_page(ctx, public), **{flag: True})
    mine = track(ctx.c.cases, public.code, CITIZEN)
    return mine if mine is not None else _page(ctx, 404, not_found=True)


def _citizen_page(ctx: Ctx, case: TrackedCase, pin: str, status: int = 200, **values: object) -> Response:
    return _page(ctx, status, view=track_page(ctx, case), pin=pin,
                 options=[o.trigger for o in citizen_options(ctx.c.cases, case.code)], **values)


@router.post("/tra-cuu/{code}/pin")
def track_pin(code: str, checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    found = _with_pin(ctx, code, form)
    if isinstance(found, Response):
        return found
    return _citizen_page(ctx, found, form.get("pin").strip())


_ACTIONS = {"danh-gia": ("citizen_rate", ("satisfaction", "note")), "xem-xet-lai": ("citizen_recheck", ("reason",))}


@router.post("/tra-cuu/{code}/{action}")
def track_act(code: str, action: str, checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    """The citizen's rating (đánh giá) or re-check request (xem xét lại), by the
    workflow's citizen triggers, as the actor "citizen" of this one case."""
    ctx, form = checked
    if action not in _ACTIONS:
        return _page(ctx, 404, not_found=True)
    found = _with_pin(ctx, code, form)
    if isinstance(found, Response):
        return found
    trigger, fields = _ACTIONS[action]
    data = {name: form.get(name) for name in fields if form.get(name).strip()}
    pin = form.get("pin").strip()
    try:
        citizen_step(ctx.c.cases, found.code, trigger, data, ctx.lang)
    except DomainError as err:
        return _citizen_page(ctx, found, pin, 422, error=ctx.t.error(err))
    after = track(ctx.c.cases, found.code, CITIZEN) or found
    return _citizen_page(ctx, after, pin, done=True)
