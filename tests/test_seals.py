"""Daily seals: a short value over every chain's head that exposes a rewrite each
chain would hide, and the tamper tests of the issue — an edited event and a deleted
one fail ``audit verify``; a whole chain rewritten consistently passes it but fails
``audit verify --seal``."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from engine.audit import chain_hash, verify_all
from engine.errors import InvalidField
from engine.models import CaseEvent, DailySeal
from engine.seals import compute_seal, parse_seal_value, seal_day, seal_yesterday, short_code, verify_seal
from web import worker

from .conftest import HCM

DAY = date(2026, 11, 20)


def at(d: int, h: int = 9) -> datetime:
    return datetime(2026, 11, d, h, 0, tzinfo=HCM)




@pytest.fixture
def histories(world, service, clock):
    """Three cases with a few events each, all on 20/11; then back to 23/11."""
    codes = []
    for i, unit in enumerate(("A1", "A2", "B1")):
        clock.set(at(20, 8 + i))
        snap = world.new_case("off_b" if unit == "B1" else "off_a", unit, content=f"Ý kiến {i}")
        codes.append(snap.code)
    clock.set(at(20, 14))
    service.fire(world["off_a"], codes[0], "answer_on_site", {"answer": "Đã trả lời"})
    service.remark(world["aud_p"], codes[1], "Đề nghị xử lý sớm", kind="urge")
    clock.set(at(23))
    return codes


def rewrite_consistently(engine, code: str, seq: int, note: str) -> None:
    """What a capable insider would do: edit one event, then recompute every hash of
    the chain after it and the case's head, with raw SQL."""
    with engine.begin() as conn:
        case_id = conn.execute(text("SELECT id FROM cases WHERE code = :c"), {"c": code}).scalar_one()
        conn.execute(text("UPDATE case_events SET note = :n WHERE case_id = :i AND seq = :s"),
                     {"n": note, "i": case_id, "s": seq})
        rows = conn.execute(text("SELECT id FROM case_events WHERE case_id = :i ORDER BY seq"), {"i": case_id}).all()
    from sqlalchemy.orm import Session

    with Session(engine) as s:  # hashes computed exactly as the application computes them
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        hashes = []
        prev = "0" * 64
        for ev in events:
            h = chain_hash(prev, code, ev)
            hashes.append((ev.id, prev, h))
            prev = h
    with engine.begin() as conn:
        for event_id, prev_hash, h in hashes:
            conn.execute(text("UPDATE case_events SET prev_hash = :p, hash = :h WHERE id = :i"),
                         {"p": prev_hash, "h": h, "i": event_id})
        conn.execute(text("UPDATE cases SET head_hash = :h WHERE id = :i"), {"h": prev, "i": case_id})
    assert len(rows) == len(hashes)


def test_seal_value_is_stable_and_short(histories, sessions, clock, service, world):
    with sessions() as s:
        value = compute_seal(s, DAY)
    assert (value.case_count, value.event_count) == (3, 5)
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", value.short_code)
    assert short_code(value.root_hash) == value.short_code
    # Later events do not change a past day's seal …
    clock.set(at(23, 10))
    service.fire(world["off_a"], histories[2 - 1], "answer_on_site", {"answer": "Muộn hơn"})
    with sessions() as s:
        assert compute_seal(s, DAY) == value
        # … but the next day's seal covers them.
        assert compute_seal(s, date(2026, 11, 23)).root_hash != value.root_hash
        # Before any case existed, the seal is the empty one.
        assert compute_seal(s, date(2026, 11, 19)).case_count == 0


def test_seal_day_records_once_and_only_ended_days(histories, service, clock):
    with service.uow() as uow:
        seal = seal_day(uow.session, DAY, clock, by="aud_p")
        uow.commit()
    with service.uow() as uow:
        again = seal_day(uow.session, DAY, clock)
        assert (again.id, again.root_hash, again.created_by) == (seal.id, seal.root_hash, "aud_p")
        for day in (date(2026, 11, 23), date(2026, 11, 30)):
            with pytest.raises(InvalidField):
                seal_day(uow.session, day, clock)
    # The worker's job seals yesterday (22/11 at 23/11 09:00).
    value = seal_yesterday(service.session_factory, clock)
    assert value.day == date(2026, 11, 22) and value.case_count == 3
    with service.uow(write=False) as uow:
        assert [s.day for s in uow.session.scalars(select(DailySeal).order_by(DailySeal.day))] == [
            DAY, date(2026, 11, 22)]


def test_the_worker_schedules_the_daily_seal(container):
    job = worker.build_scheduler(container).get_job("daily-seal")
    assert job is not None and job.func is seal_yesterday and job.args == (container.sessions, container.clock)
    assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"


def test_seal_values_people_type(histories, sessions):
    with sessions() as s:
        value = compute_seal(s, DAY)
        for typed in (value.root_hash, value.root_hash.upper(), value.short_code, value.short_code.lower(),
                      value.short_code.replace("-", " ")):
            assert verify_seal(s, DAY, typed).ok
        assert parse_seal_value(f" {value.short_code} ")[0] == "short"
        for bad in ("", "xyz", value.root_hash[:-1], "ABCD-EFGH-IJKL-MNO1"):
            with pytest.raises(InvalidField):
                parse_seal_value(bad)


def test_tampering_edit_and_delete_fail_verify(histories, run, engine, sessions):
    assert run("audit", "verify").exit_code == 0
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_events SET note = 'đã sửa' WHERE seq = 1 AND case_id = "
                          "(SELECT id FROM cases WHERE code = :c)"), {"c": histories[1]})
    out = run("audit", "verify")
    assert out.exit_code == 1 and histories[1] in out.output and "edited" in out.output


def test_tampering_delete_newest_event_fails_verify(histories, run, engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM case_events WHERE case_id = (SELECT id FROM cases WHERE code = :c) "
                          "AND seq = 2"), {"c": histories[0]})
    out = run("audit", "verify")
    assert out.exit_code == 1 and histories[0] in out.output


def test_a_consistent_rewrite_passes_each_chain_but_not_the_seal(histories, run, engine, sessions, clock):
    out = run("audit", "seal", "--date", "2026-11-20")
    assert out.exit_code == 0, out.output
    kept = re.search(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}", out.output).group(0)
    full = re.search(r"sha256 ([0-9a-f]{64})", out.output).group(1)
    assert short_code(full) == kept
    assert run("audit", "verify", "--seal", "2026-11-20", kept).exit_code == 0
    assert run("audit", "verify", "--seal", "20/11/2026", full).exit_code == 0

    rewrite_consistently(engine, histories[0], 2, "Câu trả lời đã bị thay")
    with sessions() as s:
        assert list(verify_all(s)) == []  # every chain verifies on its own
    assert run("audit", "verify").exit_code == 0
    out = run("audit", "verify", "--seal", "2026-11-20", kept)
    assert out.exit_code == 1
    assert "KHÔNG KHỚP" in out.output and kept in out.output
    # The seal recorded in the database that day also differs (an insider could
    # rewrite that row too, which is why the auditor keeps the value outside).
    assert "khác" in out.output
    out = run("audit", "verify", "--seal", "2026-11-20", full, lang="en")
    assert out.exit_code == 1 and "MISMATCH" in out.output


def test_deleting_a_whole_case_is_caught_by_the_seal(histories, run, engine, sessions):
    with sessions() as s:
        value = compute_seal(s, DAY)
    with engine.begin() as conn:
        case_id = conn.execute(text("SELECT id FROM cases WHERE code = :c"), {"c": histories[2]}).scalar_one()
        for table in ("case_facts", "timers", "outbox", "case_events"):
            conn.execute(text(f"DELETE FROM {table} WHERE case_id = :i"), {"i": case_id})
        conn.execute(text("DELETE FROM cases WHERE id = :i"), {"i": case_id})
    assert run("audit", "verify").exit_code == 0
    assert run("audit", "verify", "--seal", "2026-11-20", value.short_code).exit_code == 1


def test_verify_seal_bad_input_exits_2(histories, run):
    assert run("audit", "verify", "--seal", "2026-11-20", "not-a-seal").exit_code == 2
    assert run("audit", "verify", "--seal", "20-11-2026", "A" * 16).exit_code == 2
    assert run("audit", "seal", "--date", "2099-01-01").exit_code == 2
