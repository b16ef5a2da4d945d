"""Notifications from the command line: test the mail settings, run a delivery pass,
see what could not be delivered, per-user preferences, and webhook subscriptions."""

from __future__ import annotations

from datetime import time

import click
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.clock import FrozenClock
from engine.models import User
from engine.services.fields import parse_instant
from notifications import run_once
from notifications.admin import count_by_status, list_dead, retry_dead
from notifications.channels import SendError
from notifications.email_channel import send_test_email
from notifications.preferences import get_preference, set_preference
from notifications.subscriptions import KNOWN_EVENTS, add_subscription, list_subscriptions, remove_subscription

from ..container import Container
from .main import cli, current_lang, fail, pass_container


def _local(value: object) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if value else "—"  # type: ignore[attr-defined]


@cli.group()
def notify() -> None:
    """Thông báo / notifications: email, webhooks, in-app."""


@notify.command("test")
@click.argument("email")
@pass_container
def notify_test(c: Container, email: str) -> None:
    """Send a test email with the configured SMTP settings and print what the server said.
    Exits 2 unless the server accepted the message (a 250 to it)."""
    try:
        transcript = send_test_email(c.notify_settings, email, c.clock.now(), lang=current_lang())
    except SendError as err:
        for line in err.transcript:
            click.echo(line)
        fail(f"{'failed' if current_lang() == 'en' else 'không gửi được'}: {err}")
        return
    for line in transcript.lines:
        click.echo(line)
    click.echo(f"{'accepted' if current_lang() == 'en' else 'máy chủ đã nhận'}: {transcript.accepted}")


@notify.command("run")
@click.option("--at", "at", default=None, metavar="ISO",
              help="Run the pass as of this instant (like `nghedan sweep --at`), e.g. 2027-02-20T09:00+07:00.")
@pass_container
def notify_run(c: Container, at: str | None) -> None:
    """One delivery pass: fan out the outbox, compose emails and digests, send what is due."""
    clock = FrozenClock(parse_instant("at", at)) if at else c.clock
    stats = run_once(c.sessions, c.notify_settings, clock, workflows=c.workflows)
    click.echo(stats.summary())
    for error in stats.errors[:20]:
        click.echo(f"  {error}", err=True)


@notify.command("status")
@pass_container
def notify_status(c: Container) -> None:
    """How many deliveries are in each state."""
    with c.sessions() as session:
        counts = count_by_status(session)
    for status in ("pending", "sending", "failed", "sent", "dead"):
        click.echo(f"{status}\t{counts.get(status, 0)}")


@notify.command("dead")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@pass_container
def notify_dead(c: Container, limit: int) -> None:
    """Deliveries given up (refused for good, or failing past the retry span), with their last error."""
    with c.sessions() as session:
        rows = list_dead(session, limit)
    if not rows:
        click.echo("no dead deliveries" if current_lang() == "en" else "không có thông báo nào gửi thất bại")
        return
    for d in rows:
        again = f"\trequeued {d.requeues}×" if d.requeues else ""
        click.echo(f"#{d.id}\t{d.channel}\t{d.to}\t{d.attempts} attempts\t{_local(d.last_attempt_at)}{again}")
        click.echo(f"\t{d.last_error or '—'}")


@notify.command("retry")
@click.argument("delivery_ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--all", "every", is_flag=True, help="Every dead delivery.")
@pass_container
def notify_retry(c: Container, delivery_ids: tuple[int, ...], every: bool) -> None:
    """Bring dead deliveries back to pending with a fresh retry span (after fixing the cause).
    Exits 2 if a given id was not dead (already requeued, sent, or unknown)."""
    en = current_lang() == "en"
    if every == bool(delivery_ids):
        fail("give delivery ids or --all (not both)" if en else "cần mã thông báo hoặc --all (không cả hai)")
    with c.cases.uow() as uow:
        requeued = retry_dead(uow.session, None if every else delivery_ids, now=c.clock.now())
        uow.commit()
    click.echo(f"{len(requeued)} requeued" if en else f"đã đưa lại {len(requeued)} thông báo vào hàng đợi")
    missed = sorted(set(delivery_ids) - set(requeued))
    if missed:
        listed = ", ".join(f"#{i}" for i in missed)
        fail(f"not dead (already requeued, sent, or unknown): {listed}" if en
             else f"không ở trạng thái gửi thất bại (đã đưa lại, đã gửi hoặc không có): {listed}")


@notify.command("prefs")
@click.argument("username")
@click.option("--mode", type=click.Choice(["immediate", "digest"]), default=None)
@click.option("--at", "digest_at", default=None, metavar="HH:MM", help="Local time of the daily digest.")
@click.option("--language", type=click.Choice(["vi", "en"]), default=None)
@click.option("--email/--no-email", "email_enabled", default=None)
@pass_container
def notify_prefs(c: Container, username: str, mode: str | None, digest_at: str | None, language: str | None,
                 email_enabled: bool | None) -> None:
    """Show or change how a user is notified."""
    at = None
    if digest_at is not None:
        try:
            at = time.fromisoformat(digest_at)
        except ValueError:
            fail(f"--at: not a time HH:MM: {digest_at}")
    with c.cases.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            fail(f"no user {username}")
            return
        address = user.email  # read now: the commit below expires the row and the session closes
        if any(v is not None for v in (mode, at, language, email_enabled)):
            pref = set_preference(uow.session, user.id, now=c.clock.now(), mode=mode, digest_time=at,
                                  language=language, email_enabled=email_enabled)
            uow.commit()
        else:
            pref = get_preference(uow.session, user.id)
    when = f" at {pref.digest_time:%H:%M} {pref.timezone}" if pref.mode == "digest" else ""
    click.echo(f"{username}: {pref.mode}{when}, {pref.language}, email {'on' if pref.email_enabled else 'off'}"
               f" ({address or 'no address'})")


@cli.group()
def webhooks() -> None:
    """Webhooks: signed JSON POSTs to integrations."""


@webhooks.command("add")
@click.argument("url")
@click.option("--events", "events", multiple=True, default=("case.*",), show_default=True,
              help=f"Event types, repeatable or comma-separated: {', '.join(KNOWN_EVENTS)}, case.*, deadline.*, *")
@click.option("--unit", "unit_code", default=None, help="Only cases raised or handled in this unit's subtree.")
@click.option("--description", default="")
@pass_container
def webhooks_add(c: Container, url: str, events: tuple[str, ...], unit_code: str | None, description: str) -> None:
    """Subscribe URL; prints the signing secret once (store it now)."""
    wanted = [e for chunk in events for e in chunk.split(",")]
    with c.cases.uow() as uow:
        sub, secret = add_subscription(uow.session, url, wanted, now=c.clock.now(), unit_code=unit_code,
                                       description=description, policy=c.notify_settings.webhook_policy)
        uow.commit()
    click.echo(f"webhook #{sub.id} → {sub.url}  events: {', '.join(sub.event_types)}  unit: {sub.unit or '*'}")
    click.echo(f"secret: {secret}")
    click.echo("The secret is shown only now; verify X-Nghedan-Signature with it." if current_lang() == "en"
               else "Khóa bí mật chỉ hiện một lần này; dùng nó để kiểm tra X-Nghedan-Signature.", err=True)


@webhooks.command("list")
@click.option("--all", "include_removed", is_flag=True, help="Include removed subscriptions.")
@pass_container
def webhooks_list(c: Container, include_removed: bool) -> None:
    with c.sessions() as session:
        subs = list_subscriptions(session, include_removed=include_removed)
    for sub in subs:
        state = "" if sub.active else "  (removed)"
        click.echo(f"#{sub.id}\t{sub.url}\t{','.join(sub.event_types)}\t{sub.unit or '*'}\t{sub.description}{state}")


@webhooks.command("remove")
@click.argument("subscription_id", type=int)
@pass_container
def webhooks_remove(c: Container, subscription_id: int) -> None:
    with c.cases.uow() as uow:
        dropped = remove_subscription(uow.session, subscription_id, now=c.clock.now())
        uow.commit()
    click.echo(f"webhook #{subscription_id} removed; {dropped} pending deliveries dropped")
