"""Delivery truth (issue 13, item 1): a message is ``sent`` only when the server took
it — SMTP 250 to the message itself, HTTP 2xx — against real servers on loopback.
4xx and lost connections are retried; a 5xx to the message is final and its words
are kept; `nghedan notify test` exits 2 and says why when the server refuses."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from engine.models import NotificationDelivery
from notifications import run_once
from notifications.outcome import PERMANENT, RETRY, SENT, http_outcome, smtp_outcome
from notifications.subscriptions import add_subscription

from .delivery_support import StatusServer, scripted_smtp, settings_for, smtp_env  # noqa: F401
from .test_notify_support import give_emails, rng  # noqa: F401


def _ids(raws: list[bytes]) -> Counter[str]:
    return Counter(str(message_from_bytes(raw, policy=policy.default)["Message-ID"]) for raw in raws)


def _emails(sessions) -> list[NotificationDelivery]:
    with sessions() as session:
        return list(session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == "email")
                                    .order_by(NotificationDelivery.id)))


def test_refused_at_data_with_451_then_550_then_accepted(world, service, sessions, clock, scripted_smtp, rng):
    give_emails(sessions)
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Chuyển phòng"})
    # Three emails (lead_a, off_kt, lead_kt); the server refuses the first two at DATA.
    scripted_smtp.data_replies = ["451 4.3.0 Mail server temporarily rejected message",
                                  "550 5.7.1 Message content rejected by policy"]
    settings = settings_for(scripted_smtp)

    first = run_once(sessions, settings, clock, rng=rng)

    assert (first.emails_composed, first.sent, first.failed, first.dead) == (3, 1, 1, 1)
    by_status = {d.status: d for d in _emails(sessions)}
    assert set(by_status) == {"sent", "failed", "dead"}
    retried, refused = by_status["failed"], by_status["dead"]
    assert retried.last_error == "attempt 1: message refused: 451 4.3.0 Mail server temporarily rejected message"
    assert refused.last_error == "attempt 1: message refused: 550 5.7.1 Message content rejected by policy"
    assert refused.sent_at is None and refused.response is None and retried.sent_at is None
    assert by_status["sent"].response == "250 2.0.0 Ok: queued as TEST"

    clock.advance(timedelta(seconds=61))  # the first backoff is 30–60 s
    again = run_once(sessions, settings, clock, rng=rng)
    assert (again.claimed, again.sent) == (1, 1)
    for _ in range(3):  # nothing more, ever: the refused one is final, the others are done
        clock.advance(timedelta(hours=6))
        assert run_once(sessions, settings, clock, rng=rng).claimed == 0

    final = {d.id: d for d in _emails(sessions)}
    assert (final[retried.id].status, final[retried.id].attempts) == ("sent", 2)
    assert (final[refused.id].status, final[refused.id].attempts) == ("dead", 1)
    # Offered: four times in all; accepted: each of the two good ones exactly once.
    offered, accepted = _ids(scripted_smtp.offered), _ids([raw for _, _, raw in scripted_smtp.envelopes])
    assert sum(offered.values()) == 4 and len(offered) == 3
    assert sorted(accepted.values()) == [1, 1]
    assert [n for mid, n in offered.items() if mid not in accepted] == [1]  # the 550 one: offered once


def test_a_refusal_at_mail_from_or_rcpt_is_classified_too(world, sessions, clock, scripted_smtp, rng):
    give_emails(sessions)
    world.new_case()
    scripted_smtp.refuse.add("lead_a@nghedan.test")  # RCPT: 550 5.1.1
    stats = run_once(sessions, settings_for(scripted_smtp), clock, rng=rng)
    [d] = _emails(sessions)
    assert (d.status, stats.dead) == ("dead", 1)
    assert "550 5.1.1 No such mailbox" in d.last_error and scripted_smtp.offered == []


@pytest.mark.parametrize(("code", "step", "expected"), [
    (250, "data", SENT), (251, "data", RETRY), (354, "data", RETRY), (451, "data", RETRY), (452, "data", RETRY),
    (500, "data", PERMANENT), (550, "data", PERMANENT), (552, "data", PERMANENT), (554, "data", PERMANENT),
    (250, "rcpt", SENT), (251, "rcpt", SENT), (450, "rcpt", RETRY), (550, "rcpt", PERMANENT),
    (250, "mail", SENT), (421, "mail", RETRY), (553, "mail", PERMANENT),
    (220, "connect", SENT), (421, "connect", RETRY), (554, "connect", RETRY), (535, "auth", RETRY),
])
def test_one_rule_for_smtp_replies(code, step, expected):
    assert smtp_outcome(code, step) == expected


@pytest.mark.parametrize(("status", "expected"), [
    (200, SENT), (204, SENT), (299, SENT), (301, RETRY), (400, PERMANENT), (401, RETRY), (404, RETRY),
    (410, PERMANENT), (413, PERMANENT), (422, PERMANENT), (429, RETRY), (500, RETRY), (503, RETRY),
])
def test_one_rule_for_http_statuses(status, expected):
    assert http_outcome(status) == expected


def test_a_webhook_that_answers_gone_is_given_up_and_one_that_is_busy_retried(world, sessions, clock, rng):
    with StatusServer(410) as gone, StatusServer(503) as busy:
        settings = settings_for(gone, smtp_host=None)  # webhooks only
        with sessions() as session:
            for receiver in (gone, busy):
                add_subscription(session, receiver.url("/hook"), ["case.*"], now=clock.now(),
                                 policy=settings.webhook_policy)
            session.commit()
        world.new_case()
        stats = run_once(sessions, settings, clock, rng=rng)
        assert (len(gone.bodies), len(busy.bodies)) == (1, 1)
    with sessions() as session:
        rows = session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == "webhook")
                               .order_by(NotificationDelivery.subscription_id)).all()
        outcome = [(d.status, d.attempts, d.last_error) for d in rows]
    assert outcome == [("dead", 1, "attempt 1: HTTP 410"), ("failed", 1, "attempt 1: HTTP 503")]
    assert (stats.sent, stats.dead, stats.failed) == (0, 1, 1)


def _notify_test(run_env, *extra: str):
    from click.testing import CliRunner

    from web.cli.main import _register, cli
    _register()
    db_url, env = run_env
    return CliRunner().invoke(cli, ["--lang", "en", "--database-url", db_url, "notify", "test", *extra], env=env)


@pytest.mark.parametrize("reply", ["451 4.7.1 Greylisted, try again in 5 minutes",
                                   "552 5.3.4 Message size exceeds fixed limit"])
def test_notify_test_exits_2_and_says_why_when_the_message_is_refused(db_url, scripted_smtp, reply):
    scripted_smtp.data_replies = [reply]
    result = _notify_test((db_url, smtp_env(scripted_smtp)), "chu.tich@xa-a.test")
    assert result.exit_code == 2, result.output
    assert f"failed: message refused: {reply}" in result.output
    assert "accepted" not in result.output and f"S: {reply}" in result.output
    assert scripted_smtp.envelopes == [] and len(scripted_smtp.offered) == 1


def test_notify_test_exits_0_only_when_accepted(db_url, scripted_smtp):
    result = _notify_test((db_url, smtp_env(scripted_smtp)), "chu.tich@xa-a.test")
    assert result.exit_code == 0, result.output
    assert "accepted: 250 2.0.0 Ok: queued as TEST" in result.output
    assert len(scripted_smtp.envelopes) == 1
