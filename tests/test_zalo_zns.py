"""Zalo ZNS against a local server implementing its contract: the template message
(header access_token, phone in 84… form, template id and data, tracking id) and the
OAuth refresh whose refresh token rotates at each use. An expired token is refreshed
once and the message sent again; the new tokens are kept in the database for every
worker; invalid phone / template die; quota, 5xx and a body that is not JSON are
retried. And email to a citizen through the SMTP channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import ProviderToken
from notifications import run_once
from notifications.zalo_zns import international, zns_outcome

from .citizen_support import CONTENT, NAME, citizen_deliveries, citizen_settings, opinion_with_consent
from .provider_servers import ZALO_APP, ZaloServer
from .test_notify_support import rng, smtp_server  # noqa: F401


@pytest.fixture
def zalo():
    with ZaloServer() as server:
        yield server


def _token(sessions) -> ProviderToken | None:
    with sessions() as session:
        return session.scalar(select(ProviderToken))


def test_documented_codes_and_phone_form():
    assert zns_outcome(0) == "sent" and zns_outcome(-124) == zns_outcome(-216) == "token"
    assert {zns_outcome(c) for c in (-108, -109, -112, -118)} == {"permanent"}
    assert {zns_outcome(c) for c in (-115, -133, -144, -147, -100, -9999)} == {"retry"}
    assert international("0912345678") == "84912345678"


def test_first_send_refreshes_from_the_seed_and_keeps_the_rotated_tokens(container, world, sessions, clock,
                                                                          zalo, rng):
    code = opinion_with_consent(container, world, "zalo", "0912 345 678")
    stats = run_once(sessions, citizen_settings(zalo=zalo), clock, rng=rng)
    assert stats.sent == 1 and zalo.refreshes == 1
    [sent] = zalo.delivered
    assert sent["phone"] == "84912345678" and sent["template_id"] == ZALO_APP["template_id"]
    assert sent["template_data"]["ma_y_kien"] == code and sent["template_data"]["trang_thai"] == "Đã tiếp nhận"
    assert len(sent["tracking_id"]) == 32
    assert CONTENT not in str(sent) and NAME not in str(sent)
    token = _token(sessions)
    assert token is not None and token.refresh_token == "refresh-1" and token.access_token == "access-1"


def test_an_expired_token_is_refreshed_once_and_the_message_sent_again(container, world, sessions, clock,
                                                                        zalo, rng):
    settings = citizen_settings(zalo=zalo)
    opinion_with_consent(container, world, "zalo", "0912345678")
    run_once(sessions, settings, clock, rng=rng)
    zalo.expire_tokens()  # revoked before its time: the server answers -124
    code = opinion_with_consent(container, world, "zalo", "0987654321")
    stats = run_once(sessions, settings, clock, rng=rng)
    assert stats.sent == 1 and zalo.refreshes == 2
    assert [r["token"] for r in zalo.requests[-2:]] == ["access-1", "access-2"]
    assert zalo.delivered[-1]["template_data"]["ma_y_kien"] == code
    assert _token(sessions).refresh_token == "refresh-2"  # the rotated one, for the next worker
    # Another worker (a new channel, same database) uses the stored token without refreshing.
    opinion_with_consent(container, world, "zalo", "0911111111")
    run_once(sessions, citizen_settings(zalo=zalo), clock, rng=rng)
    assert zalo.refreshes == 2 and zalo.requests[-1]["token"] == "access-2"


def test_a_refused_refresh_is_retried_not_lost(container, world, sessions, clock, zalo, rng):
    opinion_with_consent(container, world, "zalo", "0912345678")
    zalo.refresh_script.append((200, b'{"error": -14014, "error_name": "Invalid refresh token"}'))
    run_once(sessions, citizen_settings(zalo=zalo), clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert d.status == "failed" and "-14014" in d.last_error and zalo.delivered == []
    clock.advance(timedelta(minutes=2))
    run_once(sessions, citizen_settings(zalo=zalo), clock, rng=rng)
    assert [x.status for x in citizen_deliveries(sessions)] == ["sent"] and len(zalo.delivered) == 1


@pytest.mark.parametrize("failure", [("status", 429), ("status", 502), ("raw", b"not json"), ("code", -144),
                                     ("code", -133)])
def test_rate_limits_quota_5xx_and_malformed_answers_are_retried(container, world, sessions, clock, zalo, rng,
                                                                  failure):
    settings = citizen_settings(zalo=zalo)
    opinion_with_consent(container, world, "zalo", "0912345678")
    zalo.script.append(failure)
    first = run_once(sessions, settings, clock, rng=rng)
    assert first.failed == 1 and zalo.delivered == []
    clock.advance(timedelta(minutes=2))
    run_once(sessions, settings, clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert d.status == "sent" and d.attempts == 2 and len(zalo.delivered) == 1


@pytest.mark.parametrize("override,code", [({"zalo_template_id": "999"}, "-109")])
def test_a_wrong_template_dies_at_once(container, world, sessions, clock, zalo, rng, override, code):
    opinion_with_consent(container, world, "zalo", "0912345678")
    stats = run_once(sessions, citizen_settings(zalo=zalo, **override), clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert stats.dead == 1 and d.status == "dead" and f"error {code}" in d.last_error


def test_an_invalid_phone_dies_at_once(container, world, sessions, clock, zalo, rng):
    opinion_with_consent(container, world, "zalo", "0912345678")
    zalo.script.append(("code", -108))
    run_once(sessions, citizen_settings(zalo=zalo), clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert d.status == "dead" and "-108" in d.last_error


def test_email_to_the_citizen_goes_through_smtp_once(container, world, sessions, clock, smtp_server, rng):
    code = opinion_with_consent(container, world, "email", "dan@example.vn")
    settings = citizen_settings(smtp=smtp_server)
    container.cases.fire(world["off_a"], code, "answer_on_site", {"answer": "Xã sẽ nạo vét kênh."})
    run_once(sessions, settings, clock, rng=rng)
    run_once(sessions, settings, clock, rng=rng)
    mails = smtp_server.to("dan@example.vn")
    assert len(mails) == 2 and set(smtp_server.message_ids().values()) == {1}
    bodies = [m.get_body(("plain",)).get_content() for m in mails]
    assert all(code in b for b in bodies) and "đã có kết quả trả lời" in bodies[1]
    for body in bodies:
        assert CONTENT not in body and NAME not in body and "nạo vét" not in body
    assert {d.status for d in citizen_deliveries(sessions)} == {"sent"}
    # Officials' emails are not doubled by it either: the citizen's address is not a user's.
    assert all(m["To"] == "dan@example.vn" for m in mails)


def test_a_worker_with_a_stale_token_takes_the_one_another_worker_refreshed(sessions, clock, zalo):
    from notifications.zalo_tokens import access_token, refresh_access_token
    settings = citizen_settings(zalo=zalo)
    first = access_token(sessions, settings, clock)  # from the seed
    # Worker B found `first` refused and refreshed; worker A, still holding `first`, asks too.
    second = refresh_access_token(sessions, settings, clock, first)
    again = refresh_access_token(sessions, settings, clock, first)
    assert (first, second, again) == ("access-1", "access-2", "access-2") and zalo.refreshes == 2
    # An expired token is refreshed before it is used, with the stored (rotated) refresh token.
    clock.advance(timedelta(hours=26))
    assert access_token(sessions, settings, clock) == "access-3" and zalo.refreshes == 3
