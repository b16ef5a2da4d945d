"""Tampering with stored history is detected: edit, delete, reorder — done with raw
SQL, as someone with database access would."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from engine.audit import chain_hash, verify_all, verify_case
from engine.models import Case, CaseEvent
from web.cli.main import _register, cli


@pytest.fixture
def history(world, service):
    cases = [world.new_case(content=f"Ý kiến {i}") for i in range(3)]
    target = cases[1]
    service.fire(world["off_a"], target.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    service.fire(world["off_kt"], target.code, "answer", {"answer": "Đã xử lý"})
    service.fire(world["lead_a"], target.code, "verify", {"satisfaction": "satisfied", "note": "ok"})
    return target.code


def breaks(sessions):
    with sessions() as s:
        return [(b.case_code, b.seq) for b in verify_all(s)]


def run_verify(db_url):
    _register()
    return CliRunner().invoke(cli, ["--database-url", db_url, "audit", "verify"])


def case_id(engine, code):
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM cases WHERE code = :c"), {"c": code}).scalar_one()


def test_untouched_history_verifies(history, sessions, db_url):
    assert breaks(sessions) == []
    result = run_verify(db_url)
    assert result.exit_code == 0, result.output
    assert "3 case histories verified" in result.output


def test_edited_event_is_detected(history, sessions, engine, db_url):
    cid = case_id(engine, history)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'sửa lại' WHERE case_id = :c AND seq = 3"), {"c": cid})
    assert breaks(sessions) == [(history, 3)]
    result = run_verify(db_url)
    assert result.exit_code == 1
    assert f"{history} event #3" in result.output


def test_edited_answer_in_event_data_is_detected(history, sessions, engine):
    cid = case_id(engine, history)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET actor = 'lead_a' WHERE case_id = :c AND seq = 2"), {"c": cid})
    assert breaks(sessions) == [(history, 2)]


def test_edit_with_recomputed_hash_breaks_the_next_link(history, sessions, engine):
    """Someone who knows the hashing rehashes the edited event; the next event's
    prev_hash no longer matches."""
    cid = case_id(engine, history)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'giả mạo' WHERE case_id = :c AND seq = 2"), {"c": cid})
    with sessions() as s:
        ev = s.scalar(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.seq == 2))
        new_hash = chain_hash(ev.prev_hash, history, ev)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET hash = :h WHERE case_id = :c AND seq = 2"), {"h": new_hash, "c": cid})
    assert breaks(sessions) == [(history, 3)]


def test_deleted_middle_event_is_detected(history, sessions, engine):
    cid = case_id(engine, history)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE case_id = :c AND seq = 2"), {"c": cid})
    assert breaks(sessions) == [(history, 2)]


def test_deleted_newest_event_is_detected(history, sessions, engine, db_url):
    cid = case_id(engine, history)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE case_id = :c AND seq = 4"), {"c": cid})
    assert breaks(sessions) == [(history, None)]
    result = run_verify(db_url)
    assert result.exit_code == 1 and history in result.output


def test_reordered_events_are_detected(history, sessions, engine):
    cid = case_id(engine, history)
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET seq = 100 WHERE case_id = :c AND seq = 2"), {"c": cid})
        conn.execute(text("UPDATE case_events SET seq = 2 WHERE case_id = :c AND seq = 3"), {"c": cid})
        conn.execute(text("UPDATE case_events SET seq = 3 WHERE case_id = :c AND seq = 100"), {"c": cid})
    assert breaks(sessions) == [(history, 2)]


def test_events_moved_to_another_case_are_detected(history, sessions, engine):
    cid = case_id(engine, history)
    with engine.connect() as conn:
        other = conn.execute(text("SELECT id FROM cases WHERE id <> :c ORDER BY id LIMIT 1"), {"c": cid}).scalar_one()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE case_id = :o"), {"o": other})
        conn.execute(text("UPDATE case_events SET case_id = :o WHERE case_id = :c AND seq = 1"), {"o": other, "c": cid})
    found = breaks(sessions)
    assert (history, 1) in found and len(found) == 2


def test_verify_case_on_one_case(history, sessions):
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.code == history))
        assert verify_case(s, case) is None
