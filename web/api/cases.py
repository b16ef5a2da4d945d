"""``/api/v1/cases``: create, read, advance, remark, history and list.

The writes take an ``Idempotency-Key``: the work, the key and the answer sent
back are one transaction (``engine.services.idempotency.once``), and a replay
gets that answer again, status and body, with ``Idempotent-Replayed: true``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Callable, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlalchemy import select

from engine.actors import Actor
from engine.audit import verify_case
from engine.codes import normalise_code
from engine.consent import ConsentInput
from engine.errors import NotFound, OutOfScope
from engine.listing import CaseQuery, CaseRow, count_cases, page_cases
from engine.models import Case, User
from engine.services.cases import NewCase
from engine.services.consents import create_with_consent
from engine.services.idempotency import once
from engine.services.views import ActionOption, CaseSnapshot, snapshot
from engine.uow import UnitOfWork
from engine.workflow import final_states, is_final

from ..container import Container
from ..deps import get_container
from .auth import current_actor
from .openapi import problems
from .problems import ApiProblem
from .routing import ProblemRoute, request_lang
from .schemas import (
    ActionOut, CaseCreate, CaseList, CaseOut, CaseSummary, Channel, ChainOut, EventOut, EventsOut, FireRequest, Kind,
    RemarkRequest, Topic,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/cases", tags=["cases"], route_class=ProblemRoute)

CodePath = Annotated[str, Path(max_length=40, description="Tracking code, e.g. TVH-2026-7K3M9QX.")]
TriggerPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="A workflow trigger.")]
StateName = Annotated[str, Query(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
MAX_LIST_FILTER = 20
COUNT_CAP = 1001
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", pattern=r"^[!-~]{1,100}$",
    description="Any value of yours, unique per request (a UUID will do). Sent again within a day with the same "
                "request, it returns the first answer (`Idempotent-Replayed: true`) and writes nothing; with "
                "another request it is refused with 422.")]


def _label(container: Container, workflow: str, state: str, lang: str) -> tuple[str, bool]:
    wf = container.workflows.get(workflow)
    return (wf.label(state, lang) if wf is not None else state), is_final(container.workflows, workflow, state)


def _summary(container: Container, row: CaseRow | CaseSnapshot, lang: str) -> dict[str, object]:
    label, final = _label(container, row.workflow, row.state, lang)
    now = container.clock.now()
    return dict(code=row.code, workflow=row.workflow, state=row.state, state_label=label, final=final,
                kind=row.kind, topic=row.topic, channel=row.channel, content=row.content,
                origin_unit=row.origin_unit, handling_unit=row.handling_unit, received_at=row.received_at,
                due_at=row.due_at, overdue=bool(row.due_at and row.due_at < now and not final), version=row.version)


def _action(option: ActionOption, lang: str) -> ActionOut:
    return ActionOut(trigger=option.trigger, label=option.label_vi if lang == "vi" else option.label_en,
                     dest=option.dest, requires=list(option.requires), optional=list(option.optional),
                     allowed=option.allowed, refusal=option.refusal.message(lang) if option.refusal else None)


def case_out(container: Container, actor: Actor, snap: CaseSnapshot, lang: str,
             options: list[ActionOption] | None = None) -> CaseOut:
    if options is None:
        options = container.cases.allowed_actions(actor, snap.code)
    citizen = snap.citizen  # already filtered for this actor by the case service
    return CaseOut(
        **_summary(container, snap, lang),  # type: ignore[arg-type]
        stage_started_at=snap.stage_started_at, appointment_at=snap.appointment_at, answer=snap.answer,
        satisfaction=snap.satisfaction, duplicate_of=snap.duplicate_of, meeting_id=snap.meeting_id,
        citizen_name=citizen.name, citizen_phone=citizen.phone, citizen_address=citizen.address,
        citizen_disclosure=citizen.disclosure, citizen_withheld=citizen.withheld, event_count=snap.event_count,
        allowed_actions=[_action(o, lang) for o in options], assignee=snap.assignee, assignee_name=snap.assignee_name,
    )


def _keyed(request: Request, container: Container, actor: Actor, key: str, operation: str, payload: Any,
           work: Callable[[UnitOfWork], CaseSnapshot], status: int) -> JSONResponse:
    """``work`` once under ``key``: its answer is built and kept in its transaction."""
    lang = request_lang(request)

    def answer(uow: UnitOfWork, snap: CaseSnapshot) -> dict[str, Any]:
        out = case_out(container, actor, snap, lang, container.cases.options_within(uow, actor, snap.code))
        return {"status": status, "body": out.model_dump(mode="json")}

    first, replayed = once(container.cases, actor, key, operation, payload, work, answer)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(first["body"], status_code=first["status"], headers=headers)


def _written(uow: UnitOfWork, case: Any, actor: Actor) -> CaseSnapshot:
    uow.session.flush()  # the version the answer shows is the committed one
    return snapshot(case, actor)


@router.post("", status_code=201, response_model=CaseOut, summary="Record a citizen's opinion",
             responses=problems(403))
def create_case(request: Request, body: CaseCreate, idempotency_key: IdempotencyKey = None,
                actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    new = NewCase(workflow=body.workflow, unit=body.unit, topic=body.topic, kind=body.kind, channel=body.channel,
                  content=body.content, citizen_name=body.citizen_name, citizen_phone=body.citizen_phone,
                  citizen_address=body.citizen_address, meeting_id=body.meeting_id, received_at=body.received_at,
                  handling_unit=body.handling_unit)
    consent = ConsentInput(**body.consent.model_dump()) if body.consent else None
    try:
        if idempotency_key is not None:
            return _keyed(request, container, actor, idempotency_key, "case.create",
                          body.model_dump(mode="json", exclude={"consent"} if body.consent is None else None),
                          lambda uow: create_with_consent(container.cases, uow, actor, new, consent), 201)
        snap = container.cases.within(lambda uow: create_with_consent(container.cases, uow, actor, new, consent))
    except OutOfScope:
        # The unit tree is public (GET /api/v1/units): refusing a unit reveals nothing.
        raise ApiProblem("unit-out-of-scope", f"Đơn vị “{body.unit}” không thuộc phạm vi được phân công của bạn.",
                         f"Unit “{body.unit}” is outside your assignment.") from None
    return case_out(container, actor, snap, request_lang(request))


@router.get("", response_model=CaseList, summary="List cases in your units (keyset-paginated)",
            responses=problems())
def list_cases(
    request: Request,
    state: Annotated[list[StateName] | None, Query(description="Repeat for several states.")] = None,
    unit: Annotated[str | None, Query(max_length=32, description="Unit code: cases raised or handled "
                                                                 "in its subtree.")] = None,
    topic: Annotated[list[Topic] | None, Query()] = None,  # type: ignore[valid-type]
    workflow: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")] = None,
    overdue: Annotated[bool, Query(description="Only open cases past their deadline.")] = False,
    status: Annotated[Literal["open", "closed"] | None, Query(description="open: not in a final state.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in the content, accents ignored "
                                                               "(\"nuoc sinh hoat\" finds \"nước sinh hoạt\"), "
                                                               "or a tracking code.")] = None,
    order: Annotated[Literal["received", "due"], Query(description="received: newest first; due: most "
                                                                   "urgent first.")] = "received",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    assignee: Annotated[str | None, Query(pattern=r"^[\w.-]{1,64}$", description="me: only the cases assigned "
                                          "to you; none: those assigned to nobody; a username: those assigned "
                                          "to that person (within your units).")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    kind: Annotated[list[Kind] | None, Query()] = None,  # type: ignore[valid-type]
    channel: Annotated[Channel | None, Query()] = None,  # type: ignore[valid-type]
    meeting_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    received_from: Annotated[AwareDatetime | None, Query(description="Received at or after (ISO 8601 with an "
                                                                     "offset).")] = None,
    received_before: Annotated[AwareDatetime | None, Query(description="Received before.")] = None,
    citizen: Annotated[str | None, Query(max_length=100, description="The citizen's name (accents ignored) or "
                                                                     "phone: only cases whose citizen you may "
                                                                     "see in full; never a denunciation by its "
                                                                     "author unless you lead the unit handling "
                                                                     "it. Refused for roles that see no "
                                                                     "citizen.")] = None,
    count: Annotated[bool, Query(description="Also count what the filters find (up to 1001).")] = False,
    actor: Actor = Depends(current_actor),
    container: Container = Depends(get_container),
) -> CaseList:
    for name, values in (("state", state), ("topic", topic), ("kind", kind)):
        if values and len(values) > MAX_LIST_FILTER:
            raise ApiProblem("invalid-input", f"Tối đa {MAX_LIST_FILTER} giá trị cho “{name}”.",
                             f"At most {MAX_LIST_FILTER} values for “{name}”.")
    for text in (unit, q, cursor, citizen):
        if text is not None and "\x00" in text:
            raise ApiProblem("invalid-input", "Tham số chứa ký tự NUL.", "A parameter contains a NUL character.")
    finals = final_states(container.workflows)
    query = CaseQuery(states=tuple(state or ()), unit=unit or None, topics=tuple(topic or ()), workflow=workflow,
                      overdue_at=container.clock.now() if overdue else None, open_only=status == "open",
                      closed_only=status == "closed", final_states=finals, text=q, order=order,
                      kinds=tuple(kind or ()), channel=channel, meeting=meeting_id, received_from=received_from,
                      received_before=received_before, citizen=citizen or None,
                      assignee_id=(actor.user_id or -1) if assignee == "me" else None, unassigned=assignee == "none")
    with UnitOfWork(container.sessions, write=False) as uow:
        if assignee not in (None, "me", "none"):
            # An unknown name finds nothing rather than saying whether it exists.
            person = uow.session.scalar(select(User.id).where(User.username == assignee))
            query = replace(query, assignee_id=person if person is not None else -1)
        page = page_cases(uow.session, actor, query, limit=limit, cursor=cursor or None)
        total = count_cases(uow.session, actor, query, cap=COUNT_CAP) if count else None
    lang = request_lang(request)
    return CaseList(items=[CaseSummary(**_summary(container, r, lang)) for r in page.items],  # type: ignore[arg-type]
                    next_cursor=page.next_cursor, count=total)


@router.get("/{code}", response_model=CaseOut, summary="A case, with what you may do with it now",
            responses=problems(404))
def get_case(request: Request, code: CodePath, actor: Actor = Depends(current_actor),
             container: Container = Depends(get_container)) -> CaseOut:
    snap = container.cases.get(actor, code)
    return case_out(container, actor, snap, request_lang(request))


@router.post("/{code}/actions/{trigger}", response_model=CaseOut, summary="Fire a workflow trigger",
             responses=problems(403, 404, 409))
def fire(request: Request, code: CodePath, trigger: TriggerPath,
         body: Annotated[FireRequest | None, Body()] = None, idempotency_key: IdempotencyKey = None,
         actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    known = {t.trigger for wf in container.workflows.values() for t in wf.spec.transitions}
    if trigger not in known:
        raise ApiProblem("unknown-trigger",
                         f"Không có thao tác “{trigger}”. Ghi nhận xét dùng POST …/remarks.",
                         f"No action “{trigger}”. For remarks use POST …/remarks.",
                         known=sorted(known))
    body = body or FireRequest()
    data = body.data.model_dump(exclude_none=True)
    version = body.expected_version
    if idempotency_key is not None:
        return _keyed(request, container, actor, idempotency_key, "case.fire",
                      {"code": normalise_code(code) or code, "trigger": trigger, "body": body.model_dump(mode="json")},
                      lambda uow: _written(uow, container.cases.fire_within(uow, actor, code, trigger, data,
                                                                            expected_version=version), actor), 200)
    snap = container.cases.fire(actor, code, trigger, data, expected_version=version)
    return case_out(container, actor, snap, request_lang(request))


@router.post("/{code}/remarks", response_model=CaseOut, status_code=201,
             summary="Add a supervision remark, urge or confirmation (changes no state)",
             responses=problems(403, 404, 409))
def remark(request: Request, code: CodePath, body: RemarkRequest, idempotency_key: IdempotencyKey = None,
           actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    if idempotency_key is not None:
        return _keyed(request, container, actor, idempotency_key, "case.remark",
                      {"code": normalise_code(code) or code, "body": body.model_dump(mode="json")},
                      lambda uow: _written(uow, container.cases.remark_within(uow, actor, code, body.note,
                                                                              kind=body.kind), actor), 201)
    snap = container.cases.remark(actor, code, body.note, kind=body.kind)
    return case_out(container, actor, snap, request_lang(request))


@router.get("/{code}/events", response_model=EventsOut,
            summary="The case's history, each event's hash, and whether the chain verifies",
            responses=problems(404))
def events(code: CodePath, actor: Actor = Depends(current_actor),
           container: Container = Depends(get_container)) -> EventsOut:
    history = container.cases.history(actor, code)  # enforces scope first
    normal = normalise_code(code)
    with UnitOfWork(container.sessions, write=False) as uow:
        case = uow.session.scalar(select(Case).where(Case.code == normal))
        if case is None:  # deleted between the two reads
            raise NotFound(what="ý kiến / case", key=code[:40])
        broken = verify_case(uow.session, case)
        real_code, count = case.code, case.event_count
    chain = ChainOut(valid=broken is None, event_count=count, problem=broken.problem if broken else None,
                     broken_at=broken.seq if broken else None)
    return EventsOut(code=real_code, chain=chain, events=[EventOut(**e.__dict__) for e in history])
