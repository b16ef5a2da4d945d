"""Page forms that carry files: a case's actions and remarks, a meeting's intake
(the reading itself is ``web.uploads``, shared with the API)."""

from __future__ import annotations

from fastapi import Depends, Request

from engine.errors import InvalidField
from engine.files import Upload

from ..uploads import FILE_FIELD, UPLOAD_PATHS, BadUpload, Uploaded, read_uploads
from .common import BadForm, Ctx, Form, check_posted, signed_in

__all__ = ["UPLOAD_PATHS", "UploadForm", "signed_in_upload", "read_upload_form", "FILE_FIELD"]

# A meeting's intake form carries the files of up to this many opinions' steps.
INTAKE_STEPS = 20


class UploadForm(Form):
    """A posted form (text fields as ``Form``) and the files it sent."""

    def __init__(self, uploaded: Uploaded) -> None:
        super().__init__(uploaded.data)
        self.uploaded = uploaded

    def files_for(self, field: str = FILE_FIELD) -> list[Upload]:
        return self.uploaded.files_for(field)

    def refusal(self, max_files: int) -> InvalidField | None:
        if self.uploaded.too_many:
            return InvalidField(field="files", problem_vi=f"tối đa {max_files} tệp mỗi lần",
                                problem_en=f"at most {max_files} files at a time")
        return None


async def read_upload_form(request: Request) -> UploadForm:
    limits = request.app.state.container.files.limits
    try:
        steps = INTAKE_STEPS if request.url.path == "/meetings/new" else 1
        return UploadForm(await read_uploads(request, limits, steps=steps))
    except BadUpload:
        raise BadForm() from None


def signed_in_upload(ctx: Ctx = Depends(signed_in), form: UploadForm = Depends(read_upload_form)
                     ) -> tuple[Ctx, UploadForm]:
    check_posted(ctx, form)
    return ctx, form
