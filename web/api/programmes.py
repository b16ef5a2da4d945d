"""``/api/v1`` routes of the field's other programmes: citizen reception days
(``/receptions``), dialogues and their conclusions (``/dialogues``), the Tổ dân vận
of each village and its members (``/teams``), heads' reception schedules
(``/reception-schedules``) and disputes for mediation (``/disputes``).

Every rule is the engine's (``engine.services.receptions``, ``.dialogues``, ``.teams``,
``.schedules``, ``.disputes``): who may record where, the routes a petition may take,
what a public conclusion may not carry, who sees a party. This module turns requests
into their calls; each write is one transaction, once per ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from engine.actors import Actor
from engine.calendar import LOCAL_TZ
from engine.services.cases import NewCase
from engine.services.dialogues import Commitment, NewDialogue
from engine.services.disputes import MAX_PARTIES, PROGRAMME as DISPUTES, Party
from engine.services.programmes import ProgrammeServices
from engine.services.receptions import MAX_PETITIONS, NewReception, Petition
from engine.uow import UnitOfWork

from ..container import Container
from ..deps import get_container
from .auth import current_actor
from .cases import IdempotencyKey
from .created import created_once, plain
from .openapi import problems
from .routing import ProblemRoute
from .schemas import INT32

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)

UNIT = Annotated[str, Path(max_length=32)]
TEXT = Field(max_length=4000)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PetitionIn(_Body):
    kind: str = Field(max_length=24)
    topic: str = Field(max_length=40)
    content: str = TEXT
    citizen_name: str | None = Field(default=None, max_length=200)
    citizen_phone: str | None = Field(default=None, max_length=40)
    citizen_address: str | None = Field(default=None, max_length=400)
    route: str | None = Field(default=None, max_length=40,
                              description="The route taken on the spot (accept, accept_complaint, "
                                          "accept_denunciation, guide, forward), or none: classified later")
    data: dict[str, Any] = Field(default_factory=dict, description="The route's fields (reason, target_unit…)")

    def petition(self) -> Petition:
        return Petition(**self.model_dump())


class ReceptionIn(_Body):
    unit: str = Field(max_length=32)
    held_on: date
    occasion: str = Field(max_length=16, description="regular (định kỳ) or ad_hoc (đột xuất)")
    capacity: str = Field(max_length=24, description="party_secretary, chair or deputy")
    receiver: str | None = Field(default=None, max_length=64, description="The receiver's user name")
    receiver_name: str | None = Field(default=None, max_length=200, description="Or their name as written")
    place: str | None = Field(default=None, max_length=400)
    petitions: list[PetitionIn] = Field(default_factory=list, max_length=MAX_PETITIONS)


class DialogueIn(_Body):
    unit: str = Field(max_length=32)
    held_on: date
    chair: str = Field(max_length=200)
    front_representative: str = Field(max_length=200)
    attendees: int = Field(default=0, ge=0, le=100_000)
    place: str | None = Field(default=None, max_length=400)
    opinions: list[PetitionIn] = Field(default_factory=list, max_length=MAX_PETITIONS)


class CommitmentIn(_Body):
    content: str = Field(max_length=1000)
    due_at: datetime
    topic: str = Field(default="khac", max_length=40)
    handling_unit: str | None = Field(default=None, max_length=32)


class ConclusionIn(_Body):
    title: str = Field(max_length=400)
    body: str = Field(max_length=20_000)
    # Within the API's body limit whatever the texts' letters (4 bytes each at most).
    commitments: list[CommitmentIn] = Field(default_factory=list, max_length=30)


class TeamIn(_Body):
    village: str = Field(max_length=32)
    name: str = Field(max_length=200)


class MemberIn(_Body):
    name: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=16, description="leader, deputy or member")
    joined_on: date
    username: str | None = Field(default=None, max_length=64, description="When the member has an account")


class DepartureIn(_Body):
    left_on: date


class ScheduleIn(_Body):
    username: str = Field(max_length=64)
    unit: str = Field(max_length=32)
    capacity: str = Field(max_length=24)
    days_per_month: int = Field(ge=1, le=31)
    basis: str | None = Field(default=None, max_length=400)


class PartyIn(_Body):
    name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=400)


class DisputeIn(_Body):
    village: str = Field(max_length=32)
    topic: str = Field(max_length=40)
    kind: str = Field(default="kien_nghi", max_length=24)
    content: str = TEXT
    channel: str = Field(default="to_dan_van", max_length=24)
    parties: list[PartyIn] = Field(min_length=2, max_length=MAX_PARTIES)


def _programmes(container: Container) -> ProgrammeServices:
    return container.programmes


def _recorded(meeting_id: int, codes: list[str]) -> dict[str, Any]:
    return {"meeting_id": meeting_id, "cases": codes}


@router.post("/receptions", status_code=201, tags=["programmes"], responses=problems(403, 404, 409),
             summary="Record a citizen reception day and every petition received, each on its route, all or none")
def create_reception(body: ReceptionIn, idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                     container: Container = Depends(get_container)) -> JSONResponse:
    receptions = _programmes(container).receptions
    new = NewReception(**body.model_dump(exclude={"petitions"}), petitions=tuple(p.petition() for p in body.petitions))
    return created_once(container, actor, idempotency_key, "programme.reception", body.model_dump(mode="json"),
                        lambda uow: _recorded(*receptions.record_within(uow, actor, new)))


@router.post("/dialogues", status_code=201, tags=["programmes"], responses=problems(403, 404, 409),
             summary="Record a dialogue with the people and the opinions raised at it, all or none")
def create_dialogue(body: DialogueIn, idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                    container: Container = Depends(get_container)) -> JSONResponse:
    dialogues = _programmes(container).dialogues
    new = NewDialogue(**body.model_dump(exclude={"opinions"}), opinions=tuple(o.petition() for o in body.opinions))
    return created_once(container, actor, idempotency_key, "programme.dialogue", body.model_dump(mode="json"),
                        lambda uow: _recorded(*dialogues.record_within(uow, actor, new)))


@router.post("/dialogues/{meeting_id}/conclusion", status_code=201, tags=["programmes"],
             responses=problems(403, 404, 409),
             summary="Announce a dialogue's conclusion: a public document and one follow-up case per commitment")
def create_conclusion(meeting_id: Annotated[int, Path(ge=1, le=INT32)], body: ConclusionIn,
                      idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                      container: Container = Depends(get_container)) -> JSONResponse:
    dialogues = _programmes(container).dialogues
    commitments = [Commitment(**c.model_dump()) for c in body.commitments]

    def work(uow: UnitOfWork) -> dict[str, Any]:
        public = dialogues.conclude_within(uow, actor, meeting_id, body.title, body.body, commitments)
        return {"meeting_id": meeting_id, "public_code": public, "public_path": f"/conclusions/{public}"}
    return created_once(container, actor, idempotency_key, "programme.conclusion",
                        [meeting_id, body.model_dump(mode="json")], work)


@router.post("/teams", status_code=201, tags=["programmes"], responses=problems(403, 404, 409),
             summary="Set up a village's Tổ dân vận (one per village)")
def create_team(body: TeamIn, idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                container: Container = Depends(get_container)) -> JSONResponse:
    teams = _programmes(container).teams
    return created_once(container, actor, idempotency_key, "programme.team", body.model_dump(mode="json"),
                        lambda uow: {"team_id": teams.set_up_within(uow, actor, body.village, body.name),
                                     "village": body.village})


@router.get("/teams/{village}/members", tags=["programmes"], responses=problems(403, 404, 409),
            summary="Who was on the village's team on a day (today by default)")
def team_members(village: UNIT, on: Annotated[date | None, Query()] = None, actor: Actor = Depends(current_actor),
                 container: Container = Depends(get_container)) -> JSONResponse:
    day = on or container.clock.now().astimezone(LOCAL_TZ).date()
    members = _programmes(container).teams.members(actor, village, day)
    return JSONResponse({"village": village, "on": day.isoformat(), "members": [plain(m) for m in members]})


@router.post("/teams/{village}/members", status_code=201, tags=["programmes"], responses=problems(403, 404, 409),
             summary="Add a member to the village's team")
def create_member(village: UNIT, body: MemberIn, idempotency_key: IdempotencyKey = None,
                  actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> JSONResponse:
    teams = _programmes(container).teams
    return created_once(container, actor, idempotency_key, "programme.member", [village, body.model_dump(mode="json")],
                        lambda uow: {"member_id": teams.add_member_within(
                            uow, actor, village, body.name, body.role, body.joined_on, username=body.username)})


@router.post("/teams/{village}/members/{member_id}/departure", status_code=200, tags=["programmes"],
             responses=problems(403, 404), summary="Record the day a member left the team")
def member_departure(village: UNIT, member_id: Annotated[int, Path(ge=1, le=INT32)], body: DepartureIn,
                     idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                     container: Container = Depends(get_container)) -> JSONResponse:
    teams = _programmes(container).teams

    def work(uow: UnitOfWork) -> dict[str, Any]:
        teams.leave_within(uow, actor, village, member_id, body.left_on)
        return {"member_id": member_id, "left_on": body.left_on.isoformat()}
    return created_once(container, actor, idempotency_key, "programme.departure",
                        [village, member_id, body.model_dump(mode="json")], work, status=200)


@router.put("/reception-schedules", tags=["programmes"], responses=problems(403, 404, 409),
            summary="Set how many regular reception days a month a head must hold (set again: replaced)")
def put_schedule(body: ScheduleIn, actor: Actor = Depends(current_actor),
                 container: Container = Depends(get_container)) -> JSONResponse:
    schedule_id = _programmes(container).schedules.set_schedule(actor, body.username, body.unit, body.capacity,
                                                                body.days_per_month, body.basis)
    return JSONResponse({"schedule_id": schedule_id, **body.model_dump(mode="json")})


@router.post("/disputes", status_code=201, tags=["programmes"], responses=problems(403, 404, 409),
             summary="Record a dispute for mediation with its parties, together or not at all")
def create_dispute(body: DisputeIn, idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                   container: Container = Depends(get_container)) -> JSONResponse:
    disputes = _programmes(container).disputes
    new = NewCase(workflow=DISPUTES, unit=body.village, topic=body.topic, kind=body.kind, channel=body.channel,
                  content=body.content)
    parties = [Party(**p.model_dump()) for p in body.parties]
    return created_once(container, actor, idempotency_key, "programme.dispute", body.model_dump(mode="json"),
                        lambda uow: {"code": disputes.record_within(uow, actor, new, parties)})


@router.get("/disputes/{code}/parties", tags=["programmes"], responses=problems(403, 404),
            summary="A dispute's parties, as much of each as you may see (masked or withheld otherwise)")
def dispute_parties(code: Annotated[str, Path(max_length=40)], actor: Actor = Depends(current_actor),
                    container: Container = Depends(get_container)) -> JSONResponse:
    contacts = _programmes(container).disputes.parties(actor, code)
    return JSONResponse({"code": code, "parties": [plain(c) for c in contacts]})
