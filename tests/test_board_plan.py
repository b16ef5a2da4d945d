"""The overdue board's statements use the indexes that carry the state
(``ix_cases_origin_due_state``, ``ix_cases_handling_due_state``) on both sides of
the scope's OR, on a province as the benchmark loads it (bench/dataset.py, 20,000
cases, the planner's statistics taken): the page's ids and the count come from the
index ranges of the scope's units, never from a scan of the cases; then only the
page's rows are read, by primary key. The board still lists the overdue cases most
overdue first. Both backends (EXPLAIN QUERY PLAN / EXPLAIN)."""

from __future__ import annotations

from sqlalchemy import event

from bench.dataset import COMMUNES_PER_PROVINCE, NOW, PROVINCE_LEADER, VILLAGES, Province, load_cases, load_province
from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.services import calendars, directory
from web.pages.data import board
from web.pages.i18n import Translator

INDEXES = ("ix_cases_origin_due_state", "ix_cases_handling_due_state")
CASES = 20_000
COUNTRY = 1_000_000


def plan_of(engine, statement: str, parameters: object) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        verb = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
        return " | ".join(str(r[-1]) for r in conn.exec_driver_sql(f"{verb} {statement}", parameters))


def test_the_board_reads_its_ids_and_its_count_from_the_state_carrying_indexes(scratch_url, workflows):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine)
        # The tree of 1,000,000 cases (34 provinces); the cases in province P00, its leader's.
        country = load_province(engine, COUNTRY)
        load_cases(engine, Province(country.villages[:COMMUNES_PER_PROVINCE * VILLAGES], set()), 0, CASES)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        sessions = make_session_factory(engine)
        seen: list[tuple[str, object]] = []

        def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if "FROM cases" in statement and not executemany:
                seen.append((statement, parameters))

        with sessions() as s:
            actor = directory.actor_for(s, PROVINCE_LEADER)
            cal = calendars.load_calendar(s)
        event.listen(engine, "before_cursor_execute", keep)
        try:
            with sessions() as s:
                got = board(s, actor, workflows, Translator("vi"), cal, NOW)
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        assert len(got.overdue) == 100 and got.overdue_total > 100
        assert [r.due_at for r in got.overdue] == sorted(r.due_at for r in got.overdue)
        ids = [(st, p) for st, p in seen if st.lstrip().startswith("SELECT cases.id")
               and "ORDER BY cases.due_at" in st]
        counts = [(st, p) for st, p in seen if "count(*)" in st]
        assert ids and counts, seen
        for statement, parameters in ids[:1] + counts:
            plan = plan_of(engine, statement, parameters)
            assert "SCAN cases" not in plan and "Seq Scan on cases" not in plan, plan
            if engine.dialect.name == "sqlite":
                for index in INDEXES:
                    assert index in plan, plan
            else:
                # With 20,000 cases in one province PostgreSQL rightly walks the global
                # deadline index (every overdue case is in scope); at a country's size it
                # takes the scope's ranges, which these indexes serve (docs/benchmarks.md).
                assert any(i in plan for i in (*INDEXES, "ix_cases_due_at")), plan
        # The page's rows: by primary key, once each, as plain rows with their units.
        rows = [st for st, _ in seen if "FROM cases JOIN units AS origin" in st]
        assert rows and all("cases.id IN" in st for st in rows), rows
    finally:
        engine.dispose()
