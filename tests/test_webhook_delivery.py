"""Webhooks: signed JSON POSTs to a real HTTP server on loopback, filtered by event
type and unit, retried with the same idempotency key, never carrying personal data."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.address_policy import AddressPolicy, parse_allowed_hosts
from engine.errors import InvalidField
from engine.models import NotificationDelivery, WebhookSubscription
from notifications import run_once
from notifications.signing import sign, signature_header, verify_signature
from notifications.subscriptions import add_subscription, list_subscriptions, remove_subscription
from web.cli.main import _register, cli

from .test_notify_support import (LOOPBACK_ALLOWED, deadline_message, give_emails, notify_settings, rng,  # noqa: F401
                                  smtp_server, webhook_server)

LOOPBACK = AddressPolicy(parse_allowed_hosts(LOOPBACK_ALLOWED))


def _subscribe(sessions, clock, receiver, path, events, unit=None):
    with sessions() as session:
        sub, secret = add_subscription(session, receiver.url(path), events, now=clock.now(), unit_code=unit,
                                       policy=LOOPBACK)
        session.commit()
    receiver.secrets[path] = secret
    return sub


def test_signed_post_for_every_state_change(world, service, sessions, clock, webhook_server, notify_settings, rng):
    _subscribe(sessions, clock, webhook_server, "/portal", ["case.*"])
    webhook_server.now = int(clock.now().timestamp())
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Chuyển phòng"})
    stats = run_once(sessions, notify_settings, clock, rng=rng)

    assert stats.webhook_deliveries == 2 and stats.sent >= 2
    got = webhook_server.received
    assert [r.signature_ok for r in got] == [True, True]
    assert [r.json["type"] for r in got] == ["case.created", "case.transitioned"]
    first, second = got
    assert second.json["case"] == case.code and second.json["recipient"] is None
    assert second.json["data"] == {
        "actor": "off_a", "code": case.code, "due_at": second.json["data"]["due_at"], "from": "received",
        "handling_unit": "A-KT", "kind": "kien_nghi", "origin_unit": "A1", "seq": 2, "to": "escalated",
        "topic": "dien_nuoc", "trigger": "escalate", "workflow": "nghe-dan-noi"}
    assert second.headers["Content-Type"] == "application/json; charset=utf-8"
    assert second.headers["X-Nghedan-Event"] == "case.transitioned"
    assert second.headers["Idempotency-Key"] == second.json["id"] == f"webhook:1:case:{case.code}:event:2"
    t = int(clock.now().timestamp())
    assert re.fullmatch(rf"t={t},v1=[0-9a-f]{{64}}", second.headers["X-Nghedan-Signature"])
    with sessions() as session:
        assert {(d.status, d.response) for d in session.scalars(select(NotificationDelivery)
                .where(NotificationDelivery.channel == "webhook"))} == {("sent", "HTTP 204")}


def test_a_tampered_or_replayed_request_fails_verification():
    body = b'{"type":"case.created"}'
    header = signature_header("whsec_k", 1_800_000_000, body)
    assert verify_signature("whsec_k", header, body, now=1_800_000_010)
    assert not verify_signature("whsec_k", header, body + b" ", now=1_800_000_010)  # body changed
    assert not verify_signature("whsec_other", header, body, now=1_800_000_010)  # wrong secret
    assert not verify_signature("whsec_k", header, body, now=1_800_000_000 + 301)  # too old: replay
    # The timestamp is signed: moving it forward breaks the signature.
    forged = header.replace("t=1800000000", "t=1800000300")
    assert not verify_signature("whsec_k", forged, body, now=1_800_000_300)
    assert sign("whsec_k", 1, b"x") != sign("whsec_k", 2, b"x")


def test_filters_by_event_type_and_unit(world, service, sessions, clock, webhook_server, notify_settings, rng):
    _subscribe(sessions, clock, webhook_server, "/commune-a", ["case.transitioned"], unit="A")
    _subscribe(sessions, clock, webhook_server, "/commune-b", ["*"], unit="B")
    _subscribe(sessions, clock, webhook_server, "/alerts", ["deadline.*"])
    a = world.new_case()
    service.fire(world["off_a"], a.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    b = world.new_case(who="off_b", unit="B1")
    deadline_message(sessions, a.code, "deadline.overdue", "lead_a", clock.now())
    run_once(sessions, notify_settings, clock, rng=rng)

    by_path = {}
    for r in webhook_server.received:
        by_path.setdefault(r.path, []).append((r.json["type"], r.json["case"]))
    assert by_path == {
        "/commune-a": [("case.transitioned", a.code)],
        "/commune-b": [("case.created", b.code)],
        "/alerts": [("deadline.overdue", a.code)],
    }
    alert = next(r for r in webhook_server.received if r.path == "/alerts").json
    assert alert["recipient"] == "lead_a" and "text" not in alert["data"]


def test_failing_receiver_gets_retries_with_the_same_idempotency_key(world, service, sessions, clock,
                                                                     webhook_server, notify_settings, rng):
    _subscribe(sessions, clock, webhook_server, "/flaky", ["case.created"])
    webhook_server.fail_next = 2
    world.new_case()
    run_once(sessions, notify_settings, clock, rng=rng)
    with sessions() as session:
        d = session.scalar(select(NotificationDelivery).where(NotificationDelivery.channel == "webhook"))
        assert (d.status, d.attempts, d.last_error) == ("failed", 1, "attempt 1: HTTP 503: busy")
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        run_once(sessions, notify_settings, clock, rng=rng)
    assert [r.headers["Idempotency-Key"] for r in webhook_server.received] == [d.key] * 3
    # Each retry is signed afresh with its own time; all verify.
    assert all(r.signature_ok for r in webhook_server.received)
    assert len({r.headers["X-Nghedan-Signature"] for r in webhook_server.received}) == 3
    with sessions() as session:
        d = session.get(NotificationDelivery, d.id)
        assert (d.status, d.attempts) == ("sent", 3)


def test_webhooks_carry_no_personal_data(world, service, sessions, clock, webhook_server, notify_settings, rng):
    _subscribe(sessions, clock, webhook_server, "/all", ["*"])
    case = world.new_case(citizen_name="Nguyễn Văn Dân", citizen_phone="0901234567", citizen_address="Ấp A1, nhà 7")
    secret = world.new_case(kind="to_cao", unit="A2", citizen_name="Trần Thị Tố Giác", citizen_phone="0987654321",
                            content="Tố cáo cán bộ thu tiền sai quy định")
    service.fire(world["lead_a"], secret.code, "escalate", {"target_unit": "A-KT", "reason": "Bảo mật người tố cáo"})
    deadline_message(sessions, secret.code, "deadline.overdue", "lead_kt", clock.now())
    deadline_message(sessions, case.code, "deadline.reminder", "off_a", clock.now())
    run_once(sessions, notify_settings, clock, rng=rng)

    assert len(webhook_server.received) == 5
    forbidden = ["Nguyễn Văn Dân", "0901234567", "nhà 7", "Trần Thị Tố Giác", "0987654321", "thu tiền",
                 "Bảo mật người tố cáo", "Nước sinh hoạt"]
    for r in webhook_server.received:
        raw = r.body.decode() + json.dumps(r.headers, ensure_ascii=False)
        assert not [f for f in forbidden if f in raw]
        if r.json["case"] == secret.code:
            assert "origin_unit" not in r.json["data"] and "A2" not in r.body.decode()


def test_removed_subscription_gets_nothing_more(world, service, sessions, clock, webhook_server, notify_settings,
                                                rng):
    sub = _subscribe(sessions, clock, webhook_server, "/gone", ["case.*"])
    webhook_server.fail_next = 1
    world.new_case()
    run_once(sessions, notify_settings, clock, rng=rng)
    with sessions() as session:
        assert remove_subscription(session, sub.id, now=clock.now()) == 1
        session.commit()
        assert list_subscriptions(session) == []
        [d] = session.scalars(select(NotificationDelivery)).all()
        assert (d.status, d.last_error) == ("dead", "subscription removed")
    world.new_case()
    clock.advance(timedelta(hours=1))
    run_once(sessions, notify_settings, clock, rng=rng)
    assert len(webhook_server.received) == 1


def test_subscriptions_validate_their_input(sessions, clock, world):
    with sessions() as session:
        with pytest.raises(InvalidField):
            add_subscription(session, "ftp://example.test/x", ["case.*"], now=clock.now(), policy=LOOPBACK)
        with pytest.raises(InvalidField):
            add_subscription(session, "https://example.test/x", ["case.deleted"], now=clock.now(), policy=LOOPBACK)
        with pytest.raises(InvalidField):
            add_subscription(session, "https://example.test/x", [], now=clock.now(), policy=LOOPBACK)
        sub, secret = add_subscription(session, "https://example.test/x", ["deadline.*", "case.created"],
                                       now=clock.now(), unit_code="A", policy=LOOPBACK)
        assert secret.startswith("whsec_") and len(secret) > 40 and sub.unit == "A"


def test_cli_add_prints_the_secret_once_then_list_and_remove(db_url, world, sessions):
    _register()
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--lang", "en", "--database-url", db_url, *args])

    added = run("webhooks", "add", "https://portal.example.test/hook", "--events", "case.transitioned,deadline.*",
                "--unit", "A")
    assert added.exit_code == 0, added.output
    secret = re.search(r"secret: (whsec_\S+)", added.output).group(1)
    with sessions() as session:
        stored = session.scalar(select(WebhookSubscription))
        assert stored.secret == secret and stored.event_types == ["case.transitioned", "deadline.*"]
    listed = run("webhooks", "list")
    assert "https://portal.example.test/hook" in listed.output and "case.transitioned,deadline.*" in listed.output
    assert secret not in listed.output
    removed = run("webhooks", "remove", str(stored.id))
    assert removed.exit_code == 0 and "removed" in removed.output
    assert "portal.example.test" not in run("webhooks", "list").output
    assert run("webhooks", "add", "https://x.test", "--unit", "NOWHERE").exit_code == 2
