"""Content-addressed blob storage behind one interface: a folder on one machine, or
an S3-compatible bucket shared by several web machines.

A blob's key is the SHA-256 of its bytes, so writing is idempotent, two cases with
the same photo share one blob, and a blob written by a request whose transaction
then rolled back (or crashed) is an orphan nothing refers to: harmless, and removed
by ``nghedan files gc`` once older than the grace period.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol

__all__ = ["BlobStore", "FilesystemStore", "BlobMissing", "sha256_of", "is_sha256", "blob_path"]

_SHA = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_SHA.match(value))


def blob_path(root: Path, key: str) -> Path:
    """Where a folder store keeps ``key``: ``root/ab/cd/<sha256>`` (two levels of 256
    folders keep any one folder small at millions of files)."""
    if not is_sha256(key):
        raise ValueError("not a SHA-256 key")
    return Path(root) / key[:2] / key[2:4] / key


class BlobMissing(Exception):
    """No blob under this key (never written, removed by a decision, or lost)."""


class BlobStore(Protocol):
    """What the engine needs of a store. ``put`` must be durable when it returns."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[tuple[str, datetime]]:
        """Every key with when it was written (for the garbage collector's grace period)."""
        ...


class FilesystemStore:
    """Blobs under ``root`` as ``blob_path`` lays them out."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return blob_path(self.root, key)

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if target.exists():
            return  # the same bytes, by construction
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written beside the target and renamed: a crash leaves a temporary file,
        # never a blob with partial content under its hash.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for blob in sorted(second.iterdir()):
                    if is_sha256(blob.name):
                        yield blob.name, datetime.fromtimestamp(blob.stat().st_mtime, timezone.utc)
