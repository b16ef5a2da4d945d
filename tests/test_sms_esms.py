"""SMS through eSMS.vn against a local server implementing its documented contract:
authentication in the body, brandname, customer-care type, RequestId de-duplication,
CodeResult codes; failures injected (429, 5xx, a body that is not JSON, error codes,
a message over the length limit). Nothing is sent twice; permanent refusals die at
once, the rest are retried with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications import run_once
from notifications.sms_esms import esms_outcome
from notifications.sms_text import MULTI, SINGLE, TooLong, fit_sms, fold_vietnamese

from .citizen_support import citizen_deliveries, citizen_settings, opinion_with_consent
from .provider_servers import ESMS_KEYS, EsmsServer
from .test_notify_support import rng  # noqa: F401


@pytest.fixture
def esms():
    with EsmsServer() as server:
        yield server


def test_folding_removes_diacritics_and_measures_segments():
    assert fold_vietnamese("Đã tiếp nhận ý kiến, hạn giải quyết: ngày 05/12") == \
        "Da tiep nhan y kien, han giai quyet: ngay 05/12"
    assert fold_vietnamese("Ưu tiên “khẩn” — ổn") == "Uu tien ?khan? ? on"  # not GSM: counted as one "?"
    assert fit_sms("a" * SINGLE, 1).segments == 1
    assert fit_sms("a" * (SINGLE + 1), 2).segments == 2
    assert fit_sms("a" * (2 * MULTI), 2).segments == 2
    assert fit_sms("[" * 80, 1).units == 160  # GSM extension characters count twice
    with pytest.raises(TooLong):
        fit_sms("[" * 81, 1)
    with pytest.raises(TooLong) as too_long:
        fit_sms("ý" * (2 * MULTI + 1), 2)
    assert too_long.value.segments == 3


def test_documented_codes_map_to_sent_retry_or_permanent():
    assert [esms_outcome(c) for c in ("100", "124")] == ["sent", "sent"]
    assert [esms_outcome(c) for c in ("99", "108", "146")] == ["permanent"] * 3
    assert {esms_outcome(c) for c in ("101", "102", "103", "104", "118", "777")} == {"retry"}


def test_the_request_follows_the_contract(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, "sms", "0912345678")
    stats = run_once(sessions, citizen_settings(esms), clock, rng=rng)
    assert stats.sent == 1
    [request] = esms.requests
    assert request["ApiKey"] == ESMS_KEYS["api"] and request["SecretKey"] == ESMS_KEYS["secret"]
    assert (request["Brandname"], request["SmsType"], request["IsUnicode"], request["Sandbox"]) == \
        (ESMS_KEYS["brandname"], "2", "0", "0")
    assert request["Phone"] == "0912345678" and code in request["Content"] and len(request["RequestId"]) == 32
    [delivery] = citizen_deliveries(sessions)
    assert delivery.status == "sent" and delivery.response.startswith("eSMS 100 SMSID=")


@pytest.mark.parametrize("failure", [("status", 429), ("status", 500), ("status", 503), ("raw", b"<html>oops"),
                                     ("raw", b'{"SMSID": "x"}'), ("code", "103"), ("code", "101")])
def test_failures_are_retried_with_backoff_then_sent_once(container, world, sessions, clock, esms, rng, failure):
    opinion_with_consent(container, world, "sms", "0912345678")
    settings = citizen_settings(esms)
    esms.script.append(failure)
    first = run_once(sessions, settings, clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert first.sent == 0 and first.failed == 1 and d.status == "failed"
    assert d.next_attempt_at >= clock.now() + timedelta(seconds=30) and "0912345678" not in (d.last_error or "")
    assert run_once(sessions, settings, clock, rng=rng).claimed == 0  # not before its time
    clock.advance(timedelta(minutes=2))
    run_once(sessions, settings, clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert d.status == "sent" and d.attempts == 2 and len(esms.delivered) == 1


def test_an_answer_garbled_after_acceptance_is_not_sent_twice(container, world, sessions, clock, esms, rng):
    opinion_with_consent(container, world, "sms", "0912345678")
    settings = citizen_settings(esms)
    esms.script.append(("garble", None))  # eSMS took it, then the answer was cut off
    run_once(sessions, settings, clock, rng=rng)
    clock.advance(timedelta(minutes=2))
    run_once(sessions, settings, clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert d.status == "sent" and d.response.startswith("eSMS 124")  # the retry was recognised as a repeat
    assert len(esms.delivered) == 1 and len(esms.requests) == 2
    assert esms.requests[0]["RequestId"] == esms.requests[1]["RequestId"]


@pytest.mark.parametrize("code", ["108", "99", "146"])
def test_permanent_refusals_die_at_once(container, world, sessions, clock, esms, rng, code):
    opinion_with_consent(container, world, "sms", "0912345678")
    esms.script.append(("code", code))
    stats = run_once(sessions, citizen_settings(esms), clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert stats.dead == 1 and d.status == "dead" and f"CodeResult {code}" in d.last_error
    assert "0912345678" not in d.last_error  # the number the server echoed is masked


def test_wrong_keys_are_retried_until_the_operator_fixes_them(container, world, sessions, clock, esms, rng):
    opinion_with_consent(container, world, "sms", "0912345678")
    run_once(sessions, citizen_settings(esms, esms_secret_key="wrong"), clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert d.status == "failed" and "CodeResult 101" in d.last_error
    clock.advance(timedelta(minutes=2))
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    assert [x.status for x in citizen_deliveries(sessions)] == ["sent"] and len(esms.delivered) == 1


def test_a_message_over_the_length_limit_is_refused_before_anything_is_sent(container, world, sessions, clock,
                                                                           esms, rng):
    opinion_with_consent(container, world, "sms", "0912345678")
    stats = run_once(sessions, citizen_settings(esms, sms_max_segments=1, public_url="https://" + "x" * 150),
                     clock, rng=rng)
    [d] = citizen_deliveries(sessions)
    assert stats.dead == 1 and d.status == "dead" and "SMS segments" in d.last_error
    assert esms.requests == []


def test_no_keys_no_sms_and_nothing_lost(container, world, sessions, clock, esms, rng):
    opinion_with_consent(container, world, "sms", "0912345678")
    run_once(sessions, citizen_settings(), clock, rng=rng)
    assert [d.status for d in citizen_deliveries(sessions)] == ["pending"] and esms.requests == []
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    assert [d.status for d in citizen_deliveries(sessions)] == ["sent"]


def test_a_dead_citizen_sms_is_listed_for_admins_without_the_number(container, world, sessions, clock, esms, rng):
    from notifications.admin import list_dead
    opinion_with_consent(container, world, "sms", "0912345678")
    esms.script.append(("code", "108"))
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    with sessions() as session:
        [dead] = list_dead(session)
    assert dead.to == "citizen (sms)" and "0912345678" not in f"{dead.to} {dead.last_error} {dead.key}"


def test_an_admin_retry_after_a_withdrawal_sends_nothing(container, world, sessions, clock, esms, rng):
    from notifications.admin import retry_dead
    code = opinion_with_consent(container, world, "sms", "0912345678")
    esms.script.append(("code", "108"))
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    container.consents.withdraw_by_citizen(code, "5678")
    with sessions() as session:
        assert len(retry_dead(session, None, now=clock.now())) == 1
        session.commit()
    stats = run_once(sessions, citizen_settings(esms), clock, rng=rng)
    assert stats.withheld == 1 and esms.delivered == [] and len(esms.requests) == 1
    assert [d.status for d in citizen_deliveries(sessions)] == ["withheld"]
