"""POST Service Request: an Open311 request becomes a case on channel ``open311``,
with the request's location and contact details kept beside it, written in the
same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from engine.actors import Actor
from engine.calendar import deadline_parts
from engine.errors import InvalidField, NotFound, OutOfScope
from engine.models import Case, Open311Request
from engine.services.cases import NewCase
from engine.services.fields import is_blank
from engine.services.views import CaseSnapshot
from engine.uow import UnitOfWork
from engine.vocab import KINDS, TOPICS

from ..api.auth import authenticate
from ..api.problems import ApiProblem
from ..container import Container
from ..deps import get_container
from .formats import render
from .schemas import RequestCreatedOut, RequestForm
from .shared import api_key_of, bad, errors_doc, lang_of, ok_doc, router

__all__ = ["DEFAULT_KIND", "register"]

DEFAULT_KIND = "phan_anh"  # a report about a problem in one's area


def register(fmt: str) -> None:
    """Attach POST Service Request in format ``fmt``."""

    @router.post(f"/requests.{fmt}", summary=f"POST Service Request ({fmt})", status_code=201,
                 response_class=Response, operation_id=f"open311_create_request_{fmt}",
                 responses={201: {"description": "Created", **ok_doc(RequestCreatedOut, fmt, many=True)},
                            **errors_doc(403, 404)})
    def create_request(request: Request, form: Annotated[RequestForm, Form(media_type=
                       "application/x-www-form-urlencoded")],
                       container: Container = Depends(get_container)) -> Response:
        actor = authenticate(request, container, api_key_of(request, form.api_key))
        return _create(request, container, actor, form, fmt)


def _default_workflow(container: Container) -> str:
    return "nghe-dan-noi" if "nghe-dan-noi" in container.workflows else sorted(container.workflows)[0]


def _create(request: Request, container: Container, actor: Actor, form: RequestForm, fmt: str) -> Response:
    lang = lang_of(request)
    if form.service_code not in TOPICS:
        raise NotFound(what="service_code", key=form.service_code[:64])
    unit = form.attribute_unit or form.jurisdiction_id
    if not unit:
        raise bad("Cần attribute[unit] hoặc jurisdiction_id (mã đơn vị).",
                  "attribute[unit] or jurisdiction_id (a unit code) is required.")
    kind = form.attribute_kind or DEFAULT_KIND
    if kind not in KINDS:
        raise bad(f"attribute[kind] phải là một trong: {', '.join(KINDS)}",
                  f"attribute[kind] must be one of: {', '.join(KINDS)}")
    if (form.lat is None) != (form.long is None):
        raise bad("lat và long phải gửi cùng nhau.", "lat and long must be sent together.")
    if is_blank(form.description):
        raise bad("Cần description (nội dung ý kiến).", "description is required.")
    content = form.description or ""  # cleaned by the case service
    where = [x for x in (form.address_string, f"{form.lat}, {form.long}" if form.lat is not None else None) if x]
    if where:
        content += f"\n\nĐịa điểm / Location: {' — '.join(where)}"
    name = " ".join(x.strip() for x in (form.last_name, form.first_name) if x and x.strip()) or None
    new = NewCase(workflow=_default_workflow(container), unit=unit, topic=form.service_code, kind=kind,
                  channel="open311", content=content, citizen_name=name, citizen_phone=form.phone or None)

    def record(uow: UnitOfWork) -> CaseSnapshot:
        # The case and what the client sent beside it, in one transaction the case
        # service commits: a case never lacks its location and contact details.
        snap = container.cases.create_within(uow, actor, [new])[0]
        case_id = uow.session.scalar(select(Case.id).where(Case.code == snap.code))
        uow.session.add(Open311Request(
            case_id=case_id, lat=form.lat, long=form.long, address_string=form.address_string or None,
            address_id=form.address_id or None, email=form.email or None, device_id=form.device_id or None,
            account_id=form.account_id or None, media_url=form.media_url or None))
        return snap

    try:
        snap = container.cases.within(record)
    except OutOfScope:
        raise ApiProblem("unit-out-of-scope", f"Đơn vị “{unit}” không thuộc phạm vi của api_key này.",
                         f"Unit “{unit}” is outside this api_key's assignment.") from None
    except InvalidField as err:
        if err.params.get("field") == "unit":
            raise NotFound(what="jurisdiction_id / attribute[unit]", key=unit[:32]) from None
        raise
    due = f"{deadline_parts(snap.due_at)[1]:%d/%m/%Y}" if snap.due_at else None
    notice = None
    if due:
        notice = (f"Ý kiến đã được tiếp nhận, mã tra cứu {snap.code}; hạn trả lời {due}." if lang == "vi"
                  else f"Received as {snap.code}; an answer is due by {due}.")
    body = [RequestCreatedOut(service_request_id=snap.code, service_notice=notice,
                              account_id=form.account_id or None).model_dump()]
    return render(fmt, "service_requests", body, status=201)
