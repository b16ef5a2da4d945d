"""The attached files of a backup: for a folder store, the blobs the database refers
to are copied beside the database's backup (``DEST.files/``, the store's own
layout); a restore copies them back. An S3 bucket is backed up by the object store
itself (versioning, replication: docs/deploy.md); either way a restore ends by
checking that every file the restored database refers to is in the store.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from engine.files import BlobStore, FilesystemStore, blob_path, is_sha256
from engine.models import Attachment

__all__ = ["files_dir_of", "copy_out", "copy_in", "missing_blobs"]


def files_dir_of(backup: Path) -> Path:
    return backup.with_name(backup.name + ".files")


def _referenced(session: Session) -> set[str]:
    if not inspect(session.get_bind()).has_table(Attachment.__tablename__):
        return set()  # a schema older than files (restored, awaiting `nghedan db upgrade`)
    live = Attachment.deleted_at.is_(None)
    keys = set(session.scalars(select(Attachment.sha256).where(live)))
    return keys | {k for k in session.scalars(select(Attachment.thumb_sha256).where(live)) if k}


def copy_out(engine: Engine, store: BlobStore, backup: Path) -> int | None:
    """Copy the referenced blobs of a folder store beside ``backup``; None for a
    bucket (backed up by the object store). A blob already there is not copied
    again: content-addressed, the same name is the same bytes."""
    if not isinstance(store, FilesystemStore):
        return None
    with Session(engine) as session:
        keys = _referenced(session)
    root = files_dir_of(backup)
    copied = 0
    for key in sorted(keys):
        source, target = store.path(key), blob_path(root, key)
        if source.is_file() and not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = target.with_suffix(".part")
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
            copied += 1
    return copied


def copy_in(store: BlobStore, backup: Path) -> int:
    """Put the blobs saved beside ``backup`` back into the store (any backend)."""
    source = files_dir_of(backup)
    if not source.is_dir():
        return 0
    restored = 0
    for blob in sorted(source.glob("*/*/*")):
        if is_sha256(blob.name) and not store.exists(blob.name):
            store.put(blob.name, blob.read_bytes())
            restored += 1
    return restored


def missing_blobs(engine: Engine, store: BlobStore) -> list[str]:
    """Files the database refers to that the store does not hold."""
    with Session(engine) as session:
        keys = _referenced(session)
    return sorted(k for k in keys if not store.exists(k))
