"""Reading a case's files, and removing one for a legal reason.

Who may see a case's files is ``engine.disclosure.files_disclosed``: a
denunciation's files follow its author's identity (a photo or a letter can name
them), anyone else's follow the case. Removing is an administrator's act over the
case's units (or the command line's): the bytes go, the row keeps the hash, and an
event records who, when and why, so the chain still verifies and says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..actors import Actor
from ..disclosure import files_disclosed
from ..errors import InvalidField, NotFound, RoleNotAllowed
from ..history import append_event
from ..models import Attachment, Case, CaseEvent
from ..services.committing import commit_case
from ..services.fields import clean_text
from ..services.views import CaseSnapshot
from .store import BlobMissing

if TYPE_CHECKING:
    from ..services.cases import CaseService

__all__ = ["FileView", "FileBody", "FILE_REMOVED", "list_files", "read_file", "remove_file"]

FILE_REMOVED = "file_removed"
_REMOVER_ROLE = "admin"


@dataclass(frozen=True)
class FileView:
    id: int
    seq: int  # the event that added it
    sha256: str
    size: int
    media_type: str
    name: str
    has_thumb: bool
    added_by: str
    added_at: datetime
    removed_at: datetime | None
    removed_reason: str | None

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True)
class FileBody:
    view: FileView
    media_type: str
    data: bytes


def _view(a: Attachment, seq: int) -> FileView:
    return FileView(id=a.id, seq=seq, sha256=a.sha256, size=a.size, media_type=a.media_type, name=a.name,
                    has_thumb=a.thumb_sha256 is not None, added_by=a.added_by, added_at=a.added_at,
                    removed_at=a.deleted_at, removed_reason=a.deleted_reason)


def _may_see(actor: Actor, case: Case) -> bool:
    return files_disclosed(actor, case.kind, case.origin_unit.path, case.handling_unit.path)


def list_files(service: CaseService, actor: Actor, code: str) -> list[FileView]:
    """The case's files as ``actor`` may see them: none of a denunciation for whoever
    may not know who denounced."""
    with service.uow(write=False) as uow:
        case = service.load(uow.session, actor, code)
        if not _may_see(actor, case):
            return []
        rows = uow.session.execute(select(Attachment, CaseEvent.seq).join(CaseEvent, Attachment.event_id == CaseEvent.id)
                                   .where(Attachment.case_id == case.id)
                                   .order_by(CaseEvent.seq, Attachment.position)).tuples().all()
        return [_view(a, seq) for a, seq in rows]


def read_file(service: CaseService, actor: Actor, code: str, file_id: Any, *, thumb: bool = False) -> FileBody:
    """The bytes of one file of the case (its thumbnail with ``thumb``). A file the
    reader may not see, removed, or of another case is ``NotFound``."""
    with service.uow(write=False) as uow:
        case = service.load(uow.session, actor, code)
        row = uow.session.get(Attachment, file_id) if isinstance(file_id, int) else None
        if row is None or row.case_id != case.id or not _may_see(actor, case) or row.deleted_at is not None:
            raise NotFound(what="tệp / file", key=str(file_id)[:20])
        view = _view(row, row.event.seq)
        key = row.thumb_sha256 if thumb else row.sha256
        if key is None:
            raise NotFound(what="tệp / file", key=str(file_id)[:20])
    assert service.files is not None
    try:
        data = service.files.store.get(key)
    except BlobMissing:
        raise NotFound(what="tệp / file", key=str(file_id)[:20]) from None
    return FileBody(view=view, media_type="image/webp" if thumb else view.media_type, data=data)


def remove_file(service: CaseService, actor: Actor, code: str, file_id: Any, reason: Any) -> CaseSnapshot:
    """Remove a file's bytes for a legal reason (a court order, the citizen's request
    under the personal data law). The row and the adding event keep its hash; a new
    event records the removal and its reason. The bytes go after the commit, and only
    when no other live file shares them; ``gc`` finishes the job after a crash."""
    with service.uow() as uow:
        session, now = uow.session, service.clock.now()
        case = service.load(session, actor, code, for_update=True)
        if not (actor.is_system or _REMOVER_ROLE in actor.roles_over(case.origin_unit.path, case.handling_unit.path)):
            raise RoleNotAllowed(trigger=FILE_REMOVED, roles=[_REMOVER_ROLE])
        row = session.get(Attachment, file_id) if isinstance(file_id, int) else None
        if row is None or row.case_id != case.id:
            raise NotFound(what="tệp / file", key=str(file_id)[:20])
        if row.deleted_at is not None:
            raise InvalidField(field="file", problem_vi="tệp này đã được xóa", problem_en="this file was already removed")
        text = clean_text("reason", reason)
        event = append_event(session, case, at=now, actor=actor, trigger=FILE_REMOVED, from_state=case.state,
                             to_state=case.state, note=text,
                             data={"removed_file": {"sha256": row.sha256, "size": row.size, "type": row.media_type},
                                   "reason": text})
        session.flush()
        row.deleted_at, row.deleted_by, row.deleted_reason, row.deleted_event_id = now, actor.username, text, event.id
        case.updated_at = now
        keys = [k for k in (row.sha256, row.thumb_sha256) if k]
        result = commit_case(uow, case, actor)
    with service.uow(write=False) as uow:
        shared = set(uow.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(keys),
                                                                          Attachment.deleted_at.is_(None))))
        shared |= set(uow.session.scalars(select(Attachment.thumb_sha256).where(
            Attachment.thumb_sha256.in_(keys), Attachment.deleted_at.is_(None))))
    assert service.files is not None
    for key in keys:
        if key not in shared:
            service.files.store.delete(key)
    return result
