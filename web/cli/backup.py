"""``nghedan backup DEST`` and ``nghedan restore SRC``: the whole database, SQLite
or PostgreSQL, consistent while the server and the worker keep writing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import backup as backups
from ..backup.files import copy_in, copy_out, files_dir_of, missing_blobs
from ..container import Container
from .main import cli, current_lang, fail, pass_container

__all__ = ["backup_command", "restore_command"]


def _describe(snap: backups.Snapshot, vi: bool) -> str:
    cases = "?" if snap.cases is None else str(snap.cases)
    if vi:
        return f"{snap.path} — {backups.human_size(snap.size)}, {cases} ý kiến, lược đồ {snap.revision}"
    return f"{snap.path} — {backups.human_size(snap.size)}, {cases} cases, schema revision {snap.revision}"


@cli.command("backup")
@click.argument("dest", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST if it exists.")
@pass_container
def backup_command(c: Container, dest: Path, force: bool) -> None:
    """Sao lưu / back up the database to the file DEST (safe while others write)."""
    vi = current_lang() == "vi"
    try:
        snap = backups.backup(c.engine, dest, force=force)
    except backups.BackupError as err:
        fail(f"{'lỗi' if vi else 'error'}: {err.message(current_lang())}")
        return
    click.echo(f"{'đã sao lưu' if vi else 'backed up'}: {_describe(snap, vi)}")
    copied = copy_out(c.engine, c.files.store, dest)
    if copied is None:
        click.echo("tệp đính kèm nằm trong kho S3, sao lưu theo docs/deploy.md" if vi
                   else "attached files are in the S3 bucket, backed up as docs/deploy.md says")
    else:
        click.echo(f"{'tệp đính kèm' if vi else 'attached files'}: {files_dir_of(dest)} (+{copied})")


@cli.command("restore")
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's content.")
@pass_container
def restore_command(c: Container, src: Path, yes: bool) -> None:
    """Phục hồi / replace the database's content with the backup SRC.

    Refused while a `nghedan worker` runs; stop it first."""
    lang = current_lang()
    vi = lang == "vi"
    target = c.engine.url.render_as_string(hide_password=True)
    try:
        snap = backups.inspect(c.engine, src)
        click.echo(f"{'bản sao lưu' if vi else 'backup'}: {_describe(snap, vi)}")
        with backups.exclusive(c.engine):
            if not yes:
                if not sys.stdin.isatty():
                    fail("phục hồi thay toàn bộ dữ liệu hiện có: thêm --yes để xác nhận" if vi
                         else "a restore replaces all current data: add --yes to confirm")
                question = (f"Thay toàn bộ dữ liệu của {target} bằng bản sao lưu này?" if vi
                            else f"Replace all data of {target} with this backup?")
                if not click.confirm(question, default=False):
                    fail("đã hủy, không thay đổi gì" if vi else "cancelled, nothing changed")
            done = backups.restore(c.engine, snap)
            put_back = copy_in(c.files.store, src) if not done.needs_upgrade else 0
    except backups.BackupError as err:
        fail(f"{'lỗi' if vi else 'error'}: {err.message(lang)}")
        return
    click.echo(f"{'đã phục hồi' if vi else 'restored'}: {target} — "
               + (f"{done.cases} ý kiến, lược đồ {done.revision}" if vi
                  else f"{done.cases} cases, schema revision {done.revision}"))
    if done.needs_upgrade:
        click.echo(f"lược đồ {done.revision} cũ hơn phần mềm ({done.head}): chạy `nghedan db upgrade` "
                   "trước khi khởi động web và worker, rồi `nghedan audit verify`" if vi else
                   f"schema {done.revision} is older than the code's {done.head}: run `nghedan db upgrade` "
                   "before starting the web server and the worker, then `nghedan audit verify`")
        return
    for line in done.broken or []:
        click.echo(f"BROKEN {line}", err=True)
    missing = missing_blobs(c.engine, c.files.store)
    for key in missing:
        click.echo(f"MISSING {'tệp' if vi else 'file'} sha256 {key}", err=True)
    if done.broken or missing:
        raise SystemExit(1)
    click.echo(f"{'tệp đính kèm' if vi else 'attached files'}: {'đủ' if vi else 'all present'} (+{put_back})")
    click.echo(f"OK: {done.cases} " + ("lịch sử ý kiến đã kiểm tra chuỗi băm" if vi else "case histories verified"))
