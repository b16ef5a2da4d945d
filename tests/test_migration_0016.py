"""Migration 0016: overrides recorded before it keep their day, kind and note (who added
them is unknown: empty), the calendar tables come and go; on both backends."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine


def test_overrides_survive_the_way_up_and_down(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO calendar_overrides (day, kind, note) VALUES (:d, 'day_off', 'Nghỉ bù')"),
                         {"d": date(2027, 2, 11)})
        migrate.upgrade(engine, "0016")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT day, kind, note, added_by, added_at FROM calendar_overrides")).one()
        assert (row.kind, row.note, row.added_by, row.added_at) == ("day_off", "Nghỉ bù", "", None)
        assert {"calendar_fingerprints", "calendar_changes"} <= set(inspect(engine).get_table_names())

        migrate.downgrade(engine, "0011")
        tables = set(inspect(engine).get_table_names())
        assert not {"calendar_fingerprints", "calendar_changes"} & tables
        assert {c["name"] for c in inspect(engine).get_columns("calendar_overrides")} == {"day", "kind", "note"}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT kind, note FROM calendar_overrides")).one() == ("day_off", "Nghỉ bù")
        migrate.upgrade(engine, "0016")
    finally:
        engine.dispose()
