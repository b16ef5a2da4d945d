"""Files on the API: ``/api/v1/cases/{code}/files`` (list, download, and a step that
carries files) and ``/api/v1/cases/with-files`` (a new case with its files).

A step with files is one multipart/form-data request, because a file belongs to the
event that adds it (its hash is in that event's chained data): ``step`` is a remark
kind (remark, urge, confirm) or a workflow trigger, ``note`` its text, ``data`` the
trigger's fields as a JSON object, ``expected_version`` as elsewhere, and one
``files`` part per file. There is no upload without a step: nothing is stored that
no event refers to (except for the moment a failed step leaves, see engine.files).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse, Response

from engine.actors import Actor
from engine.codes import normalise_code
from engine.files import Upload
from engine.files.access import FileView, list_files, read_file
from engine.services.cases import NewCase
from engine.uow import UnitOfWork

from ..container import Container
from ..deps import get_container
from ..pages.case_files import file_response
from ..uploads import BadUpload, Uploaded, read_uploads
from .auth import current_actor
from .cases import _keyed, _written, case_out
from .openapi import problems
from .problems import ApiProblem
from .routing import ProblemRoute, request_lang
from .schemas import CaseCreate

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/cases", tags=["files"], route_class=ProblemRoute)

CodePath = Annotated[str, Path(max_length=40)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", pattern=r"^[!-~]{1,100}$")]
REMARK_KINDS = ("remark", "urge", "confirm")


def _file_out(f: FileView, code: str) -> dict[str, Any]:
    return {"id": f.id, "seq": f.seq, "sha256": f.sha256, "size": f.size, "type": f.media_type, "name": f.name,
            "added_by": f.added_by, "added_at": f.added_at.isoformat(),
            "removed_at": f.removed_at.isoformat() if f.removed_at else None, "removed_reason": f.removed_reason,
            "url": None if f.removed_at else f"/api/v1/cases/{code}/files/{f.id}"}


async def _read(request: Request, container: Container) -> Uploaded:
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiProblem("invalid-input", "Cần gửi multipart/form-data.", "Send multipart/form-data.")
    try:
        form = await read_uploads(request, container.files.limits)
    except BadUpload:
        raise ApiProblem("malformed-body", "Nội dung multipart hỏng hoặc bị cắt giữa chừng; không có gì được lưu.",
                         "The multipart body is malformed or was cut short; nothing was saved.") from None
    if form.too_many:
        most = container.files.limits.max_files_per_step
        raise ApiProblem("invalid-input", f"Tối đa {most} tệp mỗi lần.", f"At most {most} files at a time.")
    return form


def _text(form: Uploaded, name: str) -> str | None:
    value = form.data.get(name)
    return value if isinstance(value, str) else None


def _fingerprint(form: Uploaded, uploads: list[Upload]) -> dict[str, Any]:
    fields = sorted((k, v) for k, v in form.data.multi_items() if isinstance(v, str))
    return {"fields": fields, "files": [[u.name, hashlib.sha256(u.data).hexdigest()] for u in uploads]}


@router.get("/{code}/files", summary="The case's files (a denunciation's only for who may know its author)",
            responses=problems(404))
def files_of(code: CodePath, actor: Actor = Depends(current_actor),
             container: Container = Depends(get_container)) -> dict[str, Any]:
    normal = normalise_code(code) or code
    return {"items": [_file_out(f, normal) for f in list_files(container.cases, actor, code)]}


@router.get("/{code}/files/{file_id}", summary="Download one file", responses=problems(404))
def download(code: CodePath, file_id: int, actor: Actor = Depends(current_actor),
             container: Container = Depends(get_container)) -> Response:
    return file_response(read_file(container.cases, actor, code, file_id))


@router.post("/{code}/files", summary="A remark or a workflow action with files (multipart/form-data)",
             responses=problems(403, 404, 409, 413))
async def step_with_files(request: Request, code: CodePath, idempotency_key: IdempotencyKey = None,
                          actor: Actor = Depends(current_actor),
                          container: Container = Depends(get_container)) -> Any:
    form = await _read(request, container)
    uploads = form.files_for()
    step = _text(form, "step") or "remark"
    note = _text(form, "note") or ""
    version_text = _text(form, "expected_version")
    version = int(version_text) if version_text and version_text.isdigit() and len(version_text) < 10 else None
    if version_text and version is None:
        raise ApiProblem("invalid-input", "expected_version phải là số.", "expected_version must be a number.")
    try:
        data = json.loads(_text(form, "data") or "{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiProblem("invalid-input", "“data” phải là một đối tượng JSON.", "“data” must be a JSON object.")
    if note:
        data.setdefault("note", note)
    cases = container.cases

    def work(uow: UnitOfWork) -> Any:
        if step in REMARK_KINDS:
            case = cases.remark_within(uow, actor, code, note, kind=step, expected_version=version, uploads=uploads)
        else:
            case = cases.fire_within(uow, actor, code, step, data, expected_version=version, uploads=uploads)
        return _written(uow, case, actor)

    status = 201 if step in REMARK_KINDS else 200
    if idempotency_key is not None:
        payload = {"code": normalise_code(code) or code, **_fingerprint(form, uploads)}
        return _keyed(request, container, actor, idempotency_key, "case.files", payload, work, status)
    snap = cases.within(work)
    out = case_out(container, actor, snap, request_lang(request))
    return JSONResponse(out.model_dump(mode="json"), status_code=status)


@router.post("/with-files", status_code=201, summary="Record an opinion with its files (multipart/form-data)",
             responses=problems(403, 413))
async def create_with_files(request: Request, idempotency_key: IdempotencyKey = None,
                            actor: Actor = Depends(current_actor),
                            container: Container = Depends(get_container)) -> Any:
    form = await _read(request, container)
    uploads = form.files_for()
    try:
        body = CaseCreate.model_validate_json(_text(form, "case") or "")
    except ValueError as err:
        raise ApiProblem("invalid-input", f"“case” phải là JSON của POST /api/v1/cases: {str(err)[:300]}",
                         f"“case” must be the JSON of POST /api/v1/cases: {str(err)[:300]}") from None
    new = NewCase(workflow=body.workflow, unit=body.unit, topic=body.topic, kind=body.kind, channel=body.channel,
                  content=body.content, citizen_name=body.citizen_name, citizen_phone=body.citizen_phone,
                  citizen_address=body.citizen_address, meeting_id=body.meeting_id, received_at=body.received_at,
                  handling_unit=body.handling_unit, files=tuple(uploads))

    def work(uow: UnitOfWork) -> Any:
        return container.cases.create_within(uow, actor, [new])[0]

    if idempotency_key is not None:
        return _keyed(request, container, actor, idempotency_key, "case.create_files",
                      _fingerprint(form, uploads), work, 201)
    snap = container.cases.within(work)
    out = case_out(container, actor, snap, request_lang(request))
    return JSONResponse(out.model_dump(mode="json"), status_code=201)
