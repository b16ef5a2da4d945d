"""Migration 0023: the programmes' tables come and go, and what was there before stays
(a meeting recorded at 0018 is still there after the way up and down); both backends."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine


TABLES = {"teams", "team_members", "reception_schedules", "reception_days", "dialogues", "public_documents",
          "document_items", "case_parties"}


def test_the_programme_tables_come_and_go(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine, "0018")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, level, path) VALUES (1, 'X', 'Xã X', 'commune', '/1/')"))
            conn.execute(text("INSERT INTO meetings (programme, held_on, unit_id, place, hosts, attendees, created_at) "
                              "VALUES ('doi-thoai', :d, 1, '', '', 5, :t)"),
                         {"d": date(2026, 11, 16), "t": datetime(2026, 11, 16, tzinfo=timezone.utc)})
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate.upgrade(engine, "0023")
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO dialogues (meeting_id, chair_name, front_representative) "
                              "VALUES (1, 'Bí thư', 'MTTQ')"))
        migrate.downgrade(engine, "0018")
        assert not TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert conn.execute(text("SELECT programme FROM meetings")).scalar_one() == "doi-thoai"
        migrate.upgrade(engine, "0023")
    finally:
        engine.dispose()
