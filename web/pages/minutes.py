"""The minutes (biên bản) of a meeting, as printable HTML and as an A4 PDF."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.errors import NotFound
from engine.services.minutes import meeting_minutes
from engine.vocab import KINDS, TOPICS

from .common import Ctx, PageNotFound, signed_in
from .printed import document

__all__ = ["router"]

router = APIRouter()


@router.get("/meetings/{meeting_id}/minutes.{fmt}")
def minutes(meeting_id: str, fmt: str, ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    if fmt not in ("pdf", "html") or not meeting_id.isdigit() or len(meeting_id) > 9:
        raise PageNotFound()
    try:
        record = meeting_minutes(ctx.c.meetings, ctx.user.actor, int(meeting_id))
    except NotFound:
        raise PageNotFound() from None
    wf = ctx.c.workflows.get(record.meeting.programme)
    return document(ctx, "printed/minutes.html", fmt, f"bien-ban-buoi-{meeting_id}.pdf", m=record,
                    programme=wf.name.get(ctx.lang) if wf else record.meeting.programme,
                    kinds=KINDS, topics=TOPICS)
