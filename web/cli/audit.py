"""The Front's checks on the history."""

from __future__ import annotations

from contextlib import closing

import click
from sqlalchemy import func, select

from engine.audit import verify_all
from engine.models import Case, FundLedger
from engine.support.ledger import verify_ledgers

from ..container import Container
from .main import cli, pass_container


@cli.group()
def audit() -> None:
    """Kiểm tra lịch sử / audit the hash-chained histories."""


@audit.command("verify")
@click.option("--all-breaks", is_flag=True, help="List every broken case, not only the first.")
@pass_container
def audit_verify(c: Container, all_breaks: bool) -> None:
    """Check every case's chain and every commune's fund ledger; exit 1 naming the
    first broken case and event (or ledger and entry)."""
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
    if broken:
        raise SystemExit(1)
    click.echo(f"OK: {total} case histories verified, {ledgers} fund ledgers verified")
