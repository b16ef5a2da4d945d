"""Email notifications of case events, received by a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.models import InboxItem, NotificationDelivery, OutboxMessage
from notifications import run_once
from notifications.mail import message_id

from .test_notify_support import (all_text, give_emails, notify_settings, rng, smtp_server,  # noqa: F401
                                  user_id)

CITIZEN_NAME = "Nguyễn Văn Dân"
CITIZEN_PHONE = "0901234567"


def _escalated_case(world, service):
    case = world.new_case(citizen_name=CITIZEN_NAME, citizen_phone=CITIZEN_PHONE)
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát nguồn nước"})
    return case


def test_escalation_mails_the_new_handling_unit_and_origin_leader_never_the_actor(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    case = _escalated_case(world, service)

    stats = run_once(sessions, notify_settings, clock, workflows=service.workflows, rng=rng)

    assert stats.outbox_processed == 2 and stats.sent == stats.emails_composed
    got = {rcpt for _, rcpts, _ in smtp_server.envelopes for rcpt in rcpts}
    # created → leaders of A1's commune (lead_a); escalated → officials and leaders of A-KT, plus
    # the origin commune's leader. off_a raised and escalated it: told of neither.
    assert got == {"lead_a@nghedan.test", "off_kt@nghedan.test", "lead_kt@nghedan.test"}
    assert smtp_server.to("off_a@nghedan.test") == []
    # Nobody else in the tree (another commune, the province's department, the auditor).
    assert not got & {"off_b@nghedan.test", "lead_b@nghedan.test", "off_so@nghedan.test", "aud_p@nghedan.test"}

    [mail] = smtp_server.to("off_kt@nghedan.test")
    assert mail["Subject"] == f"[Nghe dân nói] Cập nhật: {case.code} – Điện nước hạ tầng"
    assert mail.is_multipart() and mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Đã tiếp nhận → Đã chuyển xử lý" in text
    assert "Đơn vị xử lý: Phòng Kinh tế xã A (nơi tiếp nhận: Ấp A1)" in text
    assert f"https://nghedan.test/cases/{case.code}" in text
    assert f'<a href="https://nghedan.test/cases/{case.code}">{case.code}</a>' in html
    assert "Phòng Kinh tế xã A" in html and "Hạn xử lý: " in text
    # Vietnamese diacritics survive the trip, and the raw message is 7-bit clean.
    assert "Kính gửi off_kt" in text
    raw = next(raw for _, rcpts, raw in smtp_server.envelopes if "off_kt@nghedan.test" in rcpts)
    assert all(b < 128 for b in raw)
    assert mail["From"].addresses[0].addr_spec == "thongbao@nghedan.test"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["Content-Language"] == "vi"

    # The Message-ID is derived from the delivery's idempotency key.
    with sessions() as session:
        delivery = session.scalar(select(NotificationDelivery).where(
            NotificationDelivery.user_id == user_id(sessions, "off_kt")))
        assert delivery.status == "sent" and delivery.attempts == 1
        assert delivery.response == "250 2.0.0 Ok: queued as TEST"
        assert mail["Message-ID"] == message_id(delivery.key, notify_settings.mail_from)
        assert re.fullmatch(r"<[0-9a-f]{40}@nghedan\.test>", mail["Message-ID"])
        assert all(m.status == "processed" for m in session.scalars(select(OutboxMessage)))


def test_lead_a_gets_both_events_of_the_case_in_one_email(world, service, sessions, clock, smtp_server,
                                                          notify_settings, rng):
    give_emails(sessions)
    case = _escalated_case(world, service)
    run_once(sessions, notify_settings, clock, rng=rng)
    [mail] = smtp_server.to("lead_a@nghedan.test")
    text = mail.get_body(("plain",)).get_content()
    assert text.count(case.code) == 2  # the line and its link: one line for the case
    assert "Ý kiến mới được tiếp nhận; Đã tiếp nhận → Đã chuyển xử lý" in text


def test_english_per_user_preference(world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions, english=("lead_kt",))
    case = _escalated_case(world, service)
    run_once(sessions, notify_settings, clock, workflows=service.workflows, rng=rng)
    [mail] = smtp_server.to("lead_kt@nghedan.test")
    assert mail["Subject"] == f"[Nghe dân nói] Updates: {case.code} – Power, water and infrastructure"
    assert mail["Content-Language"] == "en"
    text = mail.get_body(("plain",)).get_content()
    assert "Received → Escalated" in text and "Dear lead_kt" in text and "Handling unit:" in text
    assert "Kính gửi" not in text
    # The others still read Vietnamese.
    [other] = smtp_server.to("off_kt@nghedan.test")
    assert "Kính gửi" in other.get_body(("plain",)).get_content()


def test_no_citizen_identity_in_any_email_header_or_body(world, service, sessions, clock, smtp_server,
                                                         notify_settings, rng):
    give_emails(sessions)
    _escalated_case(world, service)
    denunciation = world.new_case(kind="to_cao", topic="dat_dai", citizen_name="Trần Thị Tố Giác",
                                  citizen_phone="0987654321", citizen_address="Số 5 ấp A2",
                                  unit="A2", content="Tố cáo ông Lê Văn Cán Bộ lấn chiếm đất")
    service.fire(world["lead_a"], denunciation.code, "escalate", {"target_unit": "A-KT", "reason": "Xác minh"})
    service.remark(world["aud_p"], denunciation.code, "Đề nghị xử lý đúng hạn", kind="urge")
    run_once(sessions, notify_settings, clock, rng=rng)

    assert len(smtp_server.envelopes) >= 3
    forbidden = [CITIZEN_NAME, CITIZEN_PHONE, "Trần Thị Tố Giác", "0987654321", "Số 5 ấp A2", "Lê Văn Cán Bộ",
                 "Nước sinh hoạt bị đục", "Đề nghị xử lý đúng hạn"]
    for mail in smtp_server.messages:
        body = all_text(mail)
        assert not [f for f in forbidden if f in body], mail["To"]
    # A denunciation's email does not even say which village it came from.
    [kt] = smtp_server.to("off_kt@nghedan.test")
    text = kt.get_body(("plain",)).get_content()
    assert denunciation.code in text and "Tố cáo" in text
    block = text[text.index(denunciation.code):]
    block = block[:block.index("Xem chi tiết")]
    assert "Ấp A2" not in block and "A2" not in block.replace(denunciation.code, "")
    # Still in its village, a denunciation is shown at commune level only.
    kept = world.new_case(kind="to_cao", unit="A2", citizen_name="Trần Thị Tố Giác")
    clock.advance(timedelta(minutes=1))
    run_once(sessions, notify_settings, clock, rng=rng)
    last = smtp_server.to("lead_a@nghedan.test")[-1]
    kept_text = last.get_body(("plain",)).get_content()
    assert kept.code in kept_text and "Đơn vị xử lý: Xã A\r\n" in kept_text and "Ấp A2" not in all_text(last)
    # The in-app copies are vetted the same way.
    with sessions() as session:
        for item in session.scalars(select(InboxItem)):
            assert "origin_unit" not in item.data or item.case_code != denunciation.code
            assert not [f for f in forbidden if f in str(item.data)]


def test_html_part_escapes_what_it_shows(world, service, sessions, clock, smtp_server, notify_settings, rng):
    from engine.models import Unit
    with sessions() as session:
        unit = session.scalar(select(Unit).where(Unit.code == "A-KT"))
        unit.name = "Phòng <b>Kinh tế</b> & Hạ tầng"
        session.commit()
    give_emails(sessions)
    _escalated_case(world, service)
    run_once(sessions, notify_settings, clock, rng=rng)
    [mail] = smtp_server.to("off_kt@nghedan.test")
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Phòng &lt;b&gt;Kinh tế&lt;/b&gt; &amp; Hạ tầng" in html and "<b>Kinh tế</b>" not in html
    assert "Phòng <b>Kinh tế</b> & Hạ tầng" in text  # the text part is not HTML


def test_users_without_address_get_inbox_only_and_email_can_be_switched_off(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    from notifications.preferences import set_preference
    give_emails(sessions)
    with sessions() as session:
        from engine.models import User
        session.scalar(select(User).where(User.username == "lead_kt")).email = None
        set_preference(session, user_id(sessions, "off_kt"), now=clock.now(), email_enabled=False)
        session.commit()
    _escalated_case(world, service)
    stats = run_once(sessions, notify_settings, clock, rng=rng)
    assert {r for _, rcpts, _ in smtp_server.envelopes for r in rcpts} == {"lead_a@nghedan.test"}
    assert stats.inbox_items == 4  # lead_a twice, off_kt, lead_kt
