"""Open311 GeoReport v2 under ``/open311/v2/``, in XML and JSON.

Mapping to nghedan:

* a **service** is a topic (lĩnh vực): ``service_code`` is the topic's code
  (``dien_nuoc``, ``giao_thong``, ...), ``service_name`` its label;
* a **service request** is a case on channel ``open311``; ``service_request_id`` is
  its public tracking code;
* the unit where the problem is comes from ``attribute[unit]`` (see the service
  definition) or else ``jurisdiction_id``: both take a unit code;
* ``status`` is ``closed`` in a final state of the case's workflow, else ``open``;
  ``status_notes`` is the latest answer recorded; ``agency_responsible`` the name of
  the unit handling it; ``expected_datetime`` its current deadline;
* location (``lat``/``long``, ``address_string``, ``address_id``), ``email``,
  ``device_id``, ``account_id`` and ``media_url`` are kept beside the case and given
  back; the location is also written into the case's content so that officials
  see it wherever they read the opinion.

Deliberate differences from the standard: ``api_key`` is required to *read*
requests too (the standard makes reading public; citizens' opinions here are not
public data), reads only show requests in the key holder's units, and a request
without any location is accepted (an opinion is about a unit, not always a point).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from engine.actors import Actor
from engine.errors import InvalidField, NotFound, OutOfScope
from engine.listing import CaseQuery, CaseRow, page_cases
from engine.calendar import LOCAL_TZ
from engine.models import Case, Open311Request
from engine.services.cases import NewCase
from engine.uow import UnitOfWork
from engine.vocab import KINDS, TOPICS

from ..api.auth import authenticate
from ..api.lang import negotiate
from ..api.problems import ApiProblem
from ..api.schemas import text
from ..container import Container
from ..deps import get_container
from .formats import FORMATS, JSON_MEDIA_TYPE, render, w3
from .routing import Open311Route

__all__ = ["router", "DEFAULT_KIND", "MAX_RESULTS", "MAX_RANGE", "OPEN311_MODELS"]

router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)

DEFAULT_KIND = "phan_anh"  # a report about a problem in one's area
MAX_RESULTS = 1000
MAX_RANGE = timedelta(days=90)
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00+07:00"


# ------------------------------------------------------------------------ models


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class ValueOut(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[ValueOut] | None = None


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class RequestCreatedOut(BaseModel):
    service_request_id: str
    service_notice: str | None
    account_id: str | None


class RequestOut(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class DiscoveryOut(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class ErrorOut(BaseModel):
    code: int
    description: str


# Referred to by hand from the responses (the endpoints render JSON or XML themselves).
OPEN311_MODELS: tuple[type[BaseModel], ...] = (
    ServiceOut, ServiceDefinitionOut, RequestCreatedOut, RequestOut, DiscoveryOut, ErrorOut)


class RequestForm(BaseModel):
    """POST requests: ``application/x-www-form-urlencoded`` as the standard says.
    Fields the standard defines and nghedan does not use are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    api_key: text(200, min_length=1)  # type: ignore[valid-type]
    service_code: text(64, min_length=1)  # type: ignore[valid-type]
    jurisdiction_id: text(32) | None = None  # type: ignore[valid-type]
    attribute_unit: text(32) | None = Field(default=None, alias="attribute[unit]")  # type: ignore[valid-type]
    attribute_kind: text(16) | None = Field(default=None, alias="attribute[kind]")  # type: ignore[valid-type]
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)] | None = None
    long: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)] | None = None
    address_string: text(300) | None = None  # type: ignore[valid-type]
    address_id: text(100) | None = None  # type: ignore[valid-type]
    email: text(254) | None = None  # type: ignore[valid-type]
    device_id: text(100) | None = None  # type: ignore[valid-type]
    account_id: text(100) | None = None  # type: ignore[valid-type]
    first_name: text(100) | None = None  # type: ignore[valid-type]
    last_name: text(100) | None = None  # type: ignore[valid-type]
    phone: text(32) | None = None  # type: ignore[valid-type]
    description: text(4000) | None = None  # type: ignore[valid-type]
    media_url: text(1000) | None = None  # type: ignore[valid-type]


# ----------------------------------------------------------------------- helpers


def _lang(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    return negotiate(request.headers.get("accept-language"), getattr(actor, "language", None))


def _topic_name(code: str, lang: str) -> str:
    vi, en = TOPICS[code]
    return vi if lang == "vi" else en


def _bad(vi: str, en: str) -> ApiProblem:
    return ApiProblem("invalid-input", vi, en)


def _service(code: str, lang: str) -> dict[str, Any]:
    vi, en = TOPICS[code]
    return ServiceOut(
        service_code=code, service_name=vi if lang == "vi" else en,
        description=(f"Ý kiến, kiến nghị, phản ánh về lĩnh vực {vi.lower()}" if lang == "vi"
                     else f"Opinions, petitions and reports about {en.lower()}"),
        metadata=True, type="realtime", keywords=f"{vi}, {en}",
        group="Lĩnh vực" if lang == "vi" else "Topic",
    ).model_dump()


def _definition(code: str, lang: str) -> dict[str, Any]:
    vi = lang == "vi"
    return ServiceDefinitionOut(service_code=code, attributes=[
        AttributeOut(variable=True, code="unit", datatype="string", required=False,
                     datatype_description="Mã đơn vị" if vi else "Unit code", order=1,
                     description=("Mã xã, phường hoặc thôn, ấp nơi phát sinh ý kiến (bắt buộc nếu không gửi "
                                  "jurisdiction_id)") if vi else
                     "Code of the commune, ward or village concerned (required unless jurisdiction_id is sent)"),
        AttributeOut(variable=True, code="kind", datatype="singlevaluelist", required=False,
                     datatype_description=None, order=2,
                     description="Loại ý kiến (mặc định: phản ánh)" if vi else "Kind of opinion (default: report)",
                     values=[ValueOut(key=k, name=v[0] if vi else v[1]) for k, v in KINDS.items()]),
    ]).model_dump()


def _status(container: Container, row: CaseRow) -> str:
    wf = container.workflows.get(row.workflow)
    try:
        return "closed" if wf is not None and wf.is_final(row.state) else "open"
    except KeyError:
        return "open"


def _extras(container: Container, ids: list[int]) -> dict[int, Open311Request]:
    if not ids:
        return {}
    with container.sessions() as session:
        rows = session.scalars(select(Open311Request).where(Open311Request.case_id.in_(ids)))
        return {r.case_id: r for r in rows}


def _request_out(container: Container, row: CaseRow, extra: Open311Request | None, lang: str) -> dict[str, Any]:
    return RequestOut(
        service_request_id=row.code, status=_status(container, row),  # type: ignore[arg-type]
        status_notes=row.answer, service_name=_topic_name(row.topic, lang) if row.topic in TOPICS else row.topic,
        service_code=row.topic, description=row.content, agency_responsible=row.handling_unit_name,
        service_notice=None, requested_datetime=w3(row.received_at) or "",
        updated_datetime=w3(row.updated_at) or "", expected_datetime=w3(row.due_at),
        address=extra.address_string if extra else None, address_id=extra.address_id if extra else None,
        zipcode=None, lat=extra.lat if extra else None, long=extra.long if extra else None,
        media_url=extra.media_url if extra else None,
    ).model_dump()


def _finals(container: Container) -> list[str]:
    return sorted({s for wf in container.workflows.values() for s in wf.spec.final_states})


def _default_workflow(container: Container) -> str:
    return "nghe-dan-noi" if "nghe-dan-noi" in container.workflows else sorted(container.workflows)[0]


def _api_key(request: Request, api_key: str | None) -> str | None:
    if api_key:
        return api_key
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _instant(name: str, value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None or parsed.utcoffset() is None or not 1900 < parsed.year < 2200:
            raise ValueError
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise _bad(f"{name} phải là thời điểm W3C có múi giờ, ví dụ 2026-11-01T00:00:00+07:00",
                   f"{name} must be a W3C date-time with an offset, e.g. 2026-11-01T00:00:00Z") from None


# --------------------------------------------------------------------- endpoints

_ERRORS = {
    "content": {JSON_MEDIA_TYPE: {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorOut"}}},
                "text/xml": {"schema": {"type": "string"}}},
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    texts = {400: "Missing or invalid argument.", 403: "api_key missing, invalid or revoked; or role refused.",
             404: "Unknown service code or request.", 413: "Request body too large.",
             429: "Too many requests; see Retry-After.", 503: "Temporarily unavailable."}
    documented: dict[int | str, dict[str, Any]] = {
        s: {"description": texts[s], **_ERRORS} for s in sorted({400, 413, 429, 503, *statuses})}
    documented["4XX"] = {"description": "Any other refusal, in the same shape.", **_ERRORS}
    return documented


def _ok(model: type[BaseModel] | None, fmt: str, *, many: bool) -> dict[int | str, dict[str, Any]]:
    if fmt == "xml":
        return {"content": {"text/xml": {"schema": {"type": "string"}}}}
    if model is None:
        return {}
    ref: dict[str, Any] = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"content": {JSON_MEDIA_TYPE: {"schema": {"type": "array", "items": ref} if many else ref}}}


ApiKeyQuery = Annotated[str | None, Query(max_length=200, description="Your API token (or send it as a bearer "
                                                                      "token).")]


def _register(fmt: str) -> None:
    @router.get(f"/discovery.{fmt}", summary=f"Service discovery ({fmt})", response_class=Response,
                responses={200: {"description": "Discovery document", **_ok(DiscoveryOut, fmt, many=False)},
                           **_errors()}, operation_id=f"open311_discovery_{fmt}")
    def discovery(request: Request) -> Response:
        base = str(request.base_url).rstrip("/") + "/open311/v2"
        doc = DiscoveryOut(
            changeset=CHANGESET, contact="Quản trị hệ thống nghedan / the nghedan administrators",
            key_service="API keys are issued by an administrator: nghedan users token USERNAME",
            endpoints=[EndpointOut(specification=SPEC_URL, url=base, changeset=CHANGESET, type="production",
                                   formats=["text/xml", "application/json"])],
        ).model_dump()
        return render(fmt, "discovery", doc)

    @router.get(f"/services.{fmt}", summary=f"GET Service List ({fmt}): topics as services",
                response_class=Response, operation_id=f"open311_services_{fmt}",
                responses={200: {"description": "Services", **_ok(ServiceOut, fmt, many=True)}, **_errors()})
    def services(request: Request,
                 jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
        lang = _lang(request)
        return render(fmt, "services", [_service(code, lang) for code in TOPICS])

    @router.get(f"/services/{{service_code}}.{fmt}", summary=f"GET Service Definition ({fmt})",
                response_class=Response, operation_id=f"open311_service_definition_{fmt}",
                responses={200: {"description": "Service definition",
                                 **_ok(ServiceDefinitionOut, fmt, many=False)}, **_errors(404)})
    def service_definition(request: Request, service_code: Annotated[str, Path(max_length=64)],
                           jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
        if service_code not in TOPICS:
            raise NotFound(what="service_code", key=service_code[:64])
        return render(fmt, "service_definition", _definition(service_code, _lang(request)))

    @router.post(f"/requests.{fmt}", summary=f"POST Service Request ({fmt})", status_code=201,
                 response_class=Response, operation_id=f"open311_create_request_{fmt}",
                 responses={201: {"description": "Created", **_ok(RequestCreatedOut, fmt, many=True)},
                            **_errors(403, 404)})
    def create_request(request: Request, form: Annotated[RequestForm, Form(media_type=
                       "application/x-www-form-urlencoded")],
                       container: Container = Depends(get_container)) -> Response:
        actor = authenticate(request, container, _api_key(request, form.api_key))
        return _create(request, container, actor, form, fmt)

    @router.get(f"/requests.{fmt}", summary=f"GET Service Requests ({fmt})", response_class=Response,
                operation_id=f"open311_requests_{fmt}",
                responses={200: {"description": "Service requests", **_ok(RequestOut, fmt, many=True)},
                           **_errors(403)})
    def list_requests(
        request: Request,
        api_key: ApiKeyQuery = None,
        service_request_id: Annotated[str | None, Query(max_length=2000, description="Comma-separated; "
                                                        "overrides all other filters.")] = None,
        service_code: Annotated[str | None, Query(max_length=1000, description="Comma-separated.")] = None,
        status: Annotated[str | None, Query(max_length=20, description="open, closed or open,closed")] = None,
        start_date: Annotated[str | None, Query(max_length=40)] = None,
        end_date: Annotated[str | None, Query(max_length=40)] = None,
        jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None,
        container: Container = Depends(get_container),
    ) -> Response:
        actor = authenticate(request, container, _api_key(request, api_key))
        query = _list_query(container, service_request_id, service_code, status, start_date, end_date,
                            jurisdiction_id)
        rows: list[CaseRow] = []
        cursor = None
        with UnitOfWork(container.sessions, write=False) as uow:
            while len(rows) < MAX_RESULTS:
                page = page_cases(uow.session, actor, query, limit=min(500, MAX_RESULTS - len(rows)),
                                  cursor=cursor, max_limit=500)
                rows.extend(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
        extras = _extras(container, [r.id for r in rows])
        lang = _lang(request)
        return render(fmt, "service_requests", [_request_out(container, r, extras.get(r.id), lang) for r in rows])

    @router.get(f"/requests/{{request_id}}.{fmt}", summary=f"GET Service Request ({fmt})", response_class=Response,
                operation_id=f"open311_request_{fmt}",
                responses={200: {"description": "The request, as a list of one",
                                 **_ok(RequestOut, fmt, many=True)}, **_errors(403, 404)})
    def get_request(request: Request, request_id: Annotated[str, Path(max_length=40)],
                    api_key: ApiKeyQuery = None,
                    jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None,
                    container: Container = Depends(get_container)) -> Response:
        actor = authenticate(request, container, _api_key(request, api_key))
        snap = container.cases.get(actor, request_id)  # NotFound / OutOfScope → 404
        query = CaseQuery(codes=(snap.code,))
        with UnitOfWork(container.sessions, write=False) as uow:
            rows = page_cases(uow.session, actor, query, limit=1).items
        if not rows:
            raise NotFound(what="yêu cầu / request", key=request_id[:40])
        extras = _extras(container, [rows[0].id])
        return render(fmt, "service_requests", [_request_out(container, rows[0], extras.get(rows[0].id),
                                                             _lang(request))])


def _list_query(container: Container, ids: str | None, codes: str | None, status: str | None,
                start: str | None, end: str | None, jurisdiction: str | None) -> CaseQuery:
    finals = _finals(container)
    if ids:
        wanted = tuple(x.strip() for x in ids.split(",") if x.strip())[:MAX_RESULTS]
        return CaseQuery(codes=wanted, final_states=finals)
    topics: tuple[str, ...] = ()
    if codes:
        topics = tuple(dict.fromkeys(x.strip() for x in codes.split(",") if x.strip()))
        unknown = [t for t in topics if t not in TOPICS]
        if unknown:
            raise _bad(f"service_code không có: {', '.join(unknown)[:200]}",
                       f"unknown service_code: {', '.join(unknown)[:200]}")
    wanted_status = {x.strip() for x in (status or "").split(",") if x.strip()}
    if wanted_status - {"open", "closed"}:
        raise _bad("status phải là open, closed", "status must be open or closed")
    now = container.clock.now()
    start_at, end_at = _instant("start_date", start), _instant("end_date", end)
    if start_at is None and end_at is None:
        end_at, start_at = now, now - MAX_RANGE
    elif start_at is None:
        start_at = end_at - MAX_RANGE  # type: ignore[operator]
    elif end_at is None:
        end_at = start_at + MAX_RANGE
    if end_at < start_at or end_at - start_at > MAX_RANGE:
        raise _bad("start_date phải trước end_date và cách nhau không quá 90 ngày",
                   "start_date must precede end_date and the range may not span more than 90 days")
    return CaseQuery(
        topics=topics, unit=jurisdiction or None, final_states=finals,
        open_only=wanted_status == {"open"}, closed_only=wanted_status == {"closed"},
        received_from=start_at, received_before=end_at + timedelta(microseconds=1),
    )


def _create(request: Request, container: Container, actor: Actor, form: RequestForm, fmt: str) -> Response:
    lang = _lang(request)
    if form.service_code not in TOPICS:
        raise NotFound(what="service_code", key=form.service_code[:64])
    unit = form.attribute_unit or form.jurisdiction_id
    if not unit:
        raise _bad("Cần attribute[unit] hoặc jurisdiction_id (mã đơn vị).",
                   "attribute[unit] or jurisdiction_id (a unit code) is required.")
    kind = form.attribute_kind or DEFAULT_KIND
    if kind not in KINDS:
        raise _bad(f"attribute[kind] phải là một trong: {', '.join(KINDS)}",
                   f"attribute[kind] must be one of: {', '.join(KINDS)}")
    if (form.lat is None) != (form.long is None):
        raise _bad("lat và long phải gửi cùng nhau.", "lat and long must be sent together.")
    if not (form.description or "").strip():
        raise _bad("Cần description (nội dung ý kiến).", "description is required.")
    content = form.description.strip()  # type: ignore[union-attr]
    where = [x for x in (form.address_string, f"{form.lat}, {form.long}" if form.lat is not None else None) if x]
    if where:
        content += f"\n\nĐịa điểm / Location: {' — '.join(where)}"
    name = " ".join(x.strip() for x in (form.last_name, form.first_name) if x and x.strip()) or None
    try:
        snap = container.cases.create(actor, NewCase(
            workflow=_default_workflow(container), unit=unit, topic=form.service_code, kind=kind, channel="open311",
            content=content, citizen_name=name, citizen_phone=form.phone or None))
    except OutOfScope:
        raise ApiProblem("unit-out-of-scope", f"Đơn vị “{unit}” không thuộc phạm vi của api_key này.",
                         f"Unit “{unit}” is outside this api_key's assignment.") from None
    except InvalidField as err:
        if err.params.get("field") == "unit":
            raise NotFound(what="jurisdiction_id / attribute[unit]", key=unit[:32]) from None
        raise
    with UnitOfWork(container.sessions) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.code == snap.code))
        uow.session.add(Open311Request(
            case_id=case_id, lat=form.lat, long=form.long, address_string=form.address_string or None,
            address_id=form.address_id or None, email=form.email or None, device_id=form.device_id or None,
            account_id=form.account_id or None, media_url=form.media_url or None))
        uow.commit()
    due = snap.due_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y") if snap.due_at else None
    notice = None
    if due:
        notice = (f"Ý kiến đã được tiếp nhận, mã tra cứu {snap.code}; hạn trả lời {due}." if lang == "vi"
                  else f"Received as {snap.code}; an answer is due by {due}.")
    body = [RequestCreatedOut(service_request_id=snap.code, service_notice=notice,
                              account_id=form.account_id or None).model_dump()]
    return render(fmt, "service_requests", body, status=201)

for _fmt in FORMATS:
    _register(_fmt)
