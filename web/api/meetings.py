"""``/api/v1/meetings``: record a meeting with the opinions heard at it, read one back.

The request is handed to ``MeetingService.record`` as sent; its checks and its
one transaction are the web form's too. This module only turns the outcome into
HTTP: every problem of the intake as one problem+json, a replayed key as its
first result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from engine.actors import Actor
from engine.consent import ConsentInput
from engine.services.meetings import (
    IdempotencyKeyReused, InvalidIntake, MeetingService, MeetingView, NewMeeting, Opinion, Participant,
)

from ..deps import get_container
from .auth import current_actor
from .openapi import problems
from .problems import ApiProblem
from .routing import ProblemRoute, request_lang
from .schemas import INT32, MeetingCreate, MeetingOut, OpinionCreate

__all__ = ["router", "get_meetings"]

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"], route_class=ProblemRoute)

# Refusals of who may record where outrank invalid fields: they are answered 403.
_REFUSALS = ("unit-out-of-scope", "role-not-allowed")


def get_meetings(request: Request) -> MeetingService:
    return get_container(request).meetings


def _out(view: MeetingView) -> MeetingOut:
    return MeetingOut(**{**view.__dict__, "cases": list(view.cases),
                         "participants": [{"user": u, "name": n} for u, n in view.participants]})


def _intake_problem(err: InvalidIntake, lang: str) -> ApiProblem:
    items = [{"field": (p.field if p.row is None else f"opinions.{p.row}.{p.field}")[:200], "location": "body",
              "type": p.error.code, "message": p.error.message(lang)} for p in err.problems[:100]]
    where = ", ".join(dict.fromkeys(i["field"] for i in items))[:300]
    refusal = next((p.error for p in err.problems if p.error.code in _REFUSALS), None)
    if refusal is not None and refusal.code == "role-not-allowed":
        return ApiProblem("role-not-allowed", refusal.message("vi"), refusal.message("en"),
                          roles=list(refusal.params.get("roles", [])), errors=items)
    if refusal is not None:
        return ApiProblem("unit-out-of-scope", f"Đơn vị không thuộc phạm vi được phân công của bạn: {where}.",
                          f"A unit outside your assignment: {where}.", errors=items)
    return ApiProblem("invalid-input", f"Chưa lưu gì: dữ liệu không hợp lệ ở {where}.",
                      f"Nothing was saved: invalid input at {where}.", errors=items)


def _opinion(o: OpinionCreate) -> Opinion:
    fields = o.model_dump(exclude={"consent"})
    return Opinion(**fields, consent=ConsentInput(**o.consent.model_dump()) if o.consent else None)


@router.post("", status_code=201, response_model=MeetingOut, responses=problems(403),
             summary="Record a meeting (buổi tiếp xúc, đối thoại) and the opinions heard at it, all or none")
def create_meeting(
    body: MeetingCreate, request: Request, response: Response,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", pattern=r"^[!-~]{1,100}$",
        description="Any value of yours, unique per meeting (a UUID will do). Sent again with the same body, "
                    "the request returns its first result (`Idempotent-Replayed: true`) and records nothing; "
                    "with another body it is refused with 422. Kept for a day.")] = None,
    actor: Actor = Depends(current_actor), meetings: MeetingService = Depends(get_meetings),
) -> MeetingOut:
    new = NewMeeting(programme=body.programme, held_on=body.held_on, unit=body.unit, place=body.place,
                     hosts=body.hosts, attendees=body.attendees,
                     opinions=tuple(_opinion(o) for o in body.opinions),
                     participants=(None if body.participants is None
                                   else tuple(Participant(**x.model_dump()) for x in body.participants)))
    try:
        recorded = meetings.record(actor, new, key=idempotency_key)
    except InvalidIntake as err:
        raise _intake_problem(err, request_lang(request)) from None
    except IdempotencyKeyReused as err:
        raise ApiProblem("idempotency-key-reused", err.message("vi"), err.message("en"),
                         meeting_id=err.params.get("meeting_id")) from None
    if recorded.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _out(recorded.meeting)


@router.get("/{meeting_id}", response_model=MeetingOut, summary="A meeting and the opinions heard at it",
            responses=problems(404))
def get_meeting(meeting_id: Annotated[int, Path(ge=1, le=INT32)], actor: Actor = Depends(current_actor),
                meetings: MeetingService = Depends(get_meetings)) -> MeetingOut:
    return _out(meetings.get(actor, meeting_id))
