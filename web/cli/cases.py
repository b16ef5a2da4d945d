"""Working on cases from the command line, as a named user."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from engine.actors import Actor
from engine.calendar import LOCAL_TZ, deadline_parts
from engine.catalogue import text as _
from engine.listing import CaseQuery, page_cases
from engine.services.cases import NewCase
from engine.services.directory import actor_for
from engine.services.views import CaseSnapshot
from engine.vocab import TOPICS, label
from engine.workflow import final_states

from ..container import Container
from .main import cli, current_lang, pass_container


def local(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if instant else "—"


def _due(instant: datetime | None, lang: str) -> str:
    # The exact end, as the case page reads it: "24:00 ngày 23/12/2026".
    if instant is None:
        return "—"
    clock, day = deadline_parts(instant)
    return _("due_instant", lang, time=clock, date=f"{day:%d/%m/%Y}")


def _actor(c: Container, username: str) -> Actor:
    with c.sessions() as session:
        return actor_for(session, username, on=c.clock.now().astimezone(LOCAL_TZ).date())


def _print_case(c: Container, snap: CaseSnapshot, lang: str) -> None:
    wf = c.workflows[snap.workflow]
    click.echo(f"{snap.code}  [{wf.label(snap.state, lang)}]  v{snap.version}")
    click.echo(f"  {label(TOPICS, snap.topic, lang)} · {snap.origin_unit} → {snap.handling_unit}")
    click.echo(f"  {_('cli.due', lang)}: {_due(snap.due_at, lang)}")
    if snap.answer:
        click.echo(f"  {_('cli.answer', lang)}: {snap.answer}")


@cli.group()
def cases() -> None:
    """Ý kiến, kiến nghị / cases."""


@cases.command("create")
@click.option("--as", "username", required=True, help="The official recording the opinion.")
@click.option("--workflow", default="nghe-dan-noi", show_default=True)
@click.option("--unit", required=True, help="Unit where the opinion was raised.")
@click.option("--topic", required=True, type=click.Choice(list(TOPICS)))
@click.option("--kind", default="kien_nghi", show_default=True)
@click.option("--channel", default="meeting", show_default=True)
@click.option("--content", required=True)
@click.option("--citizen-name")
@click.option("--citizen-phone")
@click.option("--received-at", help="ISO 8601 with offset, for opinions copied from a notebook.")
@pass_container
def cases_create(c: Container, username: str, workflow: str, unit: str, topic: str, kind: str,
                 channel: str, content: str, citizen_name: str | None, citizen_phone: str | None,
                 received_at: str | None) -> None:
    """Record a citizen's opinion; prints its tracking code."""
    snap = c.cases.create(_actor(c, username), NewCase(
        workflow=workflow, unit=unit, topic=topic, kind=kind, channel=channel, content=content,
        citizen_name=citizen_name, citizen_phone=citizen_phone, received_at=received_at))
    _print_case(c, snap, current_lang())


@cases.command("fire")
@click.argument("code")
@click.argument("trigger")
@click.option("--as", "username", required=True)
@click.option("--set", "fields", multiple=True, metavar="FIELD=VALUE",
              help="Data the action needs, e.g. --set answer='...' --set target_unit=PHONG-TNMT.")
@click.option("--note", default=None)
@click.option("--expected-version", type=int, default=None)
@pass_container
def cases_fire(c: Container, code: str, trigger: str, username: str, fields: tuple[str, ...],
               note: str | None, expected_version: int | None) -> None:
    """Advance a case: answer_on_site, escalate, answer, verify, resolve, ..."""
    data: dict[str, Any] = {}
    for item in fields:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--set")
        data[name.strip()] = value
    if note is not None:
        data["note"] = note
    snap = c.cases.fire(_actor(c, username), code, trigger, data, expected_version=expected_version)
    _print_case(c, snap, current_lang())


@cases.command("remark")
@click.argument("code")
@click.option("--as", "username", required=True)
@click.option("--kind", type=click.Choice(["remark", "urge", "confirm"]), default="remark")
@click.option("--note", required=True)
@pass_container
def cases_remark(c: Container, code: str, username: str, kind: str, note: str) -> None:
    """A supervision remark by the Front (changes no state)."""
    snap = c.cases.remark(_actor(c, username), code, note, kind=kind)
    click.echo(f"{snap.code}: {kind} #{snap.event_count}")


@cases.command("show")
@click.argument("code")
@click.option("--as", "username", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_container
def cases_show(c: Container, code: str, username: str, as_json: bool) -> None:
    """A case, its history and what you may do with it now."""
    actor, lang = _actor(c, username), current_lang()
    snap = c.cases.get(actor, code)
    events = c.cases.history(actor, code)
    options = c.cases.allowed_actions(actor, code)
    if as_json:
        click.echo(json.dumps({
            "case": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in snap.__dict__.items()},
            "events": [{**e.__dict__, "at": e.at.isoformat()} for e in events],
            "actions": [{"trigger": o.trigger, "allowed": o.allowed, "requires": o.requires,
                         "refusal": o.refusal.message(lang) if o.refusal else None} for o in options],
        }, ensure_ascii=False, indent=2))
        return
    _print_case(c, snap, lang)
    click.echo(f"  {snap.content}")
    for e in events:
        click.echo(f"  #{e.seq} {local(e.at)} {e.actor}: {e.trigger} {e.from_state or '∅'} → {e.to_state}"
                   + (f" — {e.note}" if e.note else ""))
    for o in options:
        mark = "✓" if o.allowed else "✗"
        why = f" ({o.refusal.message(lang)})" if o.refusal else ""
        click.echo(f"  {mark} {o.trigger} [{', '.join(o.requires)}]{why}")


@cases.command("list")
@click.option("--as", "username", required=True)
@click.option("--overdue", is_flag=True, help="Only cases past their deadline.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
@pass_container
def cases_list(c: Container, username: str, overdue: bool, limit: int) -> None:
    """Open cases in your units, most urgent first."""
    actor, lang = _actor(c, username), current_lang()
    now = c.clock.now()
    query = CaseQuery(open_only=True, final_states=final_states(c.workflows), overdue_at=now if overdue else None,
                      order="due")
    with c.sessions() as session:
        rows = page_cases(session, actor, query, limit=limit, max_limit=1000).items
    for case in rows:
        late = " QUÁ HẠN" if case.due_at and case.due_at < now else ""
        click.echo(f"{case.code}\t{c.workflows[case.workflow].label(case.state, lang)}\t"
                   f"{_due(case.due_at, lang)}{late}\t{case.handling_unit}\t{case.content[:60]}")
