"""The write benchmark's baselines are honest: every statement the raw Core
baseline runs, and every statement the case service runs for the same step, is
planned on the index it should be (issue 19). A baseline that walked the sweep's
(status, due_at) index to cancel one case's timers made the raw rate fall with the
database's size and the service's ratio look better than it was.

The plans are read from the statements as they were really sent (captured from the
cursor, with their parameters) on a small seeded database: ``EXPLAIN QUERY PLAN`` on
SQLite (no statistics, as in production), ``EXPLAIN`` on PostgreSQL after
``ANALYZE`` and with sequential scans priced out, since on a table this small a
scan wins and the choice between indexes is what is checked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bench import writes as bench_writes
from engine.deadline_rules.sweep import claim_statement
from engine.models import Case, Timer, Unit
from engine.services.cases import NewCase

# The index each table's case-scoped statement must be planned on, per backend (on
# SQLite the unique constraints' automatic indexes; case_facts' first is its primary key).
EXPECTED = {
    "sqlite": {"timers": "sqlite_autoindex_timers_1", "case_facts": "sqlite_autoindex_case_facts_2",
               "case_events": "sqlite_autoindex_case_events_1", "report_rollup_deadlines": "INTEGER PRIMARY KEY"},
    "postgresql": {"timers": "uq_timers_case_id_rule_stage_seq", "case_facts": "uq_case_facts_case_id",
                   "case_events": "uq_case_events_case_id_seq",
                   "report_rollup_deadlines": "pk_report_rollup_deadlines"},
}
CASE_BY_ID = {"sqlite": "INTEGER PRIMARY KEY", "postgresql": "pk_cases"}
CASE_BY_CODE = {"sqlite": "sqlite_autoindex_cases_1", "postgresql": "uq_cases_code"}
SWEEP_INDEX = "ix_timers_status_due"
ITEM = NewCase(workflow="nghe-dan-noi", unit="BX1", topic="khac", kind="kien_nghi", content="Nội dung ý kiến")


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not executemany:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plan(engine: Engine, statement: str, parameters: Any) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        conn.rollback()
    return "\n".join(str(r[-1]) for r in rows)


def _table(statement: str) -> str | None:
    match = re.match(r"\s*(?:UPDATE|DELETE FROM)\s+(\w+)", statement) or re.search(r"\bFROM\s+(\w+)", statement)
    return match.group(1) if match else None


def case_scoped(sent: list[tuple[str, Any]], tables: tuple[str, ...]) -> list[tuple[str, str, Any]]:
    """The SELECTs, UPDATEs and DELETEs with a WHERE clause on ``tables``."""
    out = []
    for statement, parameters in sent:
        head = statement.lstrip().split(None, 1)[0].upper()
        table = _table(statement)
        if head in ("SELECT", "UPDATE", "DELETE") and " WHERE " in statement.replace("\n", " ") and table in tables:
            out.append((table, statement, parameters))
    return out


def _bx1(engine: Engine) -> tuple[int, list[int]]:
    """The benchmark's village and the units above it, itself included (the roll-up's)."""
    with engine.connect() as conn:
        unit_id, path = conn.execute(select(Unit.id, Unit.path).where(Unit.code == "BX1")).one()
    return unit_id, [int(p) for p in path.strip("/").split("/")]


@pytest.fixture
def seeded(db_url: str) -> Iterator[tuple[Engine, Any, Any, list[int], list[str]]]:
    engine, service, actor = bench_writes._setup(db_url)
    try:
        now = service.clock.now()
        unit_id, chain = _bx1(engine)
        # Enough cases that a whole-table walk and an index range differ in cost.
        bench_writes._raw_ingest_multirow(engine, 200, unit_id, chain, now, "seed")
        codes = [s.code for _ in range(5) for s in service.create_many(actor, [ITEM] * bench_writes.BATCH)]
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        with engine.connect() as conn:
            raw_ids = list(conn.execute(select(Case.id).where(Case.code.like("RAW-seed%")).order_by(Case.id)).scalars())
        yield engine, service, actor, raw_ids, codes
    finally:
        engine.dispose()


def _assert_plans(engine: Engine, scoped: list[tuple[str, str, Any]], by_case: dict[str, str]) -> None:
    dialect = engine.dialect.name
    for table, statement, parameters in scoped:
        text = plan(engine, statement, parameters)
        if table == "cases":
            assert by_case[dialect] in text, (statement, text)
        else:
            assert EXPECTED[dialect][table] in text, (statement, text)
        assert SWEEP_INDEX not in text, (statement, text)


def test_transition_baseline_and_service_use_the_case_indexes(seeded: tuple[Any, ...]) -> None:
    engine, service, actor, raw_ids, codes = seeded
    now = service.clock.now()
    tables = ("timers", "case_facts", "case_events", "cases", "report_rollup_deadlines")
    with captured(engine) as raw:
        bench_writes._raw_transitions(engine, raw_ids[:2], _bx1(engine)[1], now)
    with captured(engine) as ours:
        for code in codes[:2]:
            service.fire(actor, code, "answer_on_site", {"answer": "Đã trả lời"})
    raw_scoped, our_scoped = case_scoped(raw, tables), case_scoped(ours, tables)
    # Both sides cancel the stage's timers and touch the case and its facts.
    assert {t for t, _, _ in raw_scoped} >= {"timers", "case_facts", "cases", "report_rollup_deadlines"}
    assert {t for t, _, _ in our_scoped} >= {"timers", "cases", "report_rollup_deadlines"}
    _assert_plans(engine, raw_scoped, CASE_BY_ID)
    _assert_plans(engine, [s for s in our_scoped if s[0] != "cases"], CASE_BY_ID)
    # The service finds the case by its code, then writes it by its id.
    for table, statement, parameters in our_scoped:
        if table == "cases":
            text = plan(engine, statement, parameters)
            assert CASE_BY_CODE[engine.dialect.name] in text or CASE_BY_ID[engine.dialect.name] in text, text


def test_ingest_baselines_and_service_use_the_case_indexes(seeded: tuple[Any, ...]) -> None:
    engine, service, actor, _, _ = seeded
    now = service.clock.now()
    unit_id, chain = _bx1(engine)
    runs: dict[str, Callable[[], Any]] = {
        "per_row": lambda: bench_writes._raw_ingest_per_row(engine, 20, unit_id, chain, now, "plan1"),
        "multirow": lambda: bench_writes._raw_ingest_multirow(engine, 20, unit_id, chain, now, "plan2"),
        "ours": lambda: service.create_many(actor, [ITEM] * 20),
    }
    for name, work in runs.items():
        with captured(engine) as sent:
            work()
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith("SELECT") or _table(statement) not in ("cases", "case_events"):
                continue
            text = plan(engine, statement, parameters)
            if "max(" in statement:
                # The next ids on SQLite (engine.services.case_writes): one end of the rowid tree.
                assert text.startswith("SEARCH") and "SCAN" not in text, (name, statement, text)
            else:
                # The codes' uniqueness check: on the code's unique index, never a scan.
                assert CASE_BY_CODE[engine.dialect.name] in text, (name, statement, text)


def test_the_sweep_claims_on_the_due_timer_index(seeded: tuple[Any, ...]) -> None:
    engine, service, _, _, _ = seeded
    stmt = claim_statement(service.clock.now(), 200, engine.dialect.name)
    with captured(engine) as sent, engine.connect() as conn:
        conn.execute(stmt).all()
        conn.rollback()
    claims = [s for s in sent if _table(s[0]) == "timers"]
    assert len(claims) == 1
    assert SWEEP_INDEX in plan(engine, *claims[0])


def test_the_old_baseline_statement_walked_the_sweep_index(seeded: tuple[Any, ...]) -> None:
    """What the check catches: cancelling by ``status = 'pending'`` is planned on the
    sweep's index on SQLite (PostgreSQL's statistics see that most timers are
    pending and choose the case's index either way)."""
    engine, _, _, raw_ids, _ = seeded
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner without statistics is the one the old statement misled")
    old = Timer.__table__.update().where(Timer.case_id == raw_ids[0], Timer.status == "pending").values(result="x")
    with captured(engine) as sent, engine.connect() as conn:
        conn.execute(old)
        conn.rollback()
    updates = [s for s in sent if _table(s[0]) == "timers"]
    assert SWEEP_INDEX in plan(engine, *updates[0])


def _footprint(engine: Engine) -> dict[str, int]:
    """Rows per table the write paths touch, timers by status, and the roll-up's
    counters summed (its rows merge, so the sums are what must agree)."""
    from engine.models.rollups import COUNTERS

    with engine.connect() as conn:
        out = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
               for t in ("cases", "case_events", "case_facts", "outbox", "report_rollup_deadlines")}
        for status, n in conn.exec_driver_sql("SELECT status, count(*) FROM timers GROUP BY status"):
            out[f"timers:{status}"] = n
        sums = conn.exec_driver_sql("SELECT " + ", ".join(f"coalesce(sum({c}), 0)" for c in COUNTERS)
                                    + " FROM report_rollups").one()
        out.update({f"rollup:{c}": int(v) for c, v in zip(COUNTERS, sums)})
        if engine.dialect.name == "sqlite":
            out["cases_search"] = conn.exec_driver_sql("SELECT count(*) FROM cases_search_docsize").scalar_one()
    return out


def _written(engine: Engine, work: Callable[[], Any]) -> dict[str, int]:
    before = _footprint(engine)
    work()
    after = _footprint(engine)
    return {k: after.get(k, 0) - before.get(k, 0) for k in after.keys() | before.keys() if after.get(k) != before.get(k)}


def test_the_baselines_write_the_rows_the_service_writes(seeded: tuple[Any, ...]) -> None:
    """"The same rows": a baseline that skipped one (the roll-up, the search index)
    would flatter the service's ratio the other way."""
    engine, service, actor, raw_ids, codes = seeded
    now = service.clock.now()
    unit_id, chain = _bx1(engine)
    ours = _written(engine, lambda: service.create_many(actor, [ITEM] * 20))
    per_row = _written(engine, lambda: bench_writes._raw_ingest_per_row(engine, 20, unit_id, chain, now, "rows1"))
    multirow = _written(engine, lambda: bench_writes._raw_ingest_multirow(engine, 20, unit_id, chain, now, "rows2"))
    assert ours["cases"] == 20 and ours["rollup:received"] == 20 * len(chain) * 2  # each unit above, by day and by month
    assert per_row == ours and multirow == ours
    fired = _written(engine, lambda: [service.fire(actor, c, "answer_on_site", {"answer": "Đã trả lời"})
                                      for c in codes[:2]])
    raw = _written(engine, lambda: bench_writes._raw_transitions(engine, raw_ids[:2], chain, now))
    assert fired["case_events"] == 2 and fired["rollup:on_site"] == 2 * len(chain) * 2
    assert raw == fired
