"""Taking access away: ``nghedan users deactivate|reactivate|revoke-grant|reset-password|log``.

Each change ends the user's web sessions at once and, as ``engine.services.access``
says, revokes their API tokens; each is recorded with who made it (``cli:`` and
the operating-system account that ran the command)."""

from __future__ import annotations

import click

from engine.calendar import LOCAL_TZ
from engine.services.access import AccessResult

from ..container import Container
from .admin import operator, users
from .main import pass_container


def _said(result: AccessResult) -> None:
    when = result.at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
    click.echo(f"{result.username}: {result.action} at {when}" + (f" ({result.detail})" if result.detail else ""))


@users.command("deactivate")
@click.argument("username")
@pass_container
def users_deactivate(c: Container, username: str) -> None:
    """Deactivate USERNAME: signed out everywhere, API tokens revoked, no sign-in."""
    _said(c.access.deactivate(operator(), username))


@users.command("reactivate")
@click.argument("username")
@pass_container
def users_reactivate(c: Container, username: str) -> None:
    """Let USERNAME sign in again (revoked tokens stay revoked: issue new ones)."""
    _said(c.access.reactivate(operator(), username))


@users.command("revoke-grant")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
@pass_container
def users_revoke_grant(c: Container, username: str, role: str, unit_code: str) -> None:
    """Remove a role grant (the reverse of ``users grant``); effective on the next request."""
    _said(c.access.revoke_grant(operator(), username, role, unit_code))


@users.command("reset-password")
@click.argument("username")
@pass_container
def users_reset_password(c: Container, username: str) -> None:
    """A temporary password for USERNAME, printed once; they must change it at sign-in."""
    result = c.access.reset_password(operator(), username)
    click.echo(result.temporary_password)
    click.echo(f"{result.username}: temporary password shown once; give it to them in person. "
               f"They must choose a new one at their next sign-in ({result.detail}).", err=True)


@users.command("log")
@click.option("--user", "username", default=None, help="Only changes to this user.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@pass_container
def users_log(c: Container, username: str | None, limit: int) -> None:
    """Changes of access, newest first: when, who, what, on whom."""
    rows = c.access.log(limit=limit, username=username)
    if not rows:
        click.echo("—")
    for r in rows:
        click.echo(f"{r.at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}\t{r.by_name}\t{r.action}\t{r.username}\t{r.detail}")
