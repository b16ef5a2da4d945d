"""Delivery from several OS processes at once (issue 8), against a real aiosmtpd server
and a real HTTP receiver on loopback: every email and every webhook arrives exactly
once; a process killed (SIGKILL) after claiming loses nothing and repeats only the
message the server had already accepted, under the same Message-ID / Idempotency-Key
(the at-least-once promise of notifications/delivery.py); a sweep and a delivery pass
in two processes over one database alert once per due timer.

Children are started with 'spawn' (a fresh interpreter, as a second worker would be)
and get the database URL; they start together on a Barrier so that they overlap."""

from __future__ import annotations

import multiprocessing
import random
import re
import signal
import threading
from collections import Counter
from datetime import datetime, time, timedelta
from email import message_from_bytes, policy

from sqlalchemy import func, select

from engine.clock import FrozenClock
from engine.db import make_engine, make_session_factory
from engine.deadline_rules import sweep
from engine.models import Case, EmailItem, NotificationDelivery, OutboxMessage, User
from notifications import run_once
from notifications.compose import compose_emails
from notifications.fanout import fan_out
from notifications.subscriptions import add_subscription
from notifications.worker import default_channels

from .test_notify_support import (deadline_message, give_emails, notify_settings, smtp_server,  # noqa: F401
                                  webhook_server)
from .test_sweep import SWEEP_AT, overdue_cases
from .test_webhook_delivery import LOOPBACK

SPAWN = multiprocessing.get_context("spawn")
WAIT = 120  # seconds: a generous bound for a child, never a timing assumption


# --------------------------------------------------------------- in the children

class _HangAfter:
    """A channel whose n-th send in this process reaches the server, then hangs before
    the result is recorded: the worst moment for the process to be killed."""

    def __init__(self, inner, sends: list[int], n: int, hung, out) -> None:
        self.inner, self.sends, self.n, self.hung, self.out = inner, sends, n, hung, out

    def __getattr__(self, attr):  # name, enabled, timeout, prepare
        return getattr(self.inner, attr)

    def send(self, prepared, now):
        answer = self.inner.send(prepared, now)
        self.sends[0] += 1
        if self.sends[0] == self.n:
            key = getattr(prepared, "key", None) or str(prepared.message["Message-ID"])
            self.out.put(key)
            self.hung.set()
            threading.Event().wait()  # until SIGKILL
        return answer


def _deliver_in_process(url, settings, at, go, out, until=None, hang_after=0, hung=None) -> None:
    """A delivery worker: run_once (what web.worker.deliver_job runs) until a pass finds
    nothing to do — and, with ``until``, not before that event is set (a sweep is done)."""
    sessions = make_session_factory(make_engine(url))
    clock = FrozenClock(datetime.fromisoformat(at))
    channels = default_channels(settings)
    if hang_after:
        sends = [0]
        channels = {name: _HangAfter(ch, sends, hang_after, hung, out) for name, ch in channels.items()}
    if go is not None:
        go.wait(WAIT)
    sent = 0
    while True:
        last = until is None or until.is_set()  # read before the pass: it must start after the sweep ended
        stats = run_once(sessions, settings, clock, channels=channels, rng=random.Random())
        sent += stats.sent
        if last and not (stats.outbox_processed or stats.emails_composed or stats.claimed or stats.dead):
            break
    out.put(sent)


def _sweep_in_process(url, at, go, done, out) -> None:
    from workflows import load_builtin

    class Source:  # what engine.deadline_rules.sweep needs (a CaseService has it)
        session_factory = make_session_factory(make_engine(url))
        workflows = load_builtin()
        office_close = time(17, 0)

    go.wait(WAIT)
    try:
        out.put(sweep(Source(), datetime.fromisoformat(at), batch_size=3).overdue)  # many small batches
    finally:
        done.set()


# ----------------------------------------------------------------- in the parent

def _cases_heard_by_nobody(world, sessions, clock, settings, n: int, **where) -> None:
    """n cases whose own case.created notices are fanned out before anyone has an
    address or a webhook: only the alerts that follow reach the servers."""
    overdue_cases(world, n, **where)
    run_once(sessions, settings, clock)


def _subscribe(sessions, clock, receiver) -> None:
    with sessions() as session:
        _, secret = add_subscription(session, receiver.url("/alerts"), ["deadline.*"], now=clock.now(),
                                     policy=LOOPBACK)
        session.commit()
    receiver.secrets["/alerts"] = secret


def _alerts(sessions) -> Counter[tuple[str, str]]:
    """(recipient, case) of every deadline alert in the outbox."""
    with sessions() as s:
        return Counter(s.execute(select(User.username, Case.code)
                                 .join(OutboxMessage, OutboxMessage.recipient_user_id == User.id)
                                 .join(Case, Case.id == OutboxMessage.case_id)
                                 .where(OutboxMessage.kind.like("deadline.%"))).all())


def _emailed(smtp) -> Counter[tuple[str, str]]:
    """(recipient, case) of every case line in every email received."""
    got: Counter[tuple[str, str]] = Counter()
    for _, rcpts, raw in smtp.envelopes:
        text = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
        for code in set(re.findall(r"/cases/([\w-]+)", text)):
            got.update((rcpt.split("@")[0], code) for rcpt in rcpts)
    return got


def _posted(receiver) -> Counter[tuple[str, str]]:
    assert all(r.signature_ok for r in receiver.received)
    return Counter((r.json["recipient"], r.json["case"]) for r in receiver.received)


def _receipts(smtp, receiver) -> Counter[str]:
    """How often each message arrived, by its idempotency key."""
    return smtp.message_ids() + Counter(r.headers["Idempotency-Key"] for r in receiver.received)


def _statuses(sessions) -> Counter[str]:
    with sessions() as s:
        return Counter(s.scalars(select(NotificationDelivery.status)))


def _nothing_left(sessions) -> None:
    with sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxMessage.status == "pending")) == 0
        assert s.scalar(select(func.count()).where(EmailItem.delivery_id.is_(None))) == 0
    assert set(_statuses(sessions)) == {"sent"}  # none pending, failed or sending


def _overdue_alerts_for(world, sessions, clock, settings, receiver, cases: int, who: tuple[str, ...],
                        composed_one_by_one: int) -> None:
    """An alert per case and person; the first ``composed_one_by_one`` are fanned out
    and composed one at a time here (one email each: many deliveries to fight over),
    the rest are left in the outbox for the workers' own fan-out and compose."""
    _cases_heard_by_nobody(world, sessions, clock, settings, cases)
    give_emails(sessions)
    _subscribe(sessions, clock, receiver)
    with sessions() as s:
        codes = list(s.scalars(select(Case.code).order_by(Case.id)))
    for code in codes:
        for person in who:
            deadline_message(sessions, code, "deadline.overdue", person, clock.now())
    with sessions() as s:
        for _ in range(composed_one_by_one):
            fan_out(s, clock.now(), limit=1)
            compose_emails(s, clock.now(), settings)
        s.commit()


def test_two_delivery_processes_send_every_email_and_webhook_exactly_once(
        world, sessions, clock, db_url, smtp_server, webhook_server, notify_settings):
    settings = notify_settings.model_copy(update={"batch_size": 5})  # many small claims: more interleaving
    _overdue_alerts_for(world, sessions, clock, settings, webhook_server, cases=64,
                        who=("lead_a", "off_kt", "lead_b"), composed_one_by_one=144)
    expected = _alerts(sessions)
    assert len(expected) == 192 and set(expected.values()) == {1}

    go, out = SPAWN.Barrier(2), SPAWN.Queue()
    workers = [SPAWN.Process(target=_deliver_in_process, args=(db_url, settings, clock.now().isoformat(), go, out))
               for _ in range(2)]
    for p in workers:
        p.start()
    sent = [out.get(timeout=WAIT) for _ in workers]
    for p in workers:
        p.join(WAIT)
    assert [p.exitcode for p in workers] == [0, 0]

    _nothing_left(sessions)
    receipts = _receipts(smtp_server, webhook_server)
    # Between them the two did every delivery once (who did how many is up to the race).
    assert sum(sent) == sum(_statuses(sessions).values()) == len(receipts) > 192
    assert set(receipts.values()) == {1}
    assert _emailed(smtp_server) == expected and _posted(webhook_server) == expected


def test_a_process_killed_after_claiming_loses_nothing_and_repeats_only_what_the_server_accepted(
        world, sessions, clock, db_url, smtp_server, webhook_server, notify_settings):
    settings = notify_settings.model_copy(update={"batch_size": 8})
    _overdue_alerts_for(world, sessions, clock, settings, webhook_server, cases=24,
                        who=("lead_a", "off_kt"), composed_one_by_one=48)
    expected = _alerts(sessions)
    at = clock.now().isoformat()

    # The victim claims a batch of 8, sends 2, gets the 3rd accepted and hangs unrecorded.
    hung, victim_out, out = SPAWN.Event(), SPAWN.Queue(), SPAWN.Queue()
    victim = SPAWN.Process(target=_deliver_in_process, args=(db_url, settings, at, None, victim_out),
                           kwargs={"hang_after": 3, "hung": hung})
    # The survivor starts the moment the victim hangs and runs while it is killed.
    survivor = SPAWN.Process(target=_deliver_in_process, args=(db_url, settings, at, hung, out))
    victim.start()
    survivor.start()
    assert hung.wait(WAIT)
    accepted_unrecorded = victim_out.get(timeout=WAIT)
    victim.kill()
    victim.join(WAIT)
    assert victim.exitcode == -signal.SIGKILL
    survivor_sent = out.get(timeout=WAIT)
    survivor.join(WAIT)
    assert survivor.exitcode == 0

    # Everything but the victim's claimed batch went out; those 6 wait for their lease.
    assert _statuses(sessions) == {"sent": 2 + survivor_sent, "sending": 6}
    clock.advance(timedelta(seconds=settings.lease_seconds + 1))
    assert run_once(sessions, settings, clock).sent == 6
    _nothing_left(sessions)
    with sessions() as s:
        retried = list(s.scalars(select(NotificationDelivery).where(NotificationDelivery.attempts > 1)))
    assert len(retried) == 6 and all("lease ran out" in d.last_error for d in retried)

    # Nothing lost; the one message the server had accepted came twice, same key.
    receipts = _receipts(smtp_server, webhook_server)
    assert len(receipts) == 2 * len(expected) == sum(_statuses(sessions).values())
    assert {key: n for key, n in receipts.items() if n > 1} == {accepted_unrecorded: 2}
    assert set(_emailed(smtp_server)) == set(expected) == set(_posted(webhook_server))


def test_a_sweep_and_a_delivery_pass_in_two_processes_alert_once(
        world, sessions, clock, db_url, smtp_server, webhook_server, notify_settings):
    _cases_heard_by_nobody(world, sessions, clock, notify_settings, 16)
    _cases_heard_by_nobody(world, sessions, clock, notify_settings, 16, unit="B1", who="off_b")
    give_emails(sessions)
    _subscribe(sessions, clock, webhook_server)

    # The delivery worker keeps passing until the sweep is done, then until a pass is empty.
    go, done, swept, out = SPAWN.Barrier(2), SPAWN.Event(), SPAWN.Queue(), SPAWN.Queue()
    at = SWEEP_AT.isoformat()
    sweeper = SPAWN.Process(target=_sweep_in_process, args=(db_url, at, go, done, swept))
    deliverer = SPAWN.Process(target=_deliver_in_process, args=(db_url, notify_settings, at, go, out, done))
    for p in (sweeper, deliverer):
        p.start()
    assert swept.get(timeout=WAIT) == 32
    sent = out.get(timeout=WAIT)
    for p in (sweeper, deliverer):
        p.join(WAIT)
    assert [sweeper.exitcode, deliverer.exitcode] == [0, 0]

    alerts = _alerts(sessions)  # one overdue alert per case, to its unit's leader
    assert len(alerts) == 32 and set(alerts.values()) == {1}
    assert {who for who, _ in alerts} == {"lead_a", "lead_b"}
    _nothing_left(sessions)
    receipts = _receipts(smtp_server, webhook_server)
    assert sent == len(receipts) == sum(_statuses(sessions).values()) and set(receipts.values()) == {1}
    assert _emailed(smtp_server) == alerts and _posted(webhook_server) == alerts
