"""Grouping: a daily digest at the user's local time, and one email (not a flood) for
one sweep's overdue alerts to an immediate user."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from engine.models import NotificationDelivery
from notifications import run_once
from notifications.preferences import digest_slot, get_preference, set_preference

from .conftest import HCM
from .test_notify_support import (deadline_message, give_emails, notify_settings, rng, smtp_server,  # noqa: F401
                                  user_id)


def _digest(sessions, clock, username, at=time(7, 30), **kw):
    with sessions() as session:
        pref = set_preference(session, user_id(sessions, username), now=clock.now(), mode="digest", digest_time=at,
                              **kw)
        session.commit()
    return pref


def _plain(mail):
    return mail.get_body(("plain",)).get_content()


def test_default_preference_is_immediate_in_the_users_language_and_digest_defaults_to_0730(world, sessions, clock):
    give_emails(sessions, english=("lead_b",))
    with sessions() as session:
        pref = get_preference(session, user_id(sessions, "lead_b"))
        assert (pref.mode, pref.language, pref.email_enabled) == ("immediate", "en", True)
        pref = set_preference(session, pref.user_id, now=clock.now(), mode="digest")
        assert (pref.digest_time, pref.timezone, pref.language) == (time(7, 30), "Asia/Ho_Chi_Minh", "en")
    # 09:00 Monday local → the latest slot is Monday 07:30 local; at 07:00 it is Sunday's.
    assert digest_slot(pref, clock.now()) == datetime(2026, 11, 23, 7, 30, tzinfo=HCM)
    assert digest_slot(pref, datetime(2026, 11, 23, 7, 0, tzinfo=HCM)) == datetime(2026, 11, 22, 7, 30, tzinfo=HCM)


def test_daily_digest_groups_everything_pending_in_one_message_at_local_time(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    _digest(sessions, clock, "lead_a")
    # Copied from a notebook: received Mon 02/11, due Mon 16/11 17:00, overdue now.
    late = world.new_case(topic="giao_thong", content="Đường ấp A2 sạt lở", received_at="2026-11-02T09:00:00+07:00")
    codes = [world.new_case(topic=t).code for t in ("moi_truong", "y_te")]
    service.fire(world["off_a"], codes[0], "escalate", {"target_unit": "A-KT", "reason": "r"})
    deadline_message(sessions, late.code, "deadline.overdue", "lead_a", clock.now())

    run_once(sessions, notify_settings, clock, rng=rng)
    # Immediate users got theirs at once; the digest user nothing yet (Monday's 07:30 has passed).
    assert smtp_server.to("lead_a@nghedan.test") == []
    assert smtp_server.to("off_kt@nghedan.test")

    clock.set(datetime(2026, 11, 24, 7, 29, tzinfo=HCM))
    run_once(sessions, notify_settings, clock, rng=rng)
    assert smtp_server.to("lead_a@nghedan.test") == []

    clock.set(datetime(2026, 11, 24, 7, 30, tzinfo=HCM))
    for _ in range(3):  # re-running the pass never makes a second digest
        run_once(sessions, notify_settings, clock, rng=rng)
        clock.advance(timedelta(minutes=1))
    [digest] = smtp_server.to("lead_a@nghedan.test")
    assert digest["Subject"] == "[Nghe dân nói] Tổng hợp ngày 24/11/2026: 1 ý kiến quá hạn, 3 cập nhật"
    text = _plain(digest)
    for code in [late.code, *codes]:
        assert f"https://nghedan.test/cases/{code}" in text
    overdue = text[text.index("== Ý kiến quá hạn (1) =="):text.index("== Cập nhật (3) ==")]
    assert late.code in overdue and "Giao thông" in overdue and "Hạn xử lý: 17:00 16/11/2026" in overdue
    # Tue 17/11 … Mon 23/11 are 5 working days; Tue 24/11 is a public holiday this year.
    assert "Trễ hạn: 5 ngày làm việc" in overdue
    assert "Đường ấp A2 sạt lở" not in text and "Nguyễn Văn Dân" not in text
    assert "Môi trường" in text and "Y tế" in text and "Ý kiến mới được tiếp nhận" in text

    # Something after today's digest waits for tomorrow's, alone.
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=HCM))
    service.fire(world["off_a"], codes[1], "answer_on_site", {"answer": "Đã giải thích"})
    clock.set(datetime(2026, 11, 24, 23, 0, tzinfo=HCM))
    run_once(sessions, notify_settings, clock, rng=rng)
    assert len(smtp_server.to("lead_a@nghedan.test")) == 1
    clock.set(datetime(2026, 11, 25, 7, 31, tzinfo=HCM))
    run_once(sessions, notify_settings, clock, rng=rng)
    first, second = smtp_server.to("lead_a@nghedan.test")
    assert second["Subject"] == "[Nghe dân nói] Tổng hợp ngày 25/11/2026: 1 cập nhật"
    assert codes[1] in _plain(second) and late.code not in _plain(second)
    assert "Đã tiếp nhận → Đã trả lời tại chỗ" in _plain(second)
    assert first["Message-ID"] != second["Message-ID"]
    with sessions() as session:
        keys = sorted(session.scalars(select(NotificationDelivery.key).where(NotificationDelivery.kind == "digest")))
    uid = user_id(sessions, "lead_a")
    assert keys == [f"digest:{uid}:2026-11-24", f"digest:{uid}:2026-11-25"]


def test_a_digest_missed_while_the_worker_was_down_goes_out_at_the_next_pass(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    _digest(sessions, clock, "lead_a")
    case = world.new_case()
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=HCM))  # no pass ran on Tue or Wed
    run_once(sessions, notify_settings, clock, rng=rng)
    [mail] = smtp_server.to("lead_a@nghedan.test")
    assert mail["Subject"] == "[Nghe dân nói] Tổng hợp ngày 26/11/2026: 1 cập nhật" and case.code in _plain(mail)


def test_digest_in_english_at_a_chosen_time_and_nothing_when_nothing_happened(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    _digest(sessions, clock, "lead_kt", at=time(17, 15), language="en")
    clock.set(datetime(2026, 11, 23, 17, 16, tzinfo=HCM))
    run_once(sessions, notify_settings, clock, rng=rng)
    assert smtp_server.envelopes == []  # an empty digest is not sent
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    run_once(sessions, notify_settings, clock, rng=rng)
    assert smtp_server.to("lead_kt@nghedan.test") == []
    clock.set(datetime(2026, 11, 24, 17, 15, tzinfo=HCM))
    run_once(sessions, notify_settings, clock, rng=rng)
    [mail] = smtp_server.to("lead_kt@nghedan.test")
    assert mail["Subject"] == "[Nghe dân nói] Daily summary 24/11/2026: 1 update"
    assert "Received → Escalated" in _plain(mail)


def test_one_sweeps_overdue_alerts_reach_a_leader_as_one_email_worst_first(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    first = world.new_case(topic="dat_dai")
    clock.advance(timedelta(days=2))  # Wed 25/11: a later deadline
    second = world.new_case(topic="y_te")
    third = world.new_case(topic="giao_duc")
    run_once(sessions, notify_settings, clock, rng=rng)  # the creation notices go out now
    sent_before = len(smtp_server.to("lead_a@nghedan.test"))

    clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=HCM))
    for n, case in enumerate((second, first, third)):
        deadline_message(sessions, case.code, "deadline.overdue", "lead_a", clock.now(), n=n)
    stats = run_once(sessions, notify_settings, clock, rng=rng)
    assert stats.emails_composed == 1
    mails = smtp_server.to("lead_a@nghedan.test")[sent_before:]
    assert len(mails) == 1
    [mail] = mails
    assert mail["Subject"] == "[Nghe dân nói] 3 ý kiến quá hạn"
    text = _plain(mail)
    # Worst first: the first case was due Tue 08/12 (6 working days ago), the others Wed 09/12 (5).
    assert text.index(first.code) < min(text.index(second.code), text.index(third.code))
    assert text.count("Trễ hạn: 6 ngày làm việc") == 1 and text.count("Trễ hạn: 5 ngày làm việc") == 2


def test_alerts_written_in_several_batches_wait_for_quiet_then_go_together(
        world, service, sessions, clock, smtp_server, notify_settings, rng):
    give_emails(sessions)
    settings = notify_settings.model_copy(update={"immediate_quiet_seconds": 20, "immediate_max_hold_seconds": 300})
    cases = [world.new_case(topic=t) for t in ("dat_dai", "y_te", "giao_duc")]
    clock.advance(timedelta(seconds=30))
    run_once(sessions, settings, clock, rng=rng)
    before = len(smtp_server.envelopes)

    clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=HCM))
    deadline_message(sessions, cases[0].code, "deadline.overdue", "lead_a", clock.now())
    clock.advance(timedelta(seconds=5))
    assert run_once(sessions, settings, clock, rng=rng).emails_composed == 0  # the sweep may not be done
    deadline_message(sessions, cases[1].code, "deadline.overdue", "lead_a", clock.now())
    clock.advance(timedelta(seconds=10))
    deadline_message(sessions, cases[2].code, "deadline.overdue", "lead_a", clock.now())
    assert run_once(sessions, settings, clock, rng=rng).emails_composed == 0
    clock.advance(timedelta(seconds=20))
    assert run_once(sessions, settings, clock, rng=rng).emails_composed == 1
    [mail] = smtp_server.messages[before:]
    assert mail["Subject"] == "[Nghe dân nói] 3 ý kiến quá hạn"


def test_a_steady_trickle_is_not_held_back_forever(world, service, sessions, clock, smtp_server, notify_settings,
                                                   rng):
    give_emails(sessions)
    settings = notify_settings.model_copy(update={"immediate_quiet_seconds": 20, "immediate_max_hold_seconds": 120})
    sent_at = None
    for i in range(20):
        world.new_case()
        clock.advance(timedelta(seconds=10))
        if run_once(settings=settings, sessions=sessions, clock=clock, rng=rng).sent and sent_at is None:
            sent_at = i
    assert sent_at is not None and sent_at <= 12
