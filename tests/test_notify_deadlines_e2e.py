"""End to end: a case passes its deadline, `nghedan sweep` fires the overdue alert, the
delivery pass (`nghedan notify run`, or run_once as the worker calls it) puts it in the
leader's mailbox on a real SMTP server — once, however often both are run."""

from __future__ import annotations

from datetime import datetime

from click.testing import CliRunner
from sqlalchemy import select

from engine.clock import FrozenClock
from engine.models import OutboxMessage
from notifications import run_once
from web.cli.main import _register, cli

from .conftest import HCM
from .test_notify_support import all_text, give_emails, notify_settings, rng, smtp_server  # noqa: F401


def _cli(db_url, *args, env=None):
    _register()
    result = CliRunner().invoke(cli, ["--lang", "en", "--database-url", db_url, *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_overdue_alert_reaches_the_leaders_mailbox_through_sweep_and_delivery(
        db_url, world, service, sessions, smtp_server, notify_settings, rng):
    give_emails(sessions)
    case = world.new_case(topic="moi_truong", content="Kênh thủy lợi ô nhiễm", citizen_name="Lê Thị Dân",
                          citizen_phone="0911222333")
    run_once(sessions, notify_settings, FrozenClock(datetime(2026, 11, 23, 9, 5, tzinfo=HCM)), rng=rng)
    creation_notices = len(smtp_server.envelopes)

    # Due Tue 08/12 17:00; on Wed 09/12 09:00 it is overdue.
    out = _cli(db_url, "sweep", "--at", "2026-12-09T09:00:00+07:00")
    assert "overdue alerts 1" in out
    with sessions() as session:
        alerts = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "deadline.overdue")))
    assert alerts and all(a.recipient_user_id is not None for a in alerts)

    env = {"NGHEDAN_SMTP_HOST": "127.0.0.1", "NGHEDAN_SMTP_PORT": str(smtp_server.port),
           "NGHEDAN_SMTP_SECURITY": "none", "NGHEDAN_MAIL_FROM": "thongbao@nghedan.test",
           "NGHEDAN_BASE_URL": "https://xa-a.example.vn", "NGHEDAN_IMMEDIATE_QUIET_SECONDS": "30"}
    out = _cli(db_url, "notify", "run", "--at", "2026-12-09T09:00:10+07:00", env=env)
    assert "sent 0" in out  # the sweep might still be writing: wait for quiet
    out = _cli(db_url, "notify", "run", "--at", "2026-12-09T09:01:00+07:00", env=env)
    assert "sent 1" in out
    # Re-running both changes nothing.
    _cli(db_url, "sweep", "--at", "2026-12-09T09:02:00+07:00")
    _cli(db_url, "notify", "run", "--at", "2026-12-09T09:03:00+07:00", env=env)

    [alert] = [m for m in smtp_server.messages[creation_notices:] if m["To"] == "lead_a@nghedan.test"]
    assert alert["Subject"] == f"[Nghe dân nói] Ý kiến quá hạn: {case.code} – Môi trường"
    text = alert.get_body(("plain",)).get_content()
    assert "Quá hạn xử lý" in text and "Hạn xử lý: 17:00 08/12/2026" in text
    assert f"https://xa-a.example.vn/cases/{case.code}" in text
    everything = all_text(alert)
    assert "Lê Thị Dân" not in everything and "0911222333" not in everything and "Kênh thủy lợi" not in everything
