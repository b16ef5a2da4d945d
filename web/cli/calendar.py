"""The working calendar from the command line: list a year, add or remove an
override (open deadlines move with it), refresh after a new ``holidays`` release."""

from __future__ import annotations

import getpass
from datetime import date

import click

from engine.calendar import LOCAL_TZ
from engine.errors import InvalidField
from engine.services import calendar_changes, calendars

from ..container import Container
from .main import cli, current_lang, pass_container

__all__ = ["calendar_group"]

_WEEKDAYS_VI = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(field="day", problem_vi=f"“{text[:40]}” không phải ngày dạng YYYY-MM-DD",
                           problem_en=f"“{text[:40]}” is not a date like YYYY-MM-DD") from None


def _year(text: str) -> int:
    if not text.strip().isdigit():
        raise InvalidField(field="year", problem_vi=f"“{text[:40]}” không phải một năm",
                           problem_en=f"“{text[:40]}” is not a year")
    return int(text.strip())


def _who(given: str | None) -> str:
    # An operator at a shell: their login name says who recorded the announcement.
    return given or f"cli:{getpass.getuser()}"


def _say(vi: str, en: str) -> None:
    click.echo(vi if current_lang() == "vi" else en)


def _shown(d: date) -> str:
    weekday = _WEEKDAYS_VI[d.weekday()] if current_lang() == "vi" else d.strftime("%a")
    return f"{d:%d/%m/%Y} {weekday}"


def _moved(result: calendar_changes.ChangeResult) -> None:
    _say(f"đã tính lại hạn của {result.moved} ý kiến đang mở", f"{result.moved} open deadlines recomputed")


@cli.group("calendar")
def calendar_group() -> None:
    """Lịch làm việc / working-day overrides announced by the government."""


def _override(c: Container, day: str, kind: str, note: str, who: str | None) -> None:
    d = _day(day)
    result = calendar_changes.change_override(c.cases, d, kind, note, actor=_who(who))
    click.echo(f"{d:%d/%m/%Y}: {kind}")
    _moved(result)


@calendar_group.command("off")
@click.argument("day")
@click.option("--note", default="")
@click.option("--as", "who", default=None, help="Who recorded it (default: your login name).")
@pass_container
def calendar_off(c: Container, day: str, note: str, who: str | None) -> None:
    """Mark an extra day off (YYYY-MM-DD); open deadlines move with it."""
    _override(c, day, "day_off", note, who)


@calendar_group.command("workday")
@click.argument("day")
@click.option("--note", default="")
@click.option("--as", "who", default=None, help="Who recorded it (default: your login name).")
@pass_container
def calendar_workday(c: Container, day: str, note: str, who: str | None) -> None:
    """Mark a make-up working day (e.g. a Saturday); open deadlines move with it."""
    _override(c, day, "working_day", note, who)


@calendar_group.command("remove")
@click.argument("day")
@click.option("--as", "who", default=None, help="Who removed it (default: your login name).")
@pass_container
def calendar_remove(c: Container, day: str, who: str | None) -> None:
    """Remove an override (YYYY-MM-DD); open deadlines move back."""
    d = _day(day)
    result = calendar_changes.drop_override(c.cases, d, actor=_who(who))
    _say(f"{d:%d/%m/%Y}: đã bỏ điều chỉnh", f"{d:%d/%m/%Y}: override removed")
    _moved(result)


@calendar_group.command("list")
@click.argument("year")
@pass_container
def calendar_list(c: Container, year: str) -> None:
    """Built-in holidays, make-up working days and overrides of YEAR."""
    with c.sessions() as session:
        listing = calendars.year_listing(session, _year(year), c.cases.holidays)
        _say(f"Lịch năm {listing.year} ({listing.source_version})", f"Calendar {listing.year} ({listing.source_version})")
        _say("Ngày nghỉ lễ:", "Public holidays:")
        for d, name in listing.holidays:
            click.echo(f"  {_shown(d)}  {name}")
        _say("Ngày làm bù:", "Make-up working days:")
        for d in listing.swaps:
            click.echo(f"  {_shown(d)}")
        _say("Điều chỉnh của quản trị:", "Admin overrides:")
        if not listing.overrides:
            _say("  (không có)", "  (none)")
        for row in listing.overrides:
            when = row.added_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if row.added_at else "—"
            click.echo(f"  {_shown(row.day)}  {row.kind}  {row.added_by or '—'}  {when}  {row.note}".rstrip())


@calendar_group.command("refresh")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=calendar_changes.DEFAULT_BATCH,
              show_default=True)
@pass_container
def calendar_refresh(c: Container, batch_size: int) -> None:
    """Finish interrupted recomputations and follow a new ``holidays`` release.

    The worker does this on every sweep; run it after upgrading the package."""
    result = calendar_changes.refresh(c.cases, batch_size=batch_size)
    _say(f"{len(result.changes)} thay đổi lịch", f"{len(result.changes)} calendar changes")
    _moved(result)


@calendar_group.command("show")
@click.argument("day")
@click.option("--working-days", type=int, default=None, help="Also show the deadline N working days later.")
@pass_container
def calendar_show(c: Container, day: str, working_days: int | None) -> None:
    d = _day(day)
    with c.sessions() as session:
        cal = c.cases.calendar(session)
    click.echo(f"{d:%d/%m/%Y}: {'working day' if cal.is_working_day(d) else 'day off'}")
    if working_days is not None:
        click.echo(f"+{working_days} working days: {cal.add_working_days(d, working_days):%d/%m/%Y}")
