"""``/api/v1/support``, ``/api/v1/funds`` and ``/api/v1/visits``: support activities,
each commune's fund and home visits. Every rule is the engine's
(``engine.services.support``, ``.fund``, ``.visits``); this module turns requests into
their calls and their answers and refusals into HTTP (problem+json: 422 invalid, 403
a unit outside the caller's assignment, 404 a commune they cannot see, 409 stale).
Every create takes an ``Idempotency-Key`` (``engine.services.idempotency``): the key,
the write and the stored answer commit together. The public fund statement is a page
(``web.pages.fund``), not part of the token-protected API.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from engine.actors import Actor
from engine.reports import Period
from engine.services.fund import NewIncome
from engine.services.support import MAX_AFTERNOON, NewActivity, SupportService
from engine.services.visits import MAX_VISIT_OPINIONS, NewVisit, VisitOpinion
from engine.uow import UnitOfWork

from ..container import Container
from ..deps import get_container
from ..reports.support import make_support_report, support_response
from .auth import current_actor
from .cases import IdempotencyKey
from .created import created_once, plain
from .openapi import problems
from .routing import ProblemRoute
from .schemas import INT32

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)

UNIT = Annotated[str, Path(max_length=32)]
Money = Annotated[int | str, Field(description="Whole đồng: 26500000, \"26.500.000\" or \"26,5 triệu\"")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActivityIn(_Body):
    kind: str = Field(max_length=24)
    unit: str | None = Field(default=None, max_length=32)
    held_on: date | None = None
    category: str = Field(default="other", max_length=24)
    households: int = Field(default=0, ge=0)
    value: Money = 0
    source: str = Field(default="fund", max_length=16)
    meeting_id: int | None = Field(default=None, ge=1, le=INT32)
    participations: int = Field(default=0, ge=0)
    length_km: str | int | None = Field(default=None, description="Kilometres, \"46,3\"")
    houses: int = Field(default=0, ge=0)
    description: str | None = Field(default=None, max_length=2000)
    beneficiaries: str | None = Field(default=None, max_length=2000)

    def new(self) -> NewActivity:
        return NewActivity(**self.model_dump())


class AfternoonIn(_Body):
    activities: list[ActivityIn] = Field(min_length=1, max_length=MAX_AFTERNOON)


class IncomeIn(_Body):
    on_date: date
    amount: Money
    meeting_id: int | None = Field(default=None, ge=1, le=INT32)
    donor: str | None = Field(default=None, max_length=800)
    note: str | None = Field(default=None, max_length=1600)
    expected_count: int | None = Field(default=None, ge=0, description="The entry count you saw; 409 if it moved")


class ReversalIn(_Body):
    reason: str = Field(max_length=1600)
    expected_count: int | None = Field(default=None, ge=0)


class OpinionIn(_Body):
    topic: str = Field(max_length=32)
    content: str = Field(max_length=16000)
    kind: str = Field(default="kien_nghi", max_length=16)
    citizen_name: str | None = Field(default=None, max_length=800)
    citizen_phone: str | None = Field(default=None, max_length=128)


class VisitIn(_Body):
    village: str = Field(max_length=32)
    visited_on: date
    households: dict[str, int] = Field(max_length=10)
    officials: list[str] = Field(max_length=100)
    opinions: list[OpinionIn] = Field(default_factory=list, max_length=MAX_VISIT_OPINIONS)
    note: str | None = Field(default=None, max_length=1600)


def _support(container: Container) -> SupportService:
    return container.support


@router.post("/support/activities", status_code=201, tags=["support"], responses=problems(403),
             summary="Record a support activity (Làm dân tin); from the fund, its spending is written with it")
def create_activity(body: ActivityIn, idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                    container: Container = Depends(get_container)) -> JSONResponse:
    svc = _support(container)
    return created_once(container, actor, idempotency_key, "support.activity", body.model_dump(mode="json"),
                    lambda uow: plain(svc.view(uow.session, actor, svc.record_within(uow, actor, body.new()))))


@router.post("/support/meetings/{meeting_id}/activities", status_code=201, tags=["support"], responses=problems(403),
             summary="A meeting's afternoon: all its activities in one transaction, or none")
def create_afternoon(meeting_id: Annotated[int, Path(ge=1, le=INT32)], body: AfternoonIn,
                     idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                     container: Container = Depends(get_container)) -> JSONResponse:
    svc = _support(container)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        done = svc.afternoon_within(uow, actor, meeting_id, [a.new() for a in body.activities])
        return {"meeting_id": meeting_id, "activities": [plain(svc.view(uow.session, actor, a)) for a in done]}
    return created_once(container, actor, idempotency_key, "support.afternoon",
                    [meeting_id, body.model_dump(mode="json")], work)


@router.get("/support/activities", tags=["support"], responses=problems(404),
            summary="Activities of a unit's subtree in a period")
def list_activities(unit: Annotated[str, Query(max_length=32)], start: Annotated[date, Query(alias="from")],
                    end: Annotated[date, Query(alias="to")], actor: Actor = Depends(current_actor),
                    container: Container = Depends(get_container)) -> JSONResponse:
    return JSONResponse([plain(v) for v in _support(container).list(actor, unit, start, end)])


@router.get("/funds/{commune}", tags=["fund"], responses=problems(404), summary="A commune's fund ledger")
def fund_entries(commune: UNIT, actor: Actor = Depends(current_actor),
                 container: Container = Depends(get_container)) -> JSONResponse:
    count, balance, entries = container.fund.entries(actor, commune)
    return JSONResponse({"commune": commune, "entry_count": count, "balance": balance,
                         "entries": [plain(e) for e in entries]})


@router.post("/funds/{commune}/income", status_code=201, tags=["fund"], responses=problems(403, 404, 409),
             summary="Record income (the Monday collection)")
def create_income(commune: UNIT, body: IncomeIn, idempotency_key: IdempotencyKey = None,
                  actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> JSONResponse:
    fund = container.fund
    new = NewIncome(commune=commune, on_date=body.on_date, amount=body.amount, meeting_id=body.meeting_id,
                    donor=body.donor, note=body.note)
    return created_once(container, actor, idempotency_key, "fund.income", [commune, body.model_dump(mode="json")],
                    lambda uow: plain(fund.view(uow.session, actor, fund.income_within(
                        uow, actor, new, expected_count=body.expected_count))))


@router.post("/funds/{commune}/entries/{seq}/reversal", status_code=201, tags=["fund"],
             responses=problems(403, 404, 409), summary="Correct an entry by a reversing entry (a leader's)")
def create_reversal(commune: UNIT, seq: Annotated[int, Path(ge=1, le=INT32)], body: ReversalIn,
                    idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                    container: Container = Depends(get_container)) -> JSONResponse:
    fund = container.fund
    return created_once(container, actor, idempotency_key, "fund.reversal", [commune, seq, body.model_dump(mode="json")],
                    lambda uow: plain(fund.view(uow.session, actor, fund.reverse_within(
                        uow, actor, commune, seq, body.reason, expected_count=body.expected_count))))


@router.post("/visits", status_code=201, tags=["visits"], responses=problems(403),
             summary="Record a home visit; its opinions become cases on channel home_visit, in one transaction")
def create_visit(body: VisitIn, idempotency_key: IdempotencyKey = None, actor: Actor = Depends(current_actor),
                 container: Container = Depends(get_container)) -> JSONResponse:
    visits = container.visits
    new = NewVisit(village=body.village, visited_on=body.visited_on, households=body.households,
                   officials=body.officials, opinions=tuple(VisitOpinion(**o.model_dump()) for o in body.opinions),
                   note=body.note)

    def work(uow: UnitOfWork) -> dict[str, Any]:
        visit, codes = visits.record_within(uow, actor, new)
        return plain(visits.view(uow.session, visit, tuple(codes)))
    return created_once(container, actor, idempotency_key, "visit.create", body.model_dump(mode="json"), work)


@router.get("/visits/coverage", tags=["visits"], responses=problems(404),
            summary="Households visited this week in every village of a unit, against the minimum")
def coverage(unit: Annotated[str, Query(max_length=32)], day: date | None = None,
             actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> JSONResponse:
    when = day or container.fund.today()
    minimum = container.settings.visit_min_households
    rows = container.visits.coverage(actor, unit, when, minimum)
    return JSONResponse({"unit": unit, "day": when.isoformat(), "minimum": minimum,
                         "villages": [{**asdict(v), "short": v.short} for v in rows]})


@router.get("/visits/{visit_id}", tags=["visits"], responses=problems(404), summary="A home visit")
def get_visit(visit_id: Annotated[int, Path(ge=1, le=INT32)], actor: Actor = Depends(current_actor),
              container: Container = Depends(get_container)) -> JSONResponse:
    return JSONResponse(plain(container.visits.get(actor, visit_id)))


@router.get("/reports/support", tags=["reports"], response_class=Response, responses=problems(403, 404),
            summary="Support activities and home visits of a period and unit subtree: JSON, CSV or XLSX")
def support_report_api(
    start: Annotated[str, Query(alias="from", min_length=8, max_length=10)],
    end: Annotated[str, Query(alias="to", min_length=8, max_length=10)],
    unit: Annotated[str | None, Query(max_length=32)] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
    actor: Actor = Depends(current_actor), container: Container = Depends(get_container),
) -> Response:
    return support_response(make_support_report(container, actor, Period.of(start, end), unit), format,
                            actor.language)
