"""What both backends share: the refusal type, what a backup holds, and writing a
file so that DEST is either absent or complete, never half-written."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from engine import migrate

__all__ = ["BackupError", "Snapshot", "check_dest", "temp_beside", "publish", "known_revision", "human_size"]


class BackupError(Exception):
    """A refusal or failure, told in Vietnamese and English."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en

    def message(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Snapshot:
    """A backup file and what it holds; ``cases`` is None when it cannot be known
    without restoring (a PostgreSQL archive about to be restored)."""

    path: Path
    size: int
    revision: str
    cases: int | None


def check_dest(dest: Path, force: bool, live: Path | None = None) -> None:
    if not dest.parent.is_dir():
        raise BackupError(f"thư mục không tồn tại: {dest.parent}", f"no such folder: {dest.parent}")
    if dest.is_dir():
        raise BackupError(f"{dest} là một thư mục; hãy cho tên tệp", f"{dest} is a folder; give a file name")
    if live is not None and dest.exists() and os.path.samefile(dest, live):  # --force would clobber it
        raise BackupError(f"{dest} là chính cơ sở dữ liệu đang dùng", f"{dest} is the live database itself")
    if dest.exists() and not force:
        raise BackupError(f"{dest} đã có; thêm --force để ghi đè", f"{dest} exists; add --force to overwrite it")


def temp_beside(dest: Path) -> Path:
    # Next to DEST, so the final rename stays on one file system and is atomic;
    # mkstemp makes it readable by its owner only, as a file of citizens' data should be.
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


def publish(tmp: Path, dest: Path, force: bool) -> None:
    """Move the finished temporary file to DEST, durably."""
    with open(tmp, "rb") as stream:
        os.fsync(stream.fileno())
    if force:
        os.replace(tmp, dest)
    else:
        try:
            # link() fails if DEST appeared meanwhile, where rename would clobber it.
            os.link(tmp, dest)
        except FileExistsError:
            raise BackupError(f"{dest} đã có; thêm --force để ghi đè",
                              f"{dest} exists; add --force to overwrite it") from None
        except OSError:  # a file system without hard links
            if dest.exists():
                raise BackupError(f"{dest} đã có; thêm --force để ghi đè",
                                  f"{dest} exists; add --force to overwrite it") from None
            os.replace(tmp, dest)
        else:
            tmp.unlink()
    fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def known_revision(engine: Engine, revision: str) -> None:
    """Refuse a backup whose schema this code does not know (taken by a newer version)."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config(engine))
    for rev in revision.split(","):
        try:
            found = scripts.get_revision(rev)
        except CommandError:  # unknown, or an ambiguous prefix
            found = None
        if found is None:
            raise BackupError(
                f"bản sao lưu ở phiên bản lược đồ {revision}, phần mềm này không biết "
                "(sao lưu bởi bản nghedan mới hơn?)",
                f"the backup is at schema revision {revision}, unknown to this code (made by a newer nghedan?)")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
