"""Periodic reports and the Front's audit tools on the command line.

``nghedan report`` prints (or writes) the figures of a period; ``nghedan audit seal``
records the daily seal, ``audit verify --seal DATE VALUE`` checks the database still
produces a seal the auditor kept (exit 0 yes, 1 no, 2 bad input), and ``audit
export`` writes case histories. Without ``--as`` the command acts as the system: all
units, and citizens' contact masked.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable

import click

from engine.actors import SYSTEM, Actor
from engine.calendar import LOCAL_TZ
from engine.reports import Period, ReportRequest, build_report
from engine.reports.audit_export import history_json, select_case, select_unit
from engine.reports.history_labels import HistoryLabels
from engine.reports.history_tables import history_csv
from engine.reports.export import report_csv, report_json, report_xlsx
from engine.seals import seal_day, verify_seal
from engine.services.directory import actor_for
from engine.uow import UnitOfWork

from ..container import Container
from .audit import audit
from .main import cli, current_lang, fail, pass_container

__all__ = ["report", "audit_seal", "audit_export", "programme_names"]


def programme_names(c: Container) -> dict[str, tuple[str, str]]:
    return {key: (wf.name.vi, wf.name.en) for key, wf in c.workflows.items()}


def _actor(c: Container, username: str | None) -> Actor:
    if not username:
        return SYSTEM
    with c.sessions() as session:
        return actor_for(session, username, on=c.clock.now().astimezone(LOCAL_TZ).date())


def _write_text(chunks: Iterable[str], output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            for chunk in chunks:
                fh.write(chunk)
        return
    for chunk in chunks:
        click.echo(chunk, nl=False)


@cli.command("report")
@click.option("--from", "start", required=True, help="First day (YYYY-MM-DD or dd/mm/yyyy), local time.")
@click.option("--to", "end", required=True, help="Last day, inclusive.")
@click.option("--unit", default=None, help="Unit code; its whole subtree is counted. Default: all your units.")
@click.option("--programme", default=None, help="Only this programme (workflow key).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True),
              help="File to write; standard output if omitted.")
@click.option("--as", "username", default=None, help="Report as this user (their units only).")
@click.option("--as-of", "as_of", default=None,
              help="Day of the second status (not before --to, not after today). Default: today.")
@pass_container
def report(c: Container, start: str, end: str, unit: str | None, programme: str | None, fmt: str,
           output: str | None, username: str | None, as_of: str | None) -> None:
    """Báo cáo định kỳ / the figures of a period: meetings, opinions, timeliness, satisfaction."""
    actor = _actor(c, username)
    req = ReportRequest(Period.of(start, end), unit, programme, as_of)
    with c.sessions() as session:
        rep = build_report(session, actor, req, now=c.clock.now(), programmes=programme_names(c))
    if fmt == "xlsx":
        data = report_xlsx(rep)
        if output:
            Path(output).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return
    text = report_json(rep) + "\n" if fmt == "json" else report_csv(rep, current_lang())
    _write_text([text], output)


@audit.command("seal")
@click.option("--date", "day", default=None, help="The day to seal (default: yesterday, local time).")
@pass_container
def audit_seal(c: Container, day: str | None) -> None:
    """Niêm phong ngày / record the day's seal over every case history and print it."""
    when = Period.of(day, day).start if day else c.clock.now().astimezone(LOCAL_TZ).date() - timedelta(days=1)
    with UnitOfWork(c.sessions) as uow:
        seal = seal_day(uow.session, when, c.clock)
        values = (seal.day, seal.root_hash, seal.case_count, seal.event_count)
        uow.commit()
    from engine.seals import short_code

    vi = current_lang() == "vi"
    click.echo(f"{'Ngày' if vi else 'Day'} {values[0]:%d/%m/%Y}: {short_code(values[1])}")
    click.echo(f"  sha256 {values[1]}")
    click.echo(f"  {values[2]} {'hồ sơ' if vi else 'cases'}, {values[3]} {'sự kiện' if vi else 'events'}")


# ``audit verify`` checks every chain; with --seal it checks a kept seal instead.
_chains_verify = audit.commands["verify"]


@audit.command("verify")
@click.option("--all-breaks", is_flag=True, help="List every broken case, not only the first.")
@click.option("--seal", "seal", nargs=2, metavar="DATE VALUE", default=None,
              help="Check that the database still produces the seal kept for DATE.")
@click.option("--files", "with_files", is_flag=True, help="Also re-hash every attached file in the store.")
@click.pass_context
def audit_verify_command(ctx: click.Context, all_breaks: bool, seal: tuple[str, str] | None,
                         with_files: bool) -> None:
    """Check every case's chain (exit 1 at the first broken one), or with --seal DATE VALUE
    that the histories as of DATE still match a seal kept outside (exit 1 if not). With
    --files, every attached file too: missing, altered, or deleted by decision."""
    if seal is None:
        ctx.invoke(_chains_verify, all_breaks=all_breaks, with_files=with_files)
        return
    ctx.invoke(_verify_seal, day=seal[0], value=seal[1])


@click.command()
@click.argument("day")
@click.argument("value")
@pass_container
def _verify_seal(c: Container, day: str, value: str) -> None:
    when = Period.of(day, day).start
    with c.sessions() as session:
        check = verify_seal(session, when, value)
    vi = current_lang() == "vi"
    if check.ok:
        click.echo(f"OK: {'dữ liệu khớp niêm phong ngày' if vi else 'the database matches the seal of'} "
                   f"{when:%d/%m/%Y} ({check.actual.short_code}, {check.actual.case_count} "
                   f"{'hồ sơ' if vi else 'cases'})")
        return
    click.echo(f"{'KHÔNG KHỚP' if vi else 'MISMATCH'}: {'niêm phong ngày' if vi else 'seal of'} {when:%d/%m/%Y} "
               f"{'đã giữ' if vi else 'kept'} {check.given}, {'dữ liệu hiện cho' if vi else 'the database now gives'} "
               f"{check.actual.short_code} ({check.actual.root_hash})", err=True)
    if check.recorded is not None and not check.recorded_matches:
        click.echo(("  giá trị lưu trong hệ thống ngày đó cũng khác: " if vi else
                    "  the value recorded in the system that day differs too: ") + check.recorded, err=True)
    raise SystemExit(1)


@audit.command("export")
@click.option("--case", "code", default=None, help="One case's history.")
@click.option("--unit", default=None, help="Every case of this unit (and below) received in the period.")
@click.option("--from", "start", default=None)
@click.option("--to", "end", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, writable=True))
@click.option("--as", "username", default=None, help="Export as this user (their units and disclosure).")
@pass_container
def audit_export(c: Container, code: str | None, unit: str | None, start: str | None, end: str | None, fmt: str,
                 output: str | None, username: str | None) -> None:
    """Xuất lịch sử hồ sơ / export case histories with their chain verification."""
    if bool(code) == bool(unit):
        fail("--case CODE | --unit CODE --from DATE --to DATE")
    if unit and not (start and end):
        fail("--unit needs --from and --to")
    actor = _actor(c, username)
    with c.sessions() as session:
        sel = select_case(session, actor, code) if code else select_unit(session, actor, unit or "",
                                                                          Period.of(start, end))
        chunks: Any = (history_json(session, actor, sel, now=c.clock.now()) if fmt == "json"
                       else history_csv(session, actor, sel, HistoryLabels(session, current_lang(), c.workflows)))
        _write_text(chunks, output)
