"""Public tracking: a citizen types the code printed on their receipt.

No sign-in. The answer shows the state, the answer and the dates, and nothing
personal: no citizen's name, phone or address, no official's name, no notes, not
even the opinion's text (it may name people). An unknown code and a code that is
not even well-formed get the very same answer, and lookups are rate-limited per
address so codes cannot be enumerated.

A citizen who agreed to messages withdraws here (``/tra-cuu/rut-dong-y``): the code
and the last four digits of the phone (or the email) the messages go to, since
receipts carry no PIN yet. Rate-limited with the lookups; the answer is the same
whether anything matched, so it says nothing about the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.actors import SYSTEM
from engine.errors import NotFound, OutOfScope
from engine.files.access import FILE_REMOVED
from engine.history import REMARKS
from engine.vocab import KINDS, TOPICS

from .common import Ctx, Form, get_ctx, posted, render, unit_names

router = APIRouter()


@dataclass(frozen=True)
class PublicStep:
    at: datetime
    state: str


@dataclass(frozen=True)
class PublicView:
    """Everything the public page may show, and nothing else."""

    code: str
    programme: str
    topic: str
    kind: str
    state: str
    final: bool
    received_at: datetime
    due_at: datetime | None
    appointment_at: datetime | None
    answer: str | None
    handling_unit: str
    steps: list[PublicStep]


def public_view(ctx: Ctx, code: str) -> PublicView | None:
    c, t = ctx.c, ctx.t
    try:
        snap = c.cases.get(SYSTEM, code)
        events = c.cases.history(SYSTEM, code)
    except (NotFound, OutOfScope):
        return None
    wf = c.workflows[snap.workflow]
    with c.sessions() as session:
        unit = unit_names(session, [snap.handling_unit]).get(snap.handling_unit, "")
    # The public sees state changes only: no remark, and nothing of a file (not even its removal).
    steps = [PublicStep(e.at, wf.label(e.to_state, ctx.lang)) for e in events
             if e.trigger not in REMARKS and e.trigger != FILE_REMOVED]
    return PublicView(
        code=snap.code, programme=wf.name.get(ctx.lang), topic=t.pick(TOPICS.get(snap.topic), snap.topic),
        kind=t.pick(KINDS.get(snap.kind), snap.kind), state=wf.label(snap.state, ctx.lang),
        final=wf.is_final(snap.state), received_at=snap.received_at, due_at=snap.due_at,
        appointment_at=snap.appointment_at, answer=snap.answer, handling_unit=unit, steps=steps,
    )


@router.get("/track")
@router.get("/tra-cuu")
def track_form(ctx: Ctx = Depends(get_ctx)) -> Response:
    return render(ctx, "track.html", view=None, not_found=False, limited=False)


@router.post("/tra-cuu/rut-dong-y")
def withdraw_consent(checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    if not ctx.c.track_throttle.allow(ctx.c, ctx.ip):
        return render(ctx, "track.html", status=429, view=None, not_found=False, limited=True)
    ctx.c.consents.withdraw_by_citizen(form.get("code")[:60], form.get("proof")[:254])
    return render(ctx, "track.html", view=None, not_found=False, limited=False, withdrawn=True)


@router.post("/track")
@router.post("/tra-cuu")
def track(checked: tuple[Ctx, Form] = Depends(posted)) -> Response:
    ctx, form = checked
    if not ctx.c.track_throttle.allow(ctx.c, ctx.ip):
        return render(ctx, "track.html", status=429, view=None, not_found=False, limited=True)
    view = public_view(ctx, form.get("code")[:60])
    if view is None:
        return render(ctx, "track.html", status=404, view=None, not_found=True, limited=False)
    return render(ctx, "track.html", view=view, not_found=False, limited=False)
