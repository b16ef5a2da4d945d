"""``/api/v1/meetings``: record a meeting, read one back with its opinions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from engine.actors import Actor
from engine.errors import OutOfScope
from engine.services.meetings import MeetingService, MeetingView, NewMeeting

from ..deps import get_container
from .auth import current_actor
from .openapi import problems
from .problems import ApiProblem
from .routing import ProblemRoute
from .schemas import INT32, MeetingCreate, MeetingOut

__all__ = ["router", "get_meetings"]

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"], route_class=ProblemRoute)


def get_meetings(request: Request) -> MeetingService:
    return get_container(request).meetings


def _out(view: MeetingView) -> MeetingOut:
    return MeetingOut(**{**view.__dict__, "cases": list(view.cases)})


@router.post("", status_code=201, response_model=MeetingOut, summary="Record a meeting (buổi tiếp xúc, đối thoại)",
             responses=problems(403))
def create_meeting(body: MeetingCreate, actor: Actor = Depends(current_actor),
                   meetings: MeetingService = Depends(get_meetings)) -> MeetingOut:
    new = NewMeeting(programme=body.programme, held_on=body.held_on, unit=body.unit, place=body.place,
                     hosts=body.hosts, attendees=body.attendees)
    try:
        return _out(meetings.create(actor, new))
    except OutOfScope:
        raise ApiProblem("unit-out-of-scope", f"Đơn vị “{body.unit}” không thuộc phạm vi được phân công của bạn.",
                         f"Unit “{body.unit}” is outside your assignment.") from None


@router.get("/{meeting_id}", response_model=MeetingOut, summary="A meeting and the opinions heard at it",
            responses=problems(404))
def get_meeting(meeting_id: Annotated[int, Path(ge=1, le=INT32)], actor: Actor = Depends(current_actor),
                meetings: MeetingService = Depends(get_meetings)) -> MeetingOut:
    return _out(meetings.get(actor, meeting_id))
