"""The Front's checks on the history."""

from __future__ import annotations

from contextlib import closing

import click
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.files.verify import REMOVED, verify_files
from engine.models import Case, FundLedger
from engine.support.ledger import verify_ledgers

from ..container import Container
from .main import cli, pass_container


@cli.group()
def audit() -> None:
    """Kiểm tra lịch sử / audit the hash-chained histories."""


@audit.command("verify")
@click.option("--all-breaks", is_flag=True, help="List every broken case, not only the first.")
@click.option("--files", "with_files", is_flag=True, help="Also re-hash every attached file in the store.")
@pass_container
def audit_verify(c: Container, all_breaks: bool, with_files: bool) -> None:
    """Check every case's chain and every commune's fund ledger (and, asked, every
    stored file); exit 1 naming the first broken case and event (ledger and entry, file)."""
    with c.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Case)) or 0
        broken = 0
        with closing(verify_all(session)) as breaks:
            for brk in breaks:
                broken += 1
                click.echo(f"BROKEN {brk}", err=True)
                if not all_breaks:
                    break
        ledgers = session.scalar(select(func.count()).select_from(FundLedger)) or 0
        if not broken or all_breaks:
            for lbrk in verify_ledgers(session):
                broken += 1
                click.echo(f"BROKEN {lbrk}", err=True)
                if not all_breaks:
                    break
    if with_files and (all_breaks or not broken):
        broken += _verify_files(c, all_breaks)
    if broken:
        raise SystemExit(1)
    click.echo(f"OK: {total} case histories verified, {ledgers} fund ledgers verified")


def _verify_files(c: Container, all_breaks: bool) -> int:
    checked = removed = broken = 0
    with c.sessions() as session:
        for finding in verify_files(session, c.files.store):
            checked += 1
            if finding.status == REMOVED:
                removed += 1
                click.echo(f"REMOVED {finding}")  # a decision, recorded: not a break
            elif finding.broken:
                broken += 1
                click.echo(f"BROKEN {finding}", err=True)
                if not all_breaks:
                    break
    if not broken:
        click.echo(f"OK: {checked} files verified ({removed} deleted by decision)")
    return broken
