"""Set-up and administration: database, units, users (the calendar: web.cli.calendar)."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select

from engine import migrate
from engine.calendar import LOCAL_TZ
from engine.errors import InvalidField
from engine.services import directory
from engine.services import units as unit_changes
from engine.workflow.finality import final_states

from ..container import Container
from .main import cli, current_lang, pass_container


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


def _today(c: Container) -> date:
    return c.clock.now().astimezone(LOCAL_TZ).date()


@units.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--on", "on", default=None, help="Day the file's re-parentings take effect (YYYY-MM-DD, default today).")
@pass_container
def units_import(c: Container, csv_file: Path, on: str | None) -> None:
    """Import units from CSV: code,name,level,parent_code[,valid_from,valid_to,successor_code].
    One transaction; successor links and end dates are checked, re-parented units
    keep their former place for past reports."""
    vi = current_lang() == "vi"
    with csv_file.open(encoding="utf-8-sig", newline="") as stream:
        rows = directory.read_units_csv(stream)
    with c.cases.uow() as uow:
        done = unit_changes.import_decision(uow.session, rows, _day_option(on) if on else _today(c),
                                            final_states=final_states(c.workflows))
        uow.commit()
    click.echo(f"{done.created} created, {done.updated} updated")
    if done.successors:
        click.echo(f"{'kế thừa' if vi else 'successor'}: " + ", ".join(f"{a} → {b}" for a, b in done.successors))
        followed = "ý kiến đang mở nay do đơn vị kế thừa theo dõi" if vi else "open cases now followed by successors"
        click.echo(f"{followed}: {done.open_cases}")
    if done.moved:
        click.echo(f"{'đổi đơn vị cấp trên' if vi else 're-parented'}: {', '.join(done.moved)}")


@units.command("list")
@pass_container
def units_list(c: Container) -> None:
    """The tree, with each unit's validity and successor; "hết hiệu lực" marks units
    no longer in force today (themselves or through a unit above them)."""
    vi = current_lang() == "vi"
    with c.sessions() as session:
        lines = unit_changes.unit_lines(session, _today(c))
    for line in lines:
        valid = f"{_day(line.valid_from)}–{_day(line.valid_to)}"
        extra = "" if line.in_force else ("\thết hiệu lực" if vi else "\tno longer in force")
        if line.successor:
            extra += f"\t→ {line.successor}"
        click.echo(f"{'  ' * line.depth}{line.code}\t{line.level}\t{line.name}\t{valid}{extra}")


def _day_option(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(field="on", problem_vi=f"ngày “{text[:20]}” không đúng dạng YYYY-MM-DD",
                           problem_en=f"date “{text[:20]}” is not YYYY-MM-DD") from None


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else "…"


@units.command("merge")
@click.argument("old", nargs=-1, required=True)
@click.option("--into", "into", required=True, help="Code of the new (successor) unit, already imported.")
@click.option("--on", "on", required=True, help="Day the merger takes effect (YYYY-MM-DD).")
@click.option("--move", "move", multiple=True, help="A unit below an old one to re-parent to the new one (repeat).")
@pass_container
def units_merge(c: Container, old: tuple[str, ...], into: str, on: str, move: tuple[str, ...]) -> None:
    """Apply a merger decision in one transaction: OLD... end on --on and --into
    succeeds them; the units named by --move are re-parented to it."""
    vi = current_lang() == "vi"
    moves = [code for item in move for code in item.split(",")]
    with c.cases.uow() as uow:
        done = unit_changes.merge_units(uow.session, old, into, _day_option(on), move=moves,
                                        final_states=final_states(c.workflows))
        uow.commit()
    click.echo(f"{'hết hiệu lực' if vi else 'ended'} {done.on:%d/%m/%Y}: {', '.join(done.expired)}")
    click.echo(f"{'kế thừa' if vi else 'successor'}: " + ", ".join(f"{a} → {b}" for a, b in done.successors))
    click.echo(f"{'chuyển về' if vi else 're-parented to'} {done.into}: {', '.join(done.moved) or '—'}")
    click.echo(f"{'hết hiệu lực theo đơn vị trên' if vi else 'ended with them'}: {', '.join(done.ended_below) or '—'}")
    click.echo(f"{'ý kiến đang mở nay do' if vi else 'open cases now followed by'} {done.into}: {done.open_cases}")


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
