"""A case's files on its page: the list by step, and each file's download.

Every file is served by the application with the case's authorization checked at
that moment (``engine.files.access``, which asks ``engine.disclosure``), as a
download (images may show inline), with ``nosniff`` and a Content-Security-Policy
under which nothing runs even if a browser were fooled into rendering it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from engine.codes import normalise_code
from engine.errors import DomainError, NotFound, OutOfScope
from engine.files.access import FileBody, FileView, list_files, read_file, remove_file

from .common import Ctx, Form, PageNotFound, redirect, render, signed_in, signed_in_post

__all__ = ["router", "files_by_step", "file_response", "FILE_CSP"]

router = APIRouter()

FILE_CSP = "default-src 'none'; sandbox"


def files_by_step(ctx: Ctx, code: str) -> dict[int, list[FileView]]:
    assert ctx.user is not None
    out: dict[int, list[FileView]] = {}
    for f in list_files(ctx.c.cases, ctx.user.actor, code):
        out.setdefault(f.seq, []).append(f)
    return out


def _disposition(kind: str, name: str) -> str:
    # An ASCII fallback for old clients and the exact (Vietnamese) name per RFC 6266.
    fallback = "".join(ch if 32 < ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in name) or "tep"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(body: FileBody, *, thumb: bool = False) -> Response:
    inline = body.media_type.startswith("image/")
    name = body.view.name if not thumb else body.view.name.rsplit(".", 1)[0] + "-thumb.webp"
    return Response(body.data, media_type=body.media_type, headers={
        "content-disposition": _disposition("inline" if inline else "attachment", name),
        "x-content-type-options": "nosniff", "content-security-policy": FILE_CSP,
        "cache-control": "private, no-store", "x-sha256": body.view.sha256 if not thumb else "",
    })


def _serve(ctx: Ctx, code: str, file_id: int, thumb: bool) -> Response:
    assert ctx.user is not None
    try:
        body = read_file(ctx.c.cases, ctx.user.actor, code[:60], file_id, thumb=thumb)
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    return file_response(body, thumb=thumb)


@router.get("/cases/{code}/files/{file_id}")
def download(code: str, file_id: int, ctx: Ctx = Depends(signed_in)) -> Response:
    return _serve(ctx, code, file_id, False)


@router.post("/cases/{code}/files/{file_id}/remove")
def remove(code: str, file_id: int, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    """An administrator removes a file for a legal reason (engine.files.access)."""
    ctx, form = checked
    assert ctx.user is not None
    try:
        remove_file(ctx.c.cases, ctx.user.actor, code[:60], file_id, form.get("reason"))
    except (NotFound, OutOfScope):
        raise PageNotFound() from None
    except DomainError as err:
        return render(ctx, "error.html", status=400, title=ctx.t("error_title"), message=ctx.t.error(err))
    return redirect(ctx, f"/cases/{normalise_code(code[:60]) or 'x'}?done=file_removed")


@router.get("/cases/{code}/files/{file_id}/thumb")
def thumbnail(code: str, file_id: int, ctx: Ctx = Depends(signed_in)) -> Response:
    return _serve(ctx, code, file_id, True)
