"""Reading a multipart body that carries files, for the pages and the API alike.

Only the paths in ``UPLOAD_PATHS`` may send bodies over the usual limits (up to one
step's files, ``FileLimits.max_step_bytes``, enforced unread by the body-limit
middlewares). A body cut short is refused whole: the multipart parser would
otherwise hand back the form minus its unfinished file, and the step would be
saved without it. Checking, cleaning and keeping the files is ``engine.files``'s.
"""

from __future__ import annotations

import re

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from engine.files import FileLimits, Upload

__all__ = ["UPLOAD_PATHS", "FILE_FIELD", "BadUpload", "Uploaded", "read_uploads"]

UPLOAD_PATHS = re.compile(r"^/cases/[^/]{1,60}/(act|remark)$|^/meetings/new$"
                          r"|^/api/v1/cases/[^/]{1,60}/files$|^/api/v1/cases/with-files$")
FILE_FIELD = "files"


class BadUpload(Exception):
    """Not a readable multipart body, or one cut short."""


class Uploaded:
    """The text fields of a multipart body and its files, by field (empty file inputs dropped)."""

    def __init__(self, data: FormData, named: list[tuple[str, Upload]], too_many: bool) -> None:
        self.data = data
        self.named = named
        self.too_many = too_many

    def files_for(self, field: str = FILE_FIELD) -> list[Upload]:
        return [u for f, u in self.named if f == field]


def _boundary(content_type: str) -> bytes | None:
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value:
            return value.strip().strip('"').encode("latin-1", "replace")
    return None


async def read_uploads(request: Request, limits: FileLimits, *, steps: int = 1) -> Uploaded:
    """``steps``: how many steps' files the form may carry (a meeting's opinions)."""
    most = limits.max_files_per_step * steps + 1  # one more: "too many" is an answer, not a broken form
    boundary = _boundary(request.headers.get("content-type", ""))
    if boundary is not None:
        body = await request.body()  # bounded by the middleware
        if not body.rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
            raise BadUpload()
    try:
        data = await request.form(max_files=most, max_fields=4000, max_part_size=256 * 1024)
    except (MultiPartException, StarletteHTTPException):
        raise BadUpload() from None
    named: list[tuple[str, Upload]] = []
    try:
        for field, value in data.multi_items():
            if isinstance(value, UploadFile):
                # Nothing chosen in a file input still sends an empty part with no name.
                content = await value.read(limits.max_file_bytes + 1)
                if value.filename or content:
                    named.append((field, Upload(value.filename or "", content)))
    finally:
        await data.close()  # the spooled temporary files
    return Uploaded(data, named, len(named) >= most)
