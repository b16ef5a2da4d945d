"""API tokens: ``nghedan users token|tokens|revoke-token``."""

from __future__ import annotations

from datetime import datetime

import click

from engine.calendar import LOCAL_TZ
from engine.services import tokens as token_service

from ..container import Container
from .admin import users
from .main import pass_container


def _local(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if instant else "—"


@users.command("token")
@click.argument("username")
@click.option("--name", "label", default="", help="What uses it: the provincial portal, the hotline, an app.")
@pass_container
def users_token(c: Container, username: str, label: str) -> None:
    """Issue an API token for USERNAME. It is printed once; only its hash is kept."""
    with c.cases.uow() as uow:
        info, plain = token_service.issue_token(uow.session, username, label=label, now=c.clock.now())
        uow.commit()
    click.echo(plain)
    click.echo(f"token #{info.id} for {username}{f' ({label})' if label else ''}: shown once, store it now; "
               f"use it as “Authorization: Bearer …” or as Open311 api_key.", err=True)


@users.command("tokens")
@click.argument("username")
@pass_container
def users_tokens(c: Container, username: str) -> None:
    """List USERNAME's tokens (never the tokens themselves)."""
    with c.sessions() as session:
        rows = token_service.list_tokens(session, username)
    if not rows:
        click.echo(f"{username}: no tokens")
    for t in rows:
        state = f"revoked {_local(t.revoked_at)}" if t.revoked_at else "active"
        click.echo(f"#{t.id}\t{state}\tcreated {_local(t.created_at)}\tlast used {_local(t.last_used_at)}\t{t.label}")


@users.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@pass_container
def users_revoke_token(c: Container, token_id: int) -> None:
    """Revoke a token by its number (from ``nghedan users tokens``); effective at once."""
    with c.cases.uow() as uow:
        info = token_service.revoke_token(uow.session, token_id, now=c.clock.now())
        uow.commit()
    click.echo(f"token #{info.id} of {info.username} revoked at {_local(info.revoked_at)}")
