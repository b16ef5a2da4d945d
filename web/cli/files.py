"""``nghedan files``: remove a file for a legal reason, collect orphaned blobs."""

from __future__ import annotations

from datetime import timedelta

import click

from engine.actors import SYSTEM
from engine.files import GC_GRACE, collect_garbage
from engine.files.access import remove_file
from engine.services.directory import actor_for

from ..container import Container
from .main import cli, current_lang, pass_container

__all__ = ["files"]


@cli.group()
def files() -> None:
    """Tệp đính kèm / attached files."""


@files.command("remove")
@click.argument("code")
@click.argument("file_id", type=int)
@click.option("--reason", required=True, help="The decision: a court order, the citizen's request under the PDP law…")
@click.option("--as", "username", default=None, help="The administrator removing it (recorded in the chain); "
                                                      "default: the system.")
@pass_container
def files_remove(c: Container, code: str, file_id: int, reason: str, username: str | None) -> None:
    """Remove a file's bytes by decision; its hash and the reason stay in the chain."""
    actor = SYSTEM
    if username:
        with c.sessions() as session:
            actor = actor_for(session, username)
    snap = remove_file(c.cases, actor, code, file_id, reason)
    vi = current_lang() == "vi"
    click.echo(f"{'đã xóa tệp' if vi else 'removed file'} {file_id} {'của' if vi else 'of'} {snap.code}")


@files.command("gc")
@click.option("--grace-hours", type=click.IntRange(min=1), default=int(GC_GRACE.total_seconds() // 3600),
              show_default=True, help="Keep blobs younger than this (a step may still be committing).")
@pass_container
def files_gc(c: Container, grace_hours: int) -> None:
    """Delete stored blobs that no file of any case refers to."""
    with c.sessions() as session:
        removed = collect_garbage(session, c.files.store, c.clock.now(), grace=timedelta(hours=grace_hours))
    vi = current_lang() == "vi"
    click.echo(f"{'đã xóa' if vi else 'removed'} {len(removed)} {'khối dữ liệu mồ côi' if vi else 'orphaned blobs'}")
