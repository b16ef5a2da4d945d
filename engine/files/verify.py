"""``audit verify --files``: every file the chain says was added is in the store with
the bytes it was added with, or was removed by a recorded decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Attachment, Case, CaseEvent
from .box import FILES_KEY
from .store import BlobMissing, BlobStore, sha256_of

__all__ = ["FileFinding", "verify_files", "OK", "MISSING", "ALTERED", "REMOVED", "UNCHAINED"]

OK, MISSING, ALTERED, REMOVED, UNCHAINED = "ok", "missing", "altered", "removed", "unchained"


@dataclass(frozen=True)
class FileFinding:
    case_code: str
    seq: int
    file_id: int
    name: str
    sha256: str
    status: str
    detail: str = ""

    @property
    def broken(self) -> bool:
        return self.status in (MISSING, ALTERED, UNCHAINED)

    def __str__(self) -> str:
        text = {MISSING: "missing from the store", ALTERED: "altered: its bytes no longer match the chained hash",
                REMOVED: "deleted by decision", UNCHAINED: "not the file its event chained",
                OK: "ok"}[self.status]
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.case_code} event #{self.seq} file {self.file_id} “{self.name}” {self.sha256[:16]}…: {text}{extra}"


def _chained(event: CaseEvent, row: Attachment) -> bool:
    entries = (event.data or {}).get(FILES_KEY)
    return isinstance(entries, list) and any(
        isinstance(e, dict) and e.get("sha256") == row.sha256 and e.get("size") == row.size
        and e.get("type") == row.media_type for e in entries)


def verify_files(session: Session, store: BlobStore, batch: int = 500) -> Iterator[FileFinding]:
    """One finding per file, in case and event order. The rows are checked against
    their events' chained data (the chain itself is ``engine.audit``'s check) and the
    bytes are hashed again."""
    rows = session.execute(
        select(Attachment, CaseEvent, Case.code).join(CaseEvent, Attachment.event_id == CaseEvent.id)
        .join(Case, Attachment.case_id == Case.id).order_by(Attachment.case_id, CaseEvent.seq, Attachment.position)
        .execution_options(yield_per=batch)).tuples()
    for row, event, code in rows:
        def found(status: str, detail: str = "") -> FileFinding:
            return FileFinding(code, event.seq, row.id, row.name, row.sha256, status, detail)

        if not _chained(event, row):
            yield found(UNCHAINED)
            continue
        if row.deleted_at is not None:
            removal = session.get(CaseEvent, row.deleted_event_id) if row.deleted_event_id else None
            recorded = removal is not None and (removal.data or {}).get("removed_file", {}).get("sha256") == row.sha256
            yield found(REMOVED if recorded else UNCHAINED, row.deleted_reason or "" if recorded else
                        "removed without a recorded decision")
            continue
        try:
            data = store.get(row.sha256)
        except BlobMissing:
            yield found(MISSING)
            continue
        yield found(OK if sha256_of(data) == row.sha256 else ALTERED)
