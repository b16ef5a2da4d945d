"""Set-up and administration: database, units, users, the calendar."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select

from engine import migrate
from engine.models import Unit
from engine.services import calendars, directory

from ..container import Container
from .main import cli, pass_container


@cli.group()
def db() -> None:
    """Cơ sở dữ liệu / database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@pass_container
def db_upgrade(c: Container, revision: str) -> None:
    """Apply migrations (never done implicitly at web start)."""
    migrate.upgrade(c.engine, revision)
    click.echo(f"schema at {migrate.current_revision(c.engine)}")


@db.command("current")
@pass_container
def db_current(c: Container) -> None:
    current, head = migrate.current_revision(c.engine), migrate.head_revision(c.engine)
    click.echo(f"current {current or '—'}, head {head}")
    if current != head:
        raise SystemExit(1)


@cli.group()
def units() -> None:
    """Đơn vị hành chính / the unit tree."""


@units.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_container
def units_import(c: Container, csv_file: Path) -> None:
    """Import units from CSV: code,name,level,parent_code[,valid_from,valid_to,successor_code]."""
    with csv_file.open(encoding="utf-8-sig", newline="") as stream:
        rows = directory.read_units_csv(stream)
    with c.cases.uow() as uow:
        created, updated = directory.import_units(uow.session, rows)
        uow.commit()
    click.echo(f"{created} created, {updated} updated")


@units.command("list")
@pass_container
def units_list(c: Container) -> None:
    with c.sessions() as session:
        for unit in session.scalars(select(Unit).order_by(Unit.path)):
            depth = unit.path.count("/") - 2
            click.echo(f"{'  ' * depth}{unit.code}\t{unit.level}\t{unit.name}")


def operator() -> str:
    """Who ran the command, as the record of access changes names them."""
    try:
        return f"cli:{getpass.getuser()}"[:80]
    except (KeyError, OSError):  # no login name in a bare container
        return "cli"


@cli.group()
def users() -> None:
    """Người dùng / users and role grants."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="official | leader | auditor | admin")
@click.option("--unit", "unit_code", required=True, help="Code of the unit subtree the role covers.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.option("--full-name", default="")
@click.option("--email", default=None)
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi")
@pass_container
def users_add(c: Container, username: str, role: str, unit_code: str, password_stdin: bool,
              full_name: str, email: str | None, language: str) -> None:
    """Add a user with one role grant; the password comes on standard input, never argv."""
    password = sys.stdin.readline().rstrip("\r\n")
    c.access.add_user(operator(), username, password, role, unit_code, full_name=full_name, email=email,
                      language=language)
    click.echo(f"added {username} ({role} @ {unit_code})")


@users.command("grant")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
@pass_container
def users_grant(c: Container, username: str, role: str, unit_code: str) -> None:
    """Give an existing user another role on a unit subtree."""
    c.access.grant(operator(), username, role, unit_code)
    click.echo(f"granted {role} @ {unit_code} to {username}")


@cli.group("calendar")
def calendar_group() -> None:
    """Lịch làm việc / working-day overrides announced by the government."""


def _override(c: Container, day: date, kind: str, note: str) -> None:
    with c.cases.uow() as uow:
        calendars.set_override(uow.session, day, kind, note)
        uow.commit()
    click.echo(f"{day:%d/%m/%Y}: {kind}")


@calendar_group.command("off")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--note", default="")
@pass_container
def calendar_off(c: Container, day: object, note: str) -> None:
    """Mark an extra day off."""
    _override(c, day.date(), "day_off", note)  # type: ignore[attr-defined]


@calendar_group.command("workday")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--note", default="")
@pass_container
def calendar_workday(c: Container, day: object, note: str) -> None:
    """Mark a make-up working day (e.g. a Saturday)."""
    _override(c, day.date(), "working_day", note)  # type: ignore[attr-defined]


@calendar_group.command("show")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--working-days", type=int, default=None, help="Also show the deadline N working days later.")
@pass_container
def calendar_show(c: Container, day: object, working_days: int | None) -> None:
    d = day.date()  # type: ignore[attr-defined]
    with c.sessions() as session:
        cal = calendars.load_calendar(session, c.settings.office_close)
    click.echo(f"{d:%d/%m/%Y}: {'working day' if cal.is_working_day(d) else 'day off'}")
    if working_days is not None:
        click.echo(f"+{working_days} working days: {cal.add_working_days(d, working_days):%d/%m/%Y}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and API. Run the scheduler separately: nghedan worker."""
    import uvicorn

    from ..logs import server_log_config

    # The access log with query values redacted, and no secret in any other line.
    uvicorn.run("web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_config=server_log_config())
