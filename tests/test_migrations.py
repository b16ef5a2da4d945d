"""Migrations are the schema: upgrading an empty database gives exactly the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine


def test_upgrade_from_empty_matches_models(tmp_path, backend, engine):
    if backend == "postgresql":
        # The session fixture already migrated this database from empty.
        target = engine
    else:
        target = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        migrate.upgrade(target)
    try:
        # One head: branches written in parallel are merged before they land.
        assert "," not in (migrate.head_revision(target) or "")
        assert migrate.current_revision(target) == migrate.head_revision(target)
        assert migrate.pending_diff(target) == []
        tables = set(inspect(target).get_table_names())
        assert {"units", "users", "role_grants", "cases", "case_events", "outbox", "calendar_overrides"} <= tables
    finally:
        if target is not engine:
            target.dispose()


def test_downgrade_to_base_and_back(tmp_path, backend):
    if backend == "postgresql":
        return  # the shared PostgreSQL database is in use by the session; SQLite proves the scripts
    target = make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        migrate.upgrade(target)
        migrate.downgrade(target, "base")
        assert set(inspect(target).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(target)
        assert migrate.pending_diff(target) == []
    finally:
        target.dispose()


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(tmp_path):
    target = make_engine(f"sqlite:///{tmp_path / 'p.db'}", pool_size=2)
    try:
        for _ in range(3):  # every pooled connection, not just the first
            with target.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    finally:
        target.dispose()


def test_foreign_keys_are_enforced(engine):
    import pytest
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO role_grants (user_id, role, unit_id) VALUES (999, 'official', 999)"))
