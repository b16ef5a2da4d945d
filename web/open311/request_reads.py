"""GET Service Requests and GET Service Request: cases read back as Open311
requests. With an api_key, those in its holder's units, as the API shows them.
Without one, what the public tracking page shows (``engine.disclosure.case_fields``
for the reader ``PUBLIC``: status, service, dates, agency, expected time — never
the description, the answer or where the citizen stands), so a standard GeoReport
v2 client can list and read; a public list leaves denunciations out
(``publicly_listed``), and is throttled per address."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from engine.actors import SYSTEM
from engine.disclosure import PUBLIC, case_fields, publicly_listed
from engine.errors import NotFound
from engine.services.tracking import track
from engine.listing import CaseQuery, CaseRow, page_cases
from engine.models import Open311Request
from engine.uow import UnitOfWork
from engine.vocab import TOPICS
from engine.workflow import final_states, is_final

from ..api.auth import authenticate, throttle_address
from ..container import Container
from ..deps import get_container
from .formats import render, w3
from .schemas import RequestOut
from .shared import api_key_of, bad, errors_doc, lang_of, ok_doc, router

__all__ = ["MAX_RESULTS", "MAX_RANGE", "register"]

MAX_RESULTS = 1000
MAX_RANGE = timedelta(days=90)

ApiKeyQuery = Annotated[str | None, Query(max_length=200, description="Your API token (or send it as a bearer "
                                                                      "token).")]


def _topic_name(code: str, lang: str) -> str:
    vi, en = TOPICS[code]
    return vi if lang == "vi" else en


def _status(container: Container, row: CaseRow) -> str:
    return "closed" if is_final(container.workflows, row.workflow, row.state) else "open"


def _extras(container: Container, ids: list[int]) -> dict[int, Open311Request]:
    if not ids:
        return {}
    with container.sessions() as session:
        rows = session.scalars(select(Open311Request).where(Open311Request.case_id.in_(ids)))
        return {r.case_id: r for r in rows}


def _public_out(container: Container, row: CaseRow, lang: str) -> dict[str, Any]:
    """A request as the public may read it: only the fields the engine's rule lets through."""
    shown = case_fields(PUBLIC)
    return RequestOut(
        service_request_id=row.code, status=_status(container, row),  # type: ignore[arg-type]
        status_notes=row.answer if "answer" in shown else None,
        service_name=_topic_name(row.topic, lang) if row.topic in TOPICS else row.topic, service_code=row.topic,
        description=row.content if "content" in shown else "",
        agency_responsible=row.handling_unit_name if "handling_unit" in shown else None, service_notice=None,
        requested_datetime=w3(row.received_at) or "", updated_datetime=w3(row.updated_at) or "",
        expected_datetime=w3(row.due_at) if "due_at" in shown and row.state not in final_states(container.workflows)
        else None, address=None, address_id=None, zipcode=None, lat=None, long=None, media_url=None,
    ).model_dump()


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


def _instant(name: str, value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None or parsed.utcoffset() is None or not 1900 < parsed.year < 2200:
            raise ValueError
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise bad(f"{name} phải là thời điểm W3C có múi giờ, ví dụ 2026-11-01T00:00:00+07:00",
                  f"{name} must be a W3C date-time with an offset, e.g. 2026-11-01T00:00:00Z") from None


def register(fmt: str) -> None:
    """Attach GET Service Requests and GET Service Request in format ``fmt``."""

    @router.get(f"/requests.{fmt}", summary=f"GET Service Requests ({fmt})", response_class=Response,
                operation_id=f"open311_requests_{fmt}",
                responses={200: {"description": "Service requests", **ok_doc(RequestOut, fmt, many=True)},
                           **errors_doc(403)})
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
        key = api_key_of(request, api_key)
        public = not key
        if public:
            throttle_address(request)
        actor = SYSTEM if public else authenticate(request, container, key)
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
        lang = lang_of(request)
        if public:
            return render(fmt, "service_requests",
                          [_public_out(container, r, lang) for r in rows if publicly_listed(r.kind)])
        extras = _extras(container, [r.id for r in rows])
        return render(fmt, "service_requests", [_request_out(container, r, extras.get(r.id), lang) for r in rows])

    @router.get(f"/requests/{{request_id}}.{fmt}", summary=f"GET Service Request ({fmt})", response_class=Response,
                operation_id=f"open311_request_{fmt}",
                responses={200: {"description": "The request, as a list of one",
                                 **ok_doc(RequestOut, fmt, many=True)}, **errors_doc(403, 404)})
    def get_request(request: Request, request_id: Annotated[str, Path(max_length=40)],
                    api_key: ApiKeyQuery = None,
                    jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None,
                    container: Container = Depends(get_container)) -> Response:
        key = api_key_of(request, api_key)
        if not key:
            throttle_address(request)
            # The tracking page's rule decides whether the code exists for the public.
            tracked = track(container.cases, request_id, PUBLIC)
            if tracked is None:
                raise NotFound(what="ý kiến / case", key=request_id[:40])
            with UnitOfWork(container.sessions, write=False) as uow:
                found = page_cases(uow.session, SYSTEM, CaseQuery(codes=(tracked.code,)), limit=1).items
            return render(fmt, "service_requests", [_public_out(container, r, lang_of(request)) for r in found])
        actor = authenticate(request, container, key)
        snap = container.cases.get(actor, request_id)  # NotFound / OutOfScope → 404
        query = CaseQuery(codes=(snap.code,))
        with UnitOfWork(container.sessions, write=False) as uow:
            rows = page_cases(uow.session, actor, query, limit=1).items
        if not rows:
            raise NotFound(what="yêu cầu / request", key=request_id[:40])
        extras = _extras(container, [rows[0].id])
        return render(fmt, "service_requests", [_request_out(container, rows[0], extras.get(rows[0].id),
                                                             lang_of(request))])


def _list_query(container: Container, ids: str | None, codes: str | None, status: str | None,
                start: str | None, end: str | None, jurisdiction: str | None) -> CaseQuery:
    finals = final_states(container.workflows)
    if ids:
        wanted = tuple(x.strip() for x in ids.split(",") if x.strip())[:MAX_RESULTS]
        return CaseQuery(codes=wanted, final_states=finals)
    topics: tuple[str, ...] = ()
    if codes:
        topics = tuple(dict.fromkeys(x.strip() for x in codes.split(",") if x.strip()))
        unknown = [t for t in topics if t not in TOPICS]
        if unknown:
            raise bad(f"service_code không có: {', '.join(unknown)[:200]}",
                      f"unknown service_code: {', '.join(unknown)[:200]}")
    wanted_status = {x.strip() for x in (status or "").split(",") if x.strip()}
    if wanted_status - {"open", "closed"}:
        raise bad("status phải là open, closed", "status must be open or closed")
    now = container.clock.now()
    start_at, end_at = _instant("start_date", start), _instant("end_date", end)
    if start_at is None and end_at is None:
        end_at, start_at = now, now - MAX_RANGE
    elif start_at is None:
        start_at = end_at - MAX_RANGE  # type: ignore[operator]
    elif end_at is None:
        end_at = start_at + MAX_RANGE
    if end_at < start_at or end_at - start_at > MAX_RANGE:
        raise bad("start_date phải trước end_date và cách nhau không quá 90 ngày",
                  "start_date must precede end_date and the range may not span more than 90 days")
    return CaseQuery(
        topics=topics, unit=jurisdiction or None, final_states=finals,
        open_only=wanted_status == {"open"}, closed_only=wanted_status == {"closed"},
        received_from=start_at, received_before=end_at + timedelta(microseconds=1),
    )
