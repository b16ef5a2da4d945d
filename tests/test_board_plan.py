"""The overdue board's statements use the indexes that carry the state
(``ix_cases_origin_due_state``, ``ix_cases_handling_due_state``) on both sides of
the scope's OR: the page's ids and the count come from the index ranges of the
scope's units, never from a scan of the cases; then only the page's rows are read,
by primary key. The board still lists the overdue cases most overdue first. Both
backends (EXPLAIN QUERY PLAN / EXPLAIN)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from engine.services import calendars
from web.pages.data import board
from web.pages.i18n import Translator

INDEXES = ("ix_cases_origin_due_state", "ix_cases_handling_due_state")


def statements_of_the_board(world, service, engine, clock):  # type: ignore[no-untyped-def]
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM cases" in statement and not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with service.session_factory() as s:
            got = board(s, world.actors["lead_a"], service.workflows, Translator("vi"), calendars.load_calendar(s),
                        clock.now())
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return got, seen


def plan_of(engine, backend: str, statement: str, parameters: object) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        if backend == "sqlite":
            return " | ".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
        # A test table is tiny: without this the planner rightly reads it whole.
        conn.exec_driver_sql("SET enable_seqscan = off")
        return " | ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))


def test_the_board_reads_its_ids_and_its_count_from_the_state_carrying_indexes(world, service, engine, clock,
                                                                              backend):
    codes = [world.new_case(unit=unit).code for unit in ("A1", "A2", "A", "A1")]
    clock.advance(timedelta(days=60))  # every deadline passed
    got, seen = statements_of_the_board(world, service, engine, clock)
    assert [r.code for r in got.overdue] and {r.code for r in got.overdue} == set(codes)
    assert [r.due_at for r in got.overdue] == sorted(r.due_at for r in got.overdue)
    ids = [(st, p) for st, p in seen if st.lstrip().startswith("SELECT cases.id") and "ORDER BY cases.due_at" in st]
    counts = [(st, p) for st, p in seen if "count(*)" in st]
    assert ids, seen
    for statement, parameters in ids[:1] + counts:
        plan = plan_of(engine, backend, statement, parameters)
        for index in INDEXES:
            assert index in plan, plan
        assert "SCAN cases" not in plan and "Seq Scan on cases" not in plan, plan
    # The page's rows: by primary key, once each.
    rows = [st for st, _ in seen if "FROM cases LEFT OUTER JOIN units" in st]
    assert rows and all("cases.id IN" in st for st in rows), rows
