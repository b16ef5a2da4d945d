"""The demo data include a month of support activities, a fund and home visits, all
written through the services (so the ledgers verify), and loading again adds nothing."""

from __future__ import annotations

from datetime import timedelta

from engine.calendar import LOCAL_TZ
from engine.reports import Period
from engine.reports.support import support_report
from engine.services import directory
from engine.support.ledger import verify_ledgers
from web.demo import load_demo


def test_demo_has_a_month_of_support(container):
    first = load_demo(container)
    assert first.support_created > 20 and load_demo(container).support_created == 0
    today = container.clock.now().astimezone(LOCAL_TZ).date()
    with container.sessions() as s:
        leader = directory.actor_for(s, "lanhdao")
        report = support_report(s, leader, "TAMNGAI", Period(today - timedelta(days=31), today))
        assert list(verify_ledgers(s)) == []
    f = report.period
    assert f.gifts and f.participations and f.houses_repaired == 1 and f.visits and f.official_participations
    count, balance, entries = container.fund.entries(leader, "TAMNGAI")
    assert count >= 6 and balance > 0 and {e.kind for e in entries} == {"income", "spending"}
    assert any(v.short for v in container.visits.coverage(leader, "TAMNGAI", today, 2))
