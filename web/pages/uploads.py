"""Forms that carry files: a case's actions and remarks, and a meeting's intake.

They are the only page posts allowed bodies over the usual 1 MB (up to one step's
files, ``FileLimits.max_step_bytes``); every other form still refuses files. The
bytes go to the engine as ``Upload``s: checking, cleaning and keeping them is
``engine.files``'s business, not the page's."""

from __future__ import annotations

import re

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from engine.errors import InvalidField
from engine.files import Upload

from .common import BadForm, Ctx, Form, check_posted, signed_in

__all__ = ["UPLOAD_PATHS", "UploadForm", "signed_in_upload", "FILE_FIELD"]

UPLOAD_PATHS = re.compile(r"^/cases/[^/]{1,60}/(act|remark)$|^/meetings/new$")
FILE_FIELD = "files"


class UploadForm(Form):
    """A posted form and the files it sent, by field (empty file inputs dropped)."""

    def __init__(self, data: FormData, named: list[tuple[str, Upload]], too_many: bool) -> None:
        super().__init__(data)
        self._named = named
        self.too_many = too_many

    def files_for(self, field: str = FILE_FIELD) -> list[Upload]:
        return [u for f, u in self._named if f == field]

    def refusal(self, max_files: int) -> InvalidField | None:
        if self.too_many:
            return InvalidField(field="files", problem_vi=f"tối đa {max_files} tệp mỗi lần",
                                problem_en=f"at most {max_files} files at a time")
        return None


async def read_upload_form(request: Request) -> UploadForm:
    limits = request.app.state.container.files.limits
    # One more than allowed, so that "too many" is an answer and not a broken form.
    most = limits.max_files_per_step * 20 + 1  # a meeting's intake carries several opinions' files
    boundary = _boundary(request.headers.get("content-type", ""))
    if boundary is not None:
        # A body cut short (the connection dropped mid-file) still parses, minus the
        # unfinished part: refuse it whole instead of saving the step without it.
        # The body is bounded by the middleware (``max_step_bytes``).
        body = await request.body()
        if not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
            raise BadForm()
    try:
        data = await request.form(max_files=most, max_fields=4000, max_part_size=256 * 1024)
    except (MultiPartException, StarletteHTTPException):
        raise BadForm() from None
    named: list[tuple[str, Upload]] = []
    try:
        for field, value in data.multi_items():
            if isinstance(value, UploadFile):
                # Nothing chosen in a file input still sends an empty part with no name.
                body = await value.read(limits.max_file_bytes + 1)
                if value.filename or body:
                    named.append((field, Upload(value.filename or "", body)))
    finally:
        await data.close()  # the spooled temporary files
    return UploadForm(data, named, len(named) >= most)


def _boundary(content_type: str) -> bytes | None:
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1", "replace")
    return None


def signed_in_upload(ctx: Ctx = Depends(signed_in), form: UploadForm = Depends(read_upload_form)
                     ) -> tuple[Ctx, UploadForm]:
    check_posted(ctx, form)
    return ctx, form
