"""A commune's fund ledger is tamper-evident: ``nghedan audit verify`` catches an
edited, a deleted and a reordered entry, and a deleted head; the daily seal pins the
ledgers' heads too (a ledger rewritten consistently changes it), while a day before
any fund entry keeps the seal it had before ledgers were sealed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text

from engine.audit import GENESIS, link_hash
from engine.seals import SEAL_PREFIX, compute_seal
from engine.services.fund import NewIncome
from engine.services.support import NewActivity
from engine.support.ledger import entry_body, verify_ledgers

from .conftest import HCM


@pytest.fixture
def ledger(container, world, clock):
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=HCM))
    fund = container.fund
    fund.record_income(world["off_a"], NewIncome("A", date(2026, 11, 16), "2 triệu"))
    fund.record_income(world["off_a"], NewIncome("A", date(2026, 11, 16), "300.000", donor="Lê Văn Tư"))
    container.support.record(world["off_a"], NewActivity(kind="gift", unit="A1", held_on=date(2026, 11, 16),
                                                         households=2, value="1 triệu"))
    fund.record_income(world["off_b"], NewIncome("B", date(2026, 11, 16), "700.000"))
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=HCM))


def verify(run) -> tuple[int, str]:
    result = run("audit", "verify")
    return result.exit_code, result.output


def test_an_untouched_ledger_verifies(ledger, run, world):
    code, out = verify(run)
    assert code == 0 and "2 fund ledgers verified" in out


def test_an_edited_entry_is_caught(ledger, run, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE fund_entries SET amount = 3000000 WHERE seq = 1 AND commune_id = "
                          "(SELECT id FROM units WHERE code = 'A')"))
    code, out = verify(run)
    assert code == 1 and "fund A entry #1" in out and "edited" in out


def test_an_edited_donor_is_caught(ledger, run, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE fund_entries SET donor = NULL WHERE donor IS NOT NULL"))
    code, out = verify(run)
    assert code == 1 and "fund A entry #2" in out


def test_a_deleted_entry_is_caught(ledger, run, engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fund_entries WHERE seq = 2 AND commune_id = (SELECT id FROM units WHERE code = 'A')"))
    code, out = verify(run)
    assert code == 1 and "fund A entry #2" in out and "missing" in out


def test_the_newest_entry_deleted_is_caught_by_the_head(ledger, run, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE fund_entries SET activity_id = NULL"))  # (to delete it, not to tamper)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fund_entries WHERE seq = 3"))
    code, out = verify(run)
    assert code == 1 and "fund A head" in out


def test_reordered_entries_are_caught(ledger, run, engine):
    with engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM fund_entries WHERE commune_id = (SELECT id FROM units WHERE code = 'A') "
                                "ORDER BY seq")).scalars().all()
        conn.execute(text("UPDATE fund_entries SET seq = 100 WHERE id = :i"), {"i": ids[0]})
        conn.execute(text("UPDATE fund_entries SET seq = 1 WHERE id = :i"), {"i": ids[1]})
        conn.execute(text("UPDATE fund_entries SET seq = 2 WHERE id = :i"), {"i": ids[0]})
    code, out = verify(run)
    assert code == 1 and "fund A entry #1" in out


def test_a_deleted_head_is_caught(ledger, run, engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fund_ledgers WHERE commune_id = (SELECT id FROM units WHERE code = 'B')"))
    code, out = verify(run)
    assert code == 1 and "fund B head" in out


def rewrite_consistently(engine, sessions, commune: str) -> None:
    """Edit an entry and recompute every hash after it, and the head: each ledger then
    verifies on its own."""
    from engine.models import FundEntry

    with engine.begin() as conn:
        conn.execute(text("UPDATE fund_entries SET amount = 1 WHERE seq = 1 AND commune_id = "
                          "(SELECT id FROM units WHERE code = :c)"), {"c": commune})
    with sessions() as s:
        rows = s.execute(text("SELECT id FROM fund_entries WHERE commune_id = (SELECT id FROM units WHERE code = :c) "
                              "ORDER BY seq"), {"c": commune}).scalars().all()
        prev, hashes = GENESIS, []
        for row_id in rows:
            entry = s.get(FundEntry, row_id)
            h = link_hash(prev, entry_body(commune, entry))
            hashes.append((row_id, prev, h))
            prev = h
    with engine.begin() as conn:
        for row_id, p, h in hashes:
            conn.execute(text("UPDATE fund_entries SET prev_hash = :p, hash = :h WHERE id = :i"), {"p": p, "h": h, "i": row_id})
        conn.execute(text("UPDATE fund_ledgers SET head_hash = :h WHERE commune_id = (SELECT id FROM units WHERE code = :c)"),
                     {"h": prev, "c": commune})


def test_the_seal_pins_the_ledgers(ledger, run, engine, sessions):
    with sessions() as s:
        before = compute_seal(s, date(2026, 11, 20))
        earlier = compute_seal(s, date(2026, 11, 19))
        assert list(verify_ledgers(s)) == []
    rewrite_consistently(engine, sessions, "A")
    assert verify(run)[0] == 0  # each chain is consistent again …
    with sessions() as s:
        assert compute_seal(s, date(2026, 11, 20)).root_hash != before.root_hash  # … but not the seal
        assert compute_seal(s, date(2026, 11, 19)).root_hash == earlier.root_hash
    result = run("audit", "verify", "--seal", "2026-11-20", before.root_hash)
    assert result.exit_code == 1


def test_a_day_before_any_entry_keeps_its_old_seal(ledger, sessions):
    import hashlib

    with sessions() as s:
        value = compute_seal(s, date(2026, 11, 19))
    # No case and no fund entry by then: the seal of an empty history, as version 1 made it.
    assert value.root_hash == hashlib.sha256(SEAL_PREFIX).hexdigest()
