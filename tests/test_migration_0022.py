"""Migration 0022: citizens' consents, provider tokens and the deliveries' consent link
come and go; deliveries written before it keep everything (no consent); both backends."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine


NOW = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)


def test_consent_tables_come_and_go_and_deliveries_survive(scratch_url):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine, "0018")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO notification_deliveries (key, channel, kind, status, attempts, "
                              "next_attempt_at, created_at, requeues) VALUES ('k1', 'email', 'notice', 'sent', 1, "
                              ":now, :now, 0)"), {"now": NOW})
        migrate.upgrade(engine, "0022")
        assert {"citizen_consents", "provider_tokens"} <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            row = conn.execute(text("SELECT key, channel, status, consent_id FROM notification_deliveries")).one()
        assert tuple(row) == ("k1", "email", "sent", None)
        fks = inspect(engine).get_foreign_keys("notification_deliveries")
        assert any(fk["referred_table"] == "citizen_consents" for fk in fks)

        migrate.downgrade(engine, "0018")
        tables = set(inspect(engine).get_table_names())
        assert not {"citizen_consents", "provider_tokens"} & tables
        assert "consent_id" not in {c["name"] for c in inspect(engine).get_columns("notification_deliveries")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT key, status FROM notification_deliveries")).one() == ("k1", "sent")
        migrate.upgrade(engine, "0022")
    finally:
        engine.dispose()
