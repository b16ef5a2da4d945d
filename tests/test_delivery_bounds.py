"""Bounded messages (issue 13, item 2): a sweep over 3,000 overdue cases makes one
email for the leader that a real server with a 2 MB limit (aiosmtpd's
data_size_limit) accepts — the 50 most overdue cases listed, the rest counted, a
link to the board — where the unbounded email is refused (552) and so never
recorded as sent."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

from engine.deadline_rules import sweep
from engine.models import NotificationDelivery, OutboxMessage, User
from notifications import run_once
from notifications.admin import retry_dead
from notifications.bounds import encoded_size, shorten
from notifications.compose import compose_emails
from notifications.fanout import fan_out
from notifications.mail import build_message, build_view

from .delivery_support import ScriptedSmtpServer, settings_for
from .test_notify_support import deadline_message, give_emails, rng  # noqa: F401
from .test_sweep import SWEEP_AT, overdue_cases

LIMIT = 2 * 1024 * 1024
CASES = 3000


@pytest.fixture
def small_server():
    server = ScriptedSmtpServer(data_size_limit=LIMIT)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _lead_a_email(sessions) -> NotificationDelivery:
    with sessions() as session:
        uid = session.scalar(select(User.id).where(User.username == "lead_a"))
        return session.scalars(select(NotificationDelivery).where(NotificationDelivery.user_id == uid)
                               .order_by(NotificationDelivery.id.desc())).first()


def test_a_sweep_of_3000_overdue_cases_is_one_email_a_2mb_server_accepts(
        world, service, sessions, clock, small_server, rng):
    give_emails(sessions)
    overdue_cases(world, CASES)
    with sessions() as session:
        # The 3,000 creation notices went out weeks ago (fanning them out again here
        # would only double the test's time): only the sweep's alerts are pending.
        session.execute(update(OutboxMessage).values(status="processed", processed_at=clock.now()))
        session.commit()

    clock.set(SWEEP_AT)
    assert sweep(service, SWEEP_AT).overdue == CASES
    # Unbounded, as before: the server refuses it, and it is not recorded as sent.
    unbounded = settings_for(small_server, email_max_cases=10 * CASES, email_max_bytes=100 * LIMIT)
    refused = run_once(sessions, unbounded, clock, rng=rng)
    delivery = _lead_a_email(sessions)
    assert (refused.sent, refused.dead, delivery.status) == (0, 1, "dead")
    assert "552" in delivery.last_error and delivery.sent_at is None
    with sessions() as session:  # it was too big indeed
        whole = build_message(session, session.get(NotificationDelivery, delivery.id), unbounded, clock.now())
    assert encoded_size(whole) > LIMIT

    # Bounded (the defaults), the same email goes through.
    with sessions() as session:
        assert retry_dead(session, [delivery.id], now=clock.now()) == [delivery.id]
        session.commit()
    settings = settings_for(small_server)
    assert (settings.email_max_cases, settings.email_max_bytes) == (50, 1_000_000)
    stats = run_once(sessions, settings, clock, rng=rng)
    assert (stats.sent, stats.dead) == (1, 0)
    assert _lead_a_email(sessions).status == "sent"

    raw = small_server.envelopes[-1][2]
    assert len(raw) <= settings.email_max_bytes
    mail = message_from_bytes(raw, policy=policy.default)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert mail["Subject"] == f"[Nghe dân nói] {CASES} ý kiến quá hạn"
    assert f"== Ý kiến quá hạn ({CASES}) ==" in text
    listed = re.findall(r"^\* (\S+) · ", text, flags=re.M)
    assert len(listed) == 50 and len(set(listed)) == 50
    assert f"… và {CASES - 50} ý kiến khác. Xem tất cả trên bảng theo dõi: https://nghedan.test/" in text
    assert f"<strong>{CASES - 50}</strong> ý kiến khác" in html and 'href="https://nghedan.test/"' in html
    assert html.count("/cases/") == 50


def test_worst_first_and_trimmed_further_when_the_size_bound_needs_it(world, service, sessions, clock, rng):
    give_emails(sessions)
    cases = []
    for _ in range(6):  # received two days apart: each later one is less overdue
        cases.append(world.new_case())
        clock.advance(timedelta(days=2))
    clock.advance(timedelta(days=40))
    for n, case in enumerate(cases):
        deadline_message(sessions, case.code, "deadline.overdue", "lead_a", clock.now(), n=n)
    server = ScriptedSmtpServer()  # never started: only its port is read
    settings = settings_for(server, email_max_cases=3)
    with sessions() as session:
        fan_out(session, clock.now())
        compose_emails(session, clock.now(), settings)
        session.commit()
    delivery = _lead_a_email(sessions)
    with sessions() as session:
        row = session.get(NotificationDelivery, delivery.id)
        view = build_view(session, row, "en", settings)
        overdue = next(s for s in view.sections if s.key == "overdue")
        lateness = [line.days_late for line in overdue.lines]
        assert lateness == sorted(lateness, reverse=True) and len(set(lateness)) >= 4 and lateness[-1] > 0
        assert overdue.lines[0].code == cases[0].code  # the oldest is the most overdue
        shown = shorten(view, 3)
        [first, *rest] = shown.sections
        assert first.key == "overdue" and first.lines == overdue.lines[:3] and first.omitted == 3
        assert all(s.lines == [] and s.omitted == s.total for s in rest)  # the creation notices: counted only

        three = build_message(session, row, settings, clock.now())
        tight = settings.model_copy(update={"email_max_bytes": encoded_size(three) - 1})
        trimmed = build_message(session, row, tight, clock.now())
    assert encoded_size(trimmed) < encoded_size(three)
    text = trimmed.get_body(("plain",)).get_content()
    assert re.findall(r"^\* (\S+) · ", text, flags=re.M) == [cases[0].code]  # 3 → 1: the most overdue
    assert "… và 5 ý kiến khác" in text
