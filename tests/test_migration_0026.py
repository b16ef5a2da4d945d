"""Migration 0026 (assignment): the case's assignee and last stage's unit come and go,
the cases stay; both backends."""

from __future__ import annotations

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine


def _columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns("cases")}


def test_the_assignment_columns_come_and_go(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine, "0025")
        assert not {"assignee_id", "last_stage_unit_id"} & _columns(engine)
        migrate.upgrade(engine)
        assert {"assignee_id", "last_stage_unit_id"} <= _columns(engine)
        assert "ix_cases_assignee_due" in {i["name"] for i in inspect(engine).get_indexes("cases")}
        assert migrate.pending_diff(engine) == []
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, level, path) VALUES (1, 'X', 'Xã X', 'commune', '/1/')"))
        migrate.downgrade(engine, "0025")
        assert not {"assignee_id", "last_stage_unit_id"} & _columns(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT code FROM units")).scalar_one() == "X"
        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
    finally:
        engine.dispose()
