"""Delivery from the outbox: at least once, exactly once when nothing crashes, retries
with backoff while the mail server is down, dead after the limit, no double sends by
concurrent workers, and crashed sends retried after their lease."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.models import EmailItem, InboxItem, NotificationDelivery, OutboxMessage
from notifications import NotifySettings, run_once
from notifications.admin import list_dead, retry_dead
from notifications.delivery import backoff, claim_due, deliver_due
from notifications.worker import default_channels
from web.cli.main import _register, cli

from .test_notify_support import give_emails, notify_settings, rng, smtp_server, user_id  # noqa: F401


def _cases(world, service, n: int = 3) -> list[str]:
    codes = []
    for i in range(n):
        case = world.new_case(content=f"Ý kiến số {i}")
        service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Chuyển phòng"})
        codes.append(case.code)
    return codes


def _deliveries(sessions, channel: str = "email") -> list[NotificationDelivery]:
    with sessions() as session:
        return list(session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == channel)
                                    .order_by(NotificationDelivery.id)))


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    settings = NotifySettings(_env_file=None, backoff_base_seconds=60, backoff_max_seconds=3600)
    r = random.Random(1)
    for attempt, nominal in [(1, 60), (2, 120), (3, 240), (4, 480), (7, 3600), (30, 3600)]:
        delays = [backoff(attempt, settings, r).total_seconds() for _ in range(200)]
        assert all(nominal / 2 <= d <= nominal for d in delays)
        assert len(set(delays)) > 100  # jitter: retries of many deliveries spread out


def test_outbox_rows_fan_out_once_and_are_marked_processed(world, service, sessions, clock, smtp_server,
                                                           notify_settings, rng):
    give_emails(sessions)
    _cases(world, service, 2)
    first = run_once(sessions, notify_settings, clock, rng=rng)
    again = run_once(sessions, notify_settings, clock, rng=rng)
    assert first.outbox_processed == 4 and again.outbox_processed == 0
    assert again.sent == 0 and again.emails_composed == 0
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == "pending")) == 0
        assert all(m.processed_at == clock.now() for m in session.scalars(select(OutboxMessage)))
        # lead_a: 2 created + 2 escalated; off_kt and lead_kt: 2 escalated each.
        assert session.scalar(select(func.count()).select_from(InboxItem)) == 8
    assert Counter(r for _, rcpts, _ in smtp_server.envelopes for r in rcpts) == {
        "lead_a@nghedan.test": 1, "off_kt@nghedan.test": 1, "lead_kt@nghedan.test": 1}


def test_smtp_down_then_up_every_message_arrives_exactly_once(world, service, sessions, clock, smtp_server,
                                                               notify_settings, rng):
    give_emails(sessions)
    _cases(world, service, 3)
    smtp_server.stop()

    down = run_once(sessions, notify_settings, clock, rng=rng)
    assert down.emails_composed == 3 and down.sent == 0 and down.failed == 3
    first_try = _deliveries(sessions)
    assert {(d.status, d.attempts) for d in first_try} == {("failed", 1)}
    assert all("ConnectionRefusedError" in d.last_error for d in first_try)
    # Backoff: the next attempt is between half and the whole base delay away.
    for d in first_try:
        assert timedelta(seconds=30) <= d.next_attempt_at - clock.now() <= timedelta(seconds=60)

    # Not due yet: nothing is attempted.
    assert run_once(sessions, notify_settings, clock, rng=rng).claimed == 0
    clock.advance(timedelta(seconds=61))
    assert run_once(sessions, notify_settings, clock, rng=rng).failed == 3
    assert {d.attempts for d in _deliveries(sessions)} == {2}

    smtp_server.start()
    clock.advance(timedelta(seconds=30))  # second backoff is 60–120 s: not yet
    assert run_once(sessions, notify_settings, clock, rng=rng).sent == 0
    clock.advance(timedelta(seconds=91))
    up = run_once(sessions, notify_settings, clock, rng=rng)
    assert up.sent == 3
    for _ in range(3):
        clock.advance(timedelta(hours=2))
        assert run_once(sessions, notify_settings, clock, rng=rng).sent == 0

    assert sorted(r for _, rcpts, _ in smtp_server.envelopes for r in rcpts) == [
        "lead_a@nghedan.test", "lead_kt@nghedan.test", "off_kt@nghedan.test"]
    assert set(smtp_server.message_ids().values()) == {1}
    delivered = _deliveries(sessions)
    assert {(d.status, d.attempts) for d in delivered} == {("sent", 3)}
    assert all(d.sent_at == clock.now() - timedelta(hours=6) for d in delivered)


def test_after_the_retry_limit_a_delivery_is_dead_with_its_last_error_shown(
        world, service, sessions, clock, smtp_server, notify_settings, rng, db_url):
    give_emails(sessions)
    case = world.new_case()
    smtp_server.stop()
    settings = notify_settings.model_copy(update={"retry_span_seconds": 3 * 3600})
    for _ in range(5):
        run_once(sessions, settings, clock, rng=rng)
        clock.advance(timedelta(hours=2))
    [dead] = _deliveries(sessions)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert dead.last_error.startswith("attempt 3: ConnectionRefusedError")

    with sessions() as session:
        [shown] = list_dead(session)
    assert shown.id == dead.id and shown.to == "lead_a <lead_a@nghedan.test>" and shown.attempts == 3

    _register()
    result = CliRunner().invoke(cli, ["--database-url", db_url, "notify", "dead"])
    assert result.exit_code == 0, result.output
    assert f"#{dead.id}" in result.output and "lead_a@nghedan.test" in result.output
    assert "ConnectionRefusedError" in result.output and "3" in result.output

    # Once the cause is fixed an admin gives it another round; it goes out once.
    smtp_server.start()
    with sessions() as session:
        assert retry_dead(session, [dead.id], now=clock.now()) == [dead.id]
        session.commit()
    assert run_once(sessions, settings, clock, rng=rng).sent == 1
    [mail] = smtp_server.messages
    assert case.code in mail["Subject"]


def test_a_mailbox_refused_for_good_is_dead_at_once(world, service, sessions, clock, smtp_server,
                                                    notify_settings, rng):
    give_emails(sessions)
    smtp_server.refuse.add("lead_a@nghedan.test")
    world.new_case()
    stats = run_once(sessions, notify_settings, clock, rng=rng)
    [d] = _deliveries(sessions)
    assert (d.status, d.attempts, stats.dead) == ("dead", 1, 1)
    assert d.last_error == "attempt 1: recipient refused: 550 5.1.1 No such mailbox"
    assert smtp_server.envelopes == []


def test_an_address_that_would_inject_headers_is_dead_not_sent(world, service, sessions, clock, smtp_server,
                                                               notify_settings, rng):
    give_emails(sessions)
    from engine.models import User
    with sessions() as session:
        session.scalar(select(User).where(User.username == "lead_a")).email = "lead_a@nghedan.test\r\nBcc: x@y.z"
        session.commit()
    world.new_case()
    stats = run_once(sessions, notify_settings, clock, rng=rng)
    [d] = _deliveries(sessions)
    assert d.status == "dead" and stats.dead == 1 and smtp_server.envelopes == []
    assert "not a usable email address" in d.last_error


def test_without_smtp_settings_emails_wait_and_go_once_configured(world, service, sessions, clock, smtp_server,
                                                                  notify_settings, rng):
    give_emails(sessions)
    _cases(world, service, 1)
    off = notify_settings.model_copy(update={"smtp_host": None})
    stats = run_once(sessions, off, clock, rng=rng)
    assert stats.emails_composed == 3 and stats.claimed == 0
    assert {(d.status, d.attempts) for d in _deliveries(sessions)} == {("pending", 0)}
    assert run_once(sessions, notify_settings, clock, rng=rng).sent == 3


def test_two_workers_at_once_never_send_a_message_twice(world, service, sessions, clock, smtp_server,
                                                        notify_settings):
    give_emails(sessions)
    codes = _cases(world, service, 4)
    for code in codes:
        service.remark(world["aud_p"], code, "Đề nghị xử lý sớm", kind="urge")
    settings = notify_settings.model_copy(update={"batch_size": 1})
    # Many small emails: hold nothing back, so every pass composes what it finds.
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                run_once(sessions, settings, clock, rng=random.Random(seed))
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    ids = smtp_server.message_ids()
    assert ids and set(ids.values()) == {1}, ids
    delivered = _deliveries(sessions)
    assert len(ids) == len(delivered) and {d.status for d in delivered} == {"sent"}
    assert {d.attempts for d in delivered} == {1}
    with sessions() as session:
        # Every email item went into exactly one email.
        assert session.scalar(select(func.count()).select_from(EmailItem)
                              .where(EmailItem.delivery_id.is_(None))) == 0


def test_two_delivery_loops_at_once_over_many_due_deliveries(world, service, sessions, clock, smtp_server,
                                                             notify_settings):
    give_emails(sessions)
    for _ in range(6):
        world.new_case()
    settings = notify_settings.model_copy(update={"batch_size": 2})
    # Six separate emails to lead_a: compose between cases.
    with sessions() as session:
        from notifications.fanout import fan_out
        from notifications.compose import compose_emails
        for msg_batch in range(6):
            fan_out(session, clock.now(), limit=1)
            compose_emails(session, clock.now(), settings)
        session.commit()
    assert len(_deliveries(sessions)) == 6
    channels = default_channels(settings)
    barrier = threading.Barrier(3)
    results = []

    def loop(seed: int) -> None:
        barrier.wait()
        results.append(deliver_due(sessions, clock, settings, channels, random.Random(seed)))

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.sent for r in results) == 6 and sum(r.claimed for r in results) == 6
    assert len(smtp_server.envelopes) == 6 and set(smtp_server.message_ids().values()) == {1}


def test_a_crash_between_claim_and_sent_is_retried_after_the_lease(world, service, sessions, clock, smtp_server,
                                                                   notify_settings, rng):
    give_emails(sessions)
    world.new_case()
    settings = notify_settings.model_copy(update={"immediate_quiet_seconds": 0})
    with sessions() as session:
        from notifications.compose import compose_emails
        from notifications.fanout import fan_out
        fan_out(session, clock.now())
        compose_emails(session, clock.now(), settings)
        session.commit()
    # A worker claims the delivery and dies before sending it.
    claims, _ = claim_due(sessions, clock, settings, default_channels(settings))
    assert len(claims) == 1
    [d] = _deliveries(sessions)
    assert (d.status, d.attempts, d.lease_until) == ("sending", 1, clock.now() + timedelta(seconds=300))

    # Within the lease nobody else touches it.
    clock.advance(timedelta(seconds=299))
    assert run_once(sessions, settings, clock, rng=rng).claimed == 0
    assert smtp_server.envelopes == []

    clock.advance(timedelta(seconds=2))
    assert run_once(sessions, settings, clock, rng=rng).sent == 1
    [d] = _deliveries(sessions)
    assert (d.status, d.attempts) == ("sent", 2)
    assert "lease ran out" in d.last_error
    assert len(smtp_server.envelopes) == 1
    # The dead worker's token cannot overwrite the outcome any more.
    from notifications.delivery import _record
    assert _record(sessions, claims[0], status="failed") is False


def test_a_crash_after_the_server_accepted_resends_with_the_same_message_id(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    world.new_case()
    with sessions() as session:
        from notifications.compose import compose_emails
        from notifications.fanout import fan_out
        fan_out(session, clock.now())
        compose_emails(session, clock.now(), notify_settings)
        session.commit()
    channels = default_channels(notify_settings)
    [claim], _ = claim_due(sessions, clock, notify_settings, channels)
    with sessions() as session:
        prepared = channels["email"].prepare(session, session.get(NotificationDelivery, claim.id), clock.now())
    channels["email"].send(prepared, clock.now())  # accepted … and the worker dies here
    clock.advance(timedelta(seconds=301))
    assert run_once(sessions, notify_settings, clock, rng=rng).sent == 1
    # At least once: two copies, one Message-ID, so the receiver can drop the repeat.
    assert list(smtp_server.message_ids().values()) == [2]


def test_the_lease_outlasts_a_slow_send(notify_settings):
    channels = default_channels(notify_settings.model_copy(update={"smtp_timeout": 120, "lease_seconds": 60}))
    assert channels["email"].timeout >= 120


@pytest.mark.parametrize("status", ["sent", "dead"])
def test_finished_deliveries_are_never_claimed_again(world, service, sessions, clock, smtp_server,
                                                     notify_settings, rng, status):
    give_emails(sessions)
    world.new_case()
    run_once(sessions, notify_settings, clock, rng=rng)
    with sessions() as session:
        [d] = session.scalars(select(NotificationDelivery)).all()
        d.status = status
        session.commit()
    clock.advance(timedelta(days=30))
    assert run_once(sessions, notify_settings, clock, rng=rng).claimed == 0
    assert len(smtp_server.envelopes) == 1


def test_a_pass_stops_trying_a_mail_server_that_keeps_failing(world, service, sessions, clock, smtp_server,
                                                              notify_settings, rng):
    give_emails(sessions)
    case = world.new_case()
    for n, who in enumerate(("off_a", "lead_a", "off_kt", "lead_kt", "off_b", "lead_b")):
        from .test_notify_support import deadline_message
        deadline_message(sessions, case.code, "deadline.overdue", who, clock.now(), n=n)
    smtp_server.stop()
    settings = notify_settings.model_copy(update={"email_breaker_failures": 2})
    stats = run_once(sessions, settings, clock, rng=rng)
    assert stats.failed == 2 and stats.sent == 0
    delivered = _deliveries(sessions)
    assert len(delivered) == 6
    assert sorted(d.attempts for d in delivered) == [0, 0, 0, 0, 1, 1]
    assert {d.status for d in delivered} == {"failed"}
    untried = [d for d in delivered if d.attempts == 0]
    assert all(d.last_error.startswith("not tried") for d in untried)

    smtp_server.start()
    clock.advance(timedelta(minutes=5))
    assert run_once(sessions, settings, clock, rng=rng).sent == 6
    assert set(smtp_server.message_ids().values()) == {1} and len(smtp_server.envelopes) == 6


def test_one_malformed_outbox_row_does_not_hold_up_the_others(world, service, sessions, clock, smtp_server,
                                                              notify_settings, rng):
    give_emails(sessions)
    with sessions() as session:
        session.add(OutboxMessage(dedup_key="broken", kind="case.transitioned", recipient_user_id=None,
                                  case_id=None, unit_id=None, payload={"handling_unit": 42},  # not a unit code
                                  created_at=clock.now(), status="pending"))
        session.commit()
    case = world.new_case()
    from notifications import recipients
    original = recipients.recipients_for

    def explode_on_broken(session, msg):
        if msg.dedup_key == "broken":
            raise RuntimeError("malformed")
        return original(session, msg)

    import notifications.fanout as fanout
    fanout.recipients_for = explode_on_broken
    try:
        stats = run_once(sessions, notify_settings, clock, rng=rng)
    finally:
        fanout.recipients_for = original
    assert stats.outbox_processed == 1 and stats.sent == 1
    assert case.code in smtp_server.messages[0]["Subject"]
    with sessions() as session:
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.dedup_key == "broken")) == "pending"
