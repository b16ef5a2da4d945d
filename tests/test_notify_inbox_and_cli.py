"""The in-app inbox (unread count, list, mark read) and the `nghedan notify` commands."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from notifications import inbox, run_once
from notifications.preferences import get_preference
from web.cli.main import _register, cli

from .test_notify_support import (deadline_message, give_emails, notify_settings, rng, smtp_server,  # noqa: F401
                                  user_id)


def test_inbox_counts_lists_and_marks_read(world, service, sessions, clock, notify_settings, rng):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    clock.advance(timedelta(days=17))
    deadline_message(sessions, case.code, "deadline.overdue", "lead_kt", clock.now())
    # No email addresses at all: the inbox still fills.
    run_once(sessions, notify_settings, clock, rng=rng)
    lead_kt, off_a, lead_a = (user_id(sessions, u) for u in ("lead_kt", "off_a", "lead_a"))
    with sessions() as session:
        assert inbox.unread_count(session, lead_kt) == 2
        assert inbox.unread_count(session, lead_a) == 2
        assert inbox.unread_count(session, off_a) == 0  # never told of one's own action
        newest, older = inbox.list_items(session, lead_kt)
        assert newest.kind == "deadline.overdue" and newest.unread and newest.link == f"/cases/{case.code}"
        assert newest.text == f"{case.code} · Điện nước hạ tầng · Quá hạn 2 ngày làm việc"
        assert older.text == f"{case.code} · Điện nước hạ tầng · Đã tiếp nhận → Đã chuyển xử lý"
        [english] = inbox.list_items(session, lead_kt, lang="en", limit=1)
        assert english.text == f"{case.code} · Power, water and infrastructure · Overdue by 2 working days"
        assert [e.id for e in inbox.list_items(session, lead_kt, before_id=newest.id)] == [older.id]

        # Marking someone else's item does nothing.
        assert inbox.mark_read(session, lead_a, [newest.id], now=clock.now()) == 0
        assert inbox.mark_read(session, lead_kt, [newest.id], now=clock.now()) == 1
        assert inbox.mark_read(session, lead_kt, [newest.id], now=clock.now()) == 0
        session.commit()
        assert inbox.unread_count(session, lead_kt) == 1
        assert [e.id for e in inbox.list_items(session, lead_kt, unread_only=True)] == [older.id]
        assert inbox.mark_all_read(session, lead_kt, now=clock.now()) == 1
        assert inbox.unread_count(session, lead_kt) == 0
        assert inbox.unread_count(session, lead_a) == 2


def test_unaddressed_deadline_alert_goes_to_the_administrators(world, service, sessions, clock, notify_settings,
                                                               rng):
    from sqlalchemy import select

    from engine.models import Case, OutboxMessage
    case = world.new_case(who="off_b", unit="B1")
    with sessions() as session:
        row = session.scalar(select(Case).where(Case.code == case.code))
        session.add(OutboxMessage(dedup_key="timer:1:unaddressed", kind="deadline.overdue", recipient_user_id=None,
                                  case_id=row.id, unit_id=row.handling_unit_id, created_at=clock.now(),
                                  payload={"code": case.code, "handling_unit": "B1", "unaddressed": True}))
        session.commit()
    run_once(sessions, notify_settings, clock, rng=rng)
    with sessions() as session:
        [item] = inbox.list_items(session, user_id(sessions, "admin"))
        assert item.case_code == case.code and item.kind == "deadline.overdue"
        assert inbox.unread_count(session, user_id(sessions, "lead_a")) == 0


def _cli(db_url, *args, env=None, lang="vi"):
    _register()
    return CliRunner().invoke(cli, ["--lang", lang, "--database-url", db_url, *args], env=env)


def _smtp_env(smtp_server):
    return {"NGHEDAN_SMTP_HOST": "127.0.0.1", "NGHEDAN_SMTP_PORT": str(smtp_server.port),
            "NGHEDAN_SMTP_SECURITY": "none", "NGHEDAN_MAIL_FROM": "Xã A <thongbao@xa-a.test>"}


def test_notify_test_sends_a_real_email_and_prints_what_the_server_said(db_url, smtp_server):
    result = _cli(db_url, "notify", "test", "chu.tich@xa-a.test", env=_smtp_env(smtp_server))
    assert result.exit_code == 0, result.output
    assert "S: 220 " in result.output and "C: DATA" in result.output
    assert "máy chủ đã nhận: 250 2.0.0 Ok: queued as TEST" in result.output
    [mail] = smtp_server.to("chu.tich@xa-a.test")
    assert mail["Subject"] == "[Nghe dân nói] Thư thử nghiệm"
    assert "cấu hình gửi thư" in mail.get_body(("plain",)).get_content()
    assert mail["From"].addresses[0].addr_spec == "thongbao@xa-a.test"


def test_notify_test_reports_a_server_that_is_down(db_url, smtp_server):
    smtp_server.stop()
    result = _cli(db_url, "notify", "test", "x@xa-a.test", env=_smtp_env(smtp_server), lang="en")
    assert result.exit_code == 2  # a CLI refusal is exit 2 (it was 1, unlike every other command)
    assert "failed: ConnectionRefusedError" in result.output
    unconfigured = _cli(db_url, "notify", "test", "x@xa-a.test", env={"NGHEDAN_SMTP_HOST": ""})
    assert unconfigured.exit_code == 2 and "NGHEDAN_SMTP_HOST" in unconfigured.output


def test_notify_run_and_prefs_commands(db_url, world, service, sessions, smtp_server):
    give_emails(sessions)
    case = world.new_case()
    env = {**_smtp_env(smtp_server), "NGHEDAN_IMMEDIATE_QUIET_SECONDS": "0"}
    result = _cli(db_url, "notify", "run", "--at", "2026-11-23T09:05:00+07:00", env=env)
    assert result.exit_code == 0, result.output
    assert "outbox 1 processed" in result.output and "sent 1" in result.output
    [mail] = smtp_server.to("lead_a@nghedan.test")
    assert case.code in mail["Subject"]

    shown = _cli(db_url, "notify", "prefs", "lead_a", "--mode", "digest", "--at", "06:45", "--language", "en")
    assert shown.exit_code == 0, shown.output
    assert "lead_a: digest at 06:45 Asia/Ho_Chi_Minh, en, email on" in shown.output
    with sessions() as session:
        pref = get_preference(session, user_id(sessions, "lead_a"))
        assert (pref.mode, pref.digest_time.strftime("%H:%M"), pref.language) == ("digest", "06:45", "en")
    # Showing without changing (issue 13: the address was read from a closed session).
    plain = _cli(db_url, "notify", "prefs", "lead_a")
    assert plain.exit_code == 0, plain.output
    assert plain.output == "lead_a: digest at 06:45 Asia/Ho_Chi_Minh, en, email on (lead_a@nghedan.test)\n"
    assert "(lead_a@nghedan.test)" in shown.output
    assert _cli(db_url, "notify", "prefs", "lead_a", "--at", "25:00").exit_code == 2
    status = _cli(db_url, "notify", "status")
    assert "sent\t1" in status.output
