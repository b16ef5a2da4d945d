"""Migration 0029: the public statistics' old monthly copy (public_stats and its
watermark) is dropped on the way up — the page reads the report roll-ups — and comes
back empty on the way down, as 0021 made it. Both backends."""

from __future__ import annotations

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine

TABLES = {"public_stats", "public_stats_watermark"}


def test_the_old_copy_goes_up_and_comes_back_empty_down(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine)
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate.downgrade(engine, "0028")
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM public_stats")).scalar() == 0
        assert {c["name"] for c in inspect(engine).get_columns("public_stats_watermark")} == {
            "id", "event_id", "refreshed_at"}
        migrate.upgrade(engine)
        assert not TABLES & set(inspect(engine).get_table_names())
        assert migrate.pending_diff(engine) == []
    finally:
        engine.dispose()
