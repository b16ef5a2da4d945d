"""The consent matrix, end to end: opinions recorded with no consent, SMS only, or a
consent withdrawn (before fan-out, and mid-delivery: after fan-out, before the send),
through the outbox and the worker's delivery pass against the eSMS contract server.
Nothing goes without consent, nothing twice, and nothing carries the opinion's text
or anyone's name; a denunciation gets a message only when its author asked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.errors import InvalidField
from engine.models import CitizenConsent
from engine.models.consents import AppendOnly
from engine.services.meetings import InvalidIntake, NewMeeting, Opinion
from engine.consent import ConsentInput
from notifications import run_once

from .citizen_support import CONTENT, NAME, citizen_deliveries, citizen_settings, opinion_with_consent
from .provider_servers import EsmsServer
from .test_notify_support import rng  # noqa: F401


@pytest.fixture
def esms():
    with EsmsServer() as server:
        yield server


def test_no_consent_means_no_message_at_all(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, None)
    container.cases.fire(world["off_a"], code, "answer_on_site", {"answer": "Xã sẽ nạo vét kênh."})
    stats = run_once(sessions, citizen_settings(esms), clock, rng=rng)
    assert stats.outbox_processed == 2 and stats.citizen_deliveries == 0
    assert citizen_deliveries(sessions) == [] and esms.requests == []


def test_sms_consent_tells_each_step_once_without_text_or_names(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, "sms", "+84 912 345 678")
    settings = citizen_settings(esms)
    run_once(sessions, settings, clock, rng=rng)
    appointment = datetime(2026, 12, 15, 9, 0, tzinfo=LOCAL_TZ)
    container.cases.fire(world["off_a"], code, "escalate", {"target_unit": "A-KT", "reason": "Thuộc phòng Kinh tế",
                                                            "appointment": appointment.isoformat()})
    container.cases.remark(world["aud_p"], code, "Giám sát viên đã xem")  # not a step the citizen hears of
    container.cases.fire(world["off_kt"], code, "answer", {"answer": "Ông Trần Văn Bé sẽ được hỗ trợ."})
    run_once(sessions, settings, clock, rng=rng)
    again = run_once(sessions, settings, clock, rng=rng)
    assert again.sent == 0 and again.citizen_deliveries == 0
    assert [phone for phone, _ in esms.delivered] == ["0912345678"] * 3
    received, escalated, answered = (text for _, text in esms.delivered)
    assert code in received and "da duoc tiep nhan" in received and "han giai quyet" in received
    assert "Phong Kinh te xa A" in escalated and "15/12/2026" in escalated
    assert "da co ket qua tra loi" in answered
    for text in (received, escalated, answered):
        assert text.isascii() and "https://nghedan.test/tra-cuu" in text
        for secret in ("ngap", "Tran Van Be", "ho tro", "off_a", "Giam sat"):
            assert secret not in text, secret
    assert {d.status for d in citizen_deliveries(sessions)} == {"sent"}


def test_withdrawn_before_fan_out_nothing_is_queued(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, "sms", "0912345678")
    assert container.consents.withdraw_by_official(world["off_a"], code) is True
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    assert citizen_deliveries(sessions) == [] and esms.requests == []


def test_withdrawn_mid_delivery_stops_what_was_not_sent(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, "sms", "0912345678")
    settings = citizen_settings(esms)
    esms.script.append(("status", 503))  # the receipt's first attempt fails: it waits for a retry
    run_once(sessions, settings, clock, rng=rng)
    [waiting] = citizen_deliveries(sessions)
    assert waiting.status == "failed" and esms.delivered == []
    # The citizen withdraws from the tracking page while the retry waits.
    assert container.consents.withdraw_by_citizen(code, "5678") is True
    clock.advance(timedelta(hours=2))
    stats = run_once(sessions, settings, clock, rng=rng)
    [stopped] = citizen_deliveries(sessions)
    assert stopped.status == "withheld" and stats.withheld == 1 and stats.dead == 0
    assert esms.delivered == [] and len(esms.requests) == 1  # the one that failed, nothing since
    # Later steps are not even queued.
    container.cases.fire(world["off_a"], code, "answer_on_site", {"answer": "Đã xử lý."})
    run_once(sessions, settings, clock, rng=rng)
    assert len(citizen_deliveries(sessions)) == 1 and esms.delivered == []


def test_withdrawn_while_the_channel_is_off_is_withheld_when_it_comes_on(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, "sms", "0912345678")
    settings = citizen_settings(esms, sms_max_segments=2)
    run_once(sessions, citizen_settings(), clock, rng=rng)  # fanned out; no eSMS keys yet: the SMS waits
    assert [d.status for d in citizen_deliveries(sessions)] == ["pending"]
    assert container.consents.withdraw_by_official(world["lead_a"], code) is True
    run_once(sessions, settings, clock, rng=rng)
    assert [d.status for d in citizen_deliveries(sessions)] == ["withheld"] and esms.requests == []


def test_a_denunciation_is_messaged_only_when_its_author_asked(container, world, sessions, clock, esms, rng):
    with pytest.raises(InvalidField) as refused:
        opinion_with_consent(container, world, "sms", "0912345678", kind="to_cao")
    assert refused.value.params["field"] == "consent_author_requested"
    code = opinion_with_consent(container, world, "sms", "0912345678", kind="to_cao", author_requested=True)
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    [(_, text)] = esms.delivered
    assert code in text and "A1" not in text and "Ap" not in text  # not even the village


def test_consent_rows_are_append_only_and_record_who_when_and_why(container, world, sessions, clock):
    code = opinion_with_consent(container, world, "email", "dan@example.vn")
    container.consents.withdraw_by_citizen(code, "dan@example.vn")
    with sessions() as session:
        given, withdrawn = session.scalars(select(CitizenConsent).order_by(CitizenConsent.id))
        assert (given.action, given.channel, given.address, given.purpose, given.recorded_by, given.source) == \
            ("given", "email", "dan@example.vn", "case_updates", "off_a", "intake")
        assert given.recorded_at == clock.now() and given.recorded_by_id is not None
        assert (withdrawn.action, withdrawn.recorded_by, withdrawn.source, withdrawn.address) == \
            ("withdrawn", "citizen", "tracking", None)
        given.address = "other@example.vn"
        with pytest.raises(AppendOnly):
            session.flush()
        session.rollback()
        session.delete(session.get(CitizenConsent, withdrawn.id))
        with pytest.raises(AppendOnly):
            session.flush()


def test_a_wrong_proof_withdraws_nothing_and_says_the_same(container, world, sessions):
    code = opinion_with_consent(container, world, "zalo", "0912345678")
    for wrong in ("1234", "", "567", "0912345678x", None, "45678"):
        assert container.consents.withdraw_by_citizen(code, wrong) is False
    assert container.consents.withdraw_by_citizen("TVH-2026-0000000", "5678") is False
    assert container.consents.status(world["off_a"], code).channel == "zalo"
    assert container.consents.withdraw_by_citizen(code, " 5678 ") is True
    assert container.consents.withdraw_by_citizen(code, "5678") is False  # nothing left to withdraw
    assert container.consents.status(world["off_a"], code).active is False


def test_an_official_who_cannot_see_the_case_cannot_withdraw(container, world):
    code = opinion_with_consent(container, world, "sms", "0912345678")
    from engine.errors import NotFound, OutOfScope
    with pytest.raises((NotFound, OutOfScope)):
        container.consents.withdraw_by_official(world["off_b"], code)
    assert container.consents.status(world["off_a"], code).active is True


@pytest.mark.parametrize("channel,address,field", [
    ("sms", "", "consent_address"), ("sms", "12345", "consent_address"), ("sms", "0212345678", "consent_address"),
    ("zalo", "dan@example.vn", "consent_address"), ("email", "0912345678", "consent_address"),
    ("email", "a@b", "consent_address"), ("fax", "0912345678", "consent_channel"),
    ("sms", "0912\u202e345678", "consent_address"), ("email", "dan\u202e@example.vn", "consent_address"),
    ("email", "dan@example.vn\r\nBcc: x@y.vn", "consent_address"), ("sms", "0" * 5000, "consent_address"),
])
def test_bad_consent_at_a_meeting_is_refused_on_its_field_and_nothing_is_saved(container, world, sessions,
                                                                             channel, address, field):
    today = container.clock.now().astimezone(LOCAL_TZ).date()
    new = NewMeeting(programme="nghe-dan-noi", held_on=today, unit="A", opinions=(
        Opinion(topic="moi_truong", content=CONTENT, citizen_name=NAME,
                consent=ConsentInput(channel, address)),))
    with pytest.raises(InvalidIntake) as refused:
        container.meetings.record(world["off_a"], new)
    assert [(p.row, p.field) for p in refused.value.problems] == [(0, field)]
    with sessions() as session:
        assert session.scalars(select(CitizenConsent)).all() == []


def test_a_meeting_records_each_opinions_consent_with_it(container, world, sessions, clock, esms, rng):
    today = container.clock.now().astimezone(LOCAL_TZ).date()
    new = NewMeeting(programme="nghe-dan-noi", held_on=today, unit="A", opinions=(
        Opinion(topic="moi_truong", content=CONTENT, consent=ConsentInput("sms", "0987654321")),
        Opinion(topic="giao_thong", content="Đường hư", outcome="answer_on_site", answer="Sẽ sửa",
                consent=ConsentInput("sms", "0311222333")),
        Opinion(topic="y_te", content="Trạm y tế thiếu thuốc"),
    ))
    recorded = container.meetings.record(world["off_a"], new)
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    phones = sorted(p for p, _ in esms.delivered)
    # The first: its receipt; the second: its receipt and the answer given on the spot; the third: nothing.
    assert phones == ["0311222333", "0311222333", "0987654321"]
    assert len(recorded.meeting.cases) == 3


def test_extended_and_resolved_are_told_verified_is_not(container, world, sessions, clock, esms, rng):
    code = opinion_with_consent(container, world, "sms", "0912345678")
    cases = container.cases
    cases.fire(world["off_a"], code, "escalate", {"target_unit": "A-KT", "reason": "Thuộc phòng Kinh tế"})
    before = cases.get(world["off_a"], code).due_at
    cases.extend(world["lead_kt"], code, 5, "Cần khảo sát thực địa")
    after = cases.get(world["off_a"], code).due_at
    cases.fire(world["off_kt"], code, "answer", {"answer": "Đã nạo vét."})
    cases.fire(world["lead_a"], code, "verify", {"satisfaction": "satisfied", "note": "Người dân hài lòng"})
    cases.fire(world["off_a"], code, "resolve", {})
    run_once(sessions, citizen_settings(esms), clock, rng=rng)
    texts = [text for _, text in esms.delivered]
    assert len(texts) == 5  # received, escalated, extended, answered, resolved — not verified
    assert "duoc gia han giai quyet" in texts[2] and after.astimezone(LOCAL_TZ).strftime("%d/%m/%Y") in texts[2]
    assert before != after and "da duoc giai quyet xong" in texts[4]
    assert not any("hai long" in t for t in texts)
