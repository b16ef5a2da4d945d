"""Writers racing on one commune's fund: the balance never goes below zero, no entry
is lost or doubled, and the ledger stays one unbroken chain."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from engine.errors import Conflict, InvalidField
from engine.models import FundEntry, FundLedger, SupportActivity
from engine.services.fund import NewIncome
from engine.services.support import NewActivity
from engine.support.ledger import verify_ledgers

from .test_concurrency import race

DAY = date(2026, 11, 16)


def test_spending_races_never_overdraw(container, world, sessions):
    container.fund.record_income(world["off_a"], NewIncome("A", DAY, "1 triệu"))
    actors = [world["off_a"], world["lead_a"]] * 2
    results = race(4, lambda i: container.support.record(actors[i], NewActivity(
        kind="gift", unit="A1", held_on=DAY, households=1, value="400 nghìn")))
    won = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, (InvalidField, Conflict))]
    assert len(won) == 2 and len(refused) == 2, results
    with sessions() as s:
        assert s.scalar(select(FundLedger.balance)) == 200_000
        assert s.scalar(select(func.count()).select_from(FundEntry)) == 3
        assert s.scalar(select(func.count()).select_from(SupportActivity)) == 2  # refused ones left nothing
        assert list(verify_ledgers(s)) == []


def test_income_races_are_all_kept_in_one_chain(container, world, sessions):
    container.fund.record_income(world["off_a"], NewIncome("A", DAY, 1_000))  # the ledger exists
    actors = [world["off_a"], world["lead_a"]] * 2
    results = race(4, lambda i: container.fund.record_income(actors[i], NewIncome("A", DAY, 100_000 * (i + 1))))
    assert all(not isinstance(r, Exception) for r in results), results
    with sessions() as s:
        assert s.scalar(select(FundLedger.balance)) == 1_001_000
        assert sorted(s.scalars(select(FundEntry.seq))) == [1, 2, 3, 4, 5]
        assert list(verify_ledgers(s)) == []
