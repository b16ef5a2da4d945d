"""Migration 0025 (search index): cases recorded before it are filled in, found by the
index afterwards, and the way down and up again works; both backends."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine
from engine.search_index import FTS_TABLE, PG_INDEX


def _insert_case(conn, i):
    conn.execute(text(
        "INSERT INTO cases (code, workflow_key, state, kind, topic, channel, content, origin_unit_id, "
        "handling_unit_id, received_at, stage_started_at, created_at, updated_at, event_count, head_hash, version) "
        "VALUES (:code, 'nghe-dan-noi', 'received', 'kien_nghi', 'khac', 'meeting', :content, 1, 1, :t, :t, :t, :t, "
        "0, :h, 1)"),
        {"code": f"X-2026-{i:07d}", "content": f"Đường ĐAL số {i} sạt lở", "t": datetime(2026, 11, 2, tzinfo=timezone.utc),
         "h": "0" * 64})


def test_the_search_column_is_filled_and_indexed(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine, "0024")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO units (id, code, name, level, path) VALUES (1, 'X', 'Xã X', 'commune', '/1/')"))
            for i in range(2500 + 7):  # more than one batch
                _insert_case(conn, i)
        migrate.upgrade(engine, "0025")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases WHERE content_folded LIKE 'duong dal so % sat lo'")
                                ).scalar_one() == 2507
            if engine.dialect.name == "sqlite":
                hits = conn.execute(text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH "
                                         "'\"so 2506 sat\"'")).scalar_one()
                assert hits == 1
            else:
                assert PG_INDEX in {i["name"] for i in inspect(engine).get_indexes("cases")}
        migrate.downgrade(engine, "0024")
        assert "content_folded" not in {c["name"] for c in inspect(engine).get_columns("cases")}
        assert FTS_TABLE not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 2507
        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
    finally:
        engine.dispose()
