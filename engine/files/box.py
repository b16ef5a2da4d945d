"""Files on a case's steps: checked, their bytes stored before the step's
transaction commits, their rows written in it.

Order, and why: the case service refuses what the actor may not do first (so a
stranger's upload never reaches the store), then ``FileBox.prepare`` checks every
file and writes its bytes (a blob is content-addressed, so one written for a step
that then fails is an orphan nothing refers to, collected by ``gc``), then the
event records each file's hash, size and type in its chained data and
``record`` adds the rows, in the same transaction. Never an event without its
bytes; at worst bytes without an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import InvalidField
from ..models import Attachment, Case, CaseEvent
from .checks import Checked, Upload, check_file
from .limits import FileLimits
from .store import BlobStore

__all__ = ["FileBox", "FILES_KEY", "record", "GC_GRACE", "collect_garbage"]

# The key of an event's data that lists the files it added.
FILES_KEY = "files"
# A blob younger than this may belong to a step still in its transaction.
GC_GRACE = timedelta(hours=24)


class FileBox:
    """The store and the limits a process runs with (built by the composition root)."""

    def __init__(self, store: BlobStore, limits: FileLimits) -> None:
        self.store = store
        self.limits = limits

    def prepare(self, session: Session, case: Case | None, uploads: Sequence[Upload]) -> list[Checked]:
        """Check ``uploads`` for a step of ``case`` (None: a case being created) and
        store their bytes. Raises ``InvalidField(field="files")`` before storing any."""
        if not uploads:
            return []
        limits = self.limits
        if len(uploads) > limits.max_files_per_step:
            raise InvalidField(field="files", problem_vi=f"tối đa {limits.max_files_per_step} tệp mỗi lần",
                               problem_en=f"at most {limits.max_files_per_step} files at a time")
        checked = [check_file(u, limits) for u in uploads]
        count, total = (0, 0) if case is None or case.id is None else _held(session, case)
        count += len(checked)
        total += sum(c.size for c in checked)
        if count > limits.max_files_per_case:
            raise InvalidField(field="files", problem_vi=f"mỗi ý kiến tối đa {limits.max_files_per_case} tệp",
                               problem_en=f"a case holds at most {limits.max_files_per_case} files")
        if total > limits.max_case_bytes:
            raise InvalidField(field="files",
                               problem_vi=f"tổng dung lượng tệp của ý kiến vượt {limits.max_case_bytes // 2**20} MB",
                               problem_en=f"the case's files would exceed {limits.max_case_bytes // 2**20} MB")
        for c in checked:
            self.store.put(c.sha256, c.data)
            if c.thumb is not None and c.thumb_sha256 is not None:
                self.store.put(c.thumb_sha256, c.thumb)
        return checked


def _held(session: Session, case: Case) -> tuple[int, int]:
    # Removed files count too: a case's limit is on what was ever added to it, so
    # deleting cannot be used to push more through.
    row = session.execute(select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0))
                          .where(Attachment.case_id == case.id)).one()
    return int(row[0]), int(row[1])


def record(session: Session, case: Case, event: CaseEvent, checked: Sequence[Checked], actor: Actor,
           now: datetime) -> None:
    for position, c in enumerate(checked):
        session.add(Attachment(case=case, event=event, sha256=c.sha256, size=c.size, media_type=c.media_type,
                               name=c.name, thumb_sha256=c.thumb_sha256, added_by=actor.username, added_at=now,
                               position=position))


def collect_garbage(session: Session, store: BlobStore, now: datetime, *, grace: timedelta = GC_GRACE
                    ) -> list[str]:
    """Remove blobs no live attachment refers to (orphans of failed steps, bytes of
    removed files still shared nowhere) once older than ``grace``. Returns their keys."""
    live = set(session.scalars(select(Attachment.sha256).where(Attachment.deleted_at.is_(None))))
    live |= set(session.scalars(select(Attachment.thumb_sha256).where(Attachment.deleted_at.is_(None),
                                                                      Attachment.thumb_sha256.is_not(None))))
    removed = []
    for key, written in store.keys():
        if key not in live and written < now - grace:
            store.delete(key)
            removed.append(key)
    return removed
