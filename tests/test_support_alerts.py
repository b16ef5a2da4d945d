"""Targets and alerts on an injected clock: the gift target before the month ends,
village coverage on Friday afternoon, each alert once per leader and period, and
delivered to the leader's inbox by the notifications worker."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from engine.models import InboxItem, OutboxMessage, User
from engine.services.support import NewActivity
from engine.services.support_alerts import alert_coverage, alert_gift_targets, gift_progress
from engine.services.visits import NewVisit
from web import worker

from .conftest import HCM


def alerts(sessions, kind: str) -> list[tuple[str, dict]]:
    with sessions() as s:
        rows = s.execute(select(User.username, OutboxMessage.payload).join(User, User.id == OutboxMessage.recipient_user_id)
                         .where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()
    return [(u, p) for u, p in rows]


@pytest.fixture
def gifts(container, world, clock):
    clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=HCM))
    container.support.record(world["off_a"], NewActivity(kind="gift", unit="A1", households=2, value="400 nghìn",
                                                         source="budget", held_on=date(2026, 11, 2)))
    container.support.record(world["off_b"], NewActivity(kind="gift", unit="B1", households=1, value="200 nghìn",
                                                         source="budget", held_on=date(2026, 11, 2)))


def test_progress_of_the_month(gifts, sessions):
    with sessions() as s:
        rows = {p.commune: (p.gifts, p.met) for p in gift_progress(s, date(2026, 11, 20), 2)}
    assert rows == {"A": (2, True), "B": (1, False)}


def test_gift_alert_only_in_the_last_days_and_once(gifts, container, clock, sessions):
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=HCM))  # six days left: not yet
    assert alert_gift_targets(container.fund, 2) == 0
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=HCM))
    assert alert_gift_targets(container.fund, 2) == 1
    assert alert_gift_targets(container.fund, 2) == 0  # the hourly job again: nothing new
    assert alerts(sessions, "support.gift_target") == [
        ("lead_b", {"unit": "B", "month": "2026-11", "gifts": 1, "target": 2})]
    assert alert_gift_targets(container.fund, 3) == 1  # a higher target: A is short now, B was told already
    clock.set(datetime(2026, 12, 27, 9, 0, tzinfo=HCM))  # December: nobody gave anything
    assert alert_gift_targets(container.fund, 2) == 2


def test_coverage_alert_on_friday_afternoon(container, world, clock, sessions):
    clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=HCM))  # Wednesday
    container.visits.record(world["off_a"], NewVisit(village="A1", visited_on=date(2026, 11, 18),
                                                     households={"poor": 2}, officials=["off_a"]))
    assert alert_coverage(container.visits, 2) == 0
    clock.set(datetime(2026, 11, 20, 12, 59, tzinfo=HCM))  # Friday morning
    assert alert_coverage(container.visits, 2) == 0
    clock.set(datetime(2026, 11, 20, 13, 0, tzinfo=HCM))
    assert alert_coverage(container.visits, 2) == 2
    assert alert_coverage(container.visits, 2) == 0
    got = {u: p for u, p in alerts(sessions, "support.coverage")}
    assert got == {"lead_a": {"unit": "A", "week": "2026-11-16", "villages": ["A2"], "minimum": 2},
                   "lead_b": {"unit": "B", "week": "2026-11-16", "villages": ["B1"], "minimum": 2}}
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=HCM))  # next Friday: a new week
    assert alert_coverage(container.visits, 2) == 2


def test_the_worker_job_reaches_the_inbox(container, world, clock, sessions):
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=HCM))  # Friday, four days before the month ends
    assert worker.support_alerts_job(container) == 4  # gifts and coverage, communes A and B
    worker.deliver_job(container)
    with sessions() as s:
        lead_a = s.scalar(select(User.id).where(User.username == "lead_a"))
        items = s.execute(select(InboxItem.kind, InboxItem.data).where(InboxItem.user_id == lead_a)).all()
    assert sorted(k for k, _ in items) == ["support.coverage", "support.gift_target"]
    assert all("unit" in d for _, d in items)
