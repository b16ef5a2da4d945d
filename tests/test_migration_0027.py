"""Migrations 0027 (report roll-ups) and 0028 (the board's indexes): the way up
folds the roll-up from the facts and the history, equal to what the event hook
keeps; the way down drops them and the indexes come back as they were. Both backends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect

from engine import migrate
from engine.clock import FrozenClock
from engine.db import make_engine, make_session_factory
from engine.services.cases import CaseService

from .test_reports_support import at
from .test_rollups_property import rollup_rows
from .world import build_world

TABLES = {"report_rollups", "report_rollup_deadlines"}


def test_the_roll_up_is_folded_on_the_way_up_and_dropped_on_the_way_down(scratch_url, workflows):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine)
        clock = FrozenClock(at(2026, 10, 1))
        service = CaseService(make_session_factory(engine), workflows, clock)
        world = build_world(service)
        for i, unit in enumerate(("A1", "A2", "A", "A1")):
            case = world.new_case(unit=unit)
            clock.advance(timedelta(days=9 * i))
            if i % 2:
                service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã trả lời"})
        clock.advance(timedelta(days=30))  # some deadlines passed: overdue intervals open
        kept = rollup_rows(engine)
        assert kept
        migrate.downgrade(engine, "0026")
        names = set(inspect(engine).get_table_names())
        assert not TABLES & names and "cases" in names
        indexes = {i["name"] for i in inspect(engine).get_indexes("cases")}
        assert {"ix_cases_origin_due", "ix_cases_handling_due"} <= indexes
        assert not {"ix_cases_origin_due_state", "ix_cases_handling_due_state"} & indexes
        migrate.upgrade(engine)
        assert rollup_rows(engine) == kept
        indexes = {i["name"] for i in inspect(engine).get_indexes("cases")}
        assert {"ix_cases_origin_due_state", "ix_cases_handling_due_state"} <= indexes
    finally:
        engine.dispose()
