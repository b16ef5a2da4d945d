"""Migration 0012 on a database with people in it: users keep their rows (and may
sign in as before), the record of access changes is append-only in the database
itself, and the way down and up again leaves the schema as the models say."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.models import User
from engine.services.cases import CaseService

from .world import build_world


def test_users_survive_the_way_down_and_up(scratch_url, workflows, clock):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, full_name, password_hash, language, is_active, created_at)"
                              " VALUES ('old_hand', '', 'x', 'vi', true, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO web_attempts (kind, subject, ip, at, ok)"
                              " VALUES ('login', 'old_hand', '10.0.0.1', '2026-01-01 00:00:00', false)"))
        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
        sessions = make_session_factory(engine)
        with sessions() as s:
            assert s.scalar(select(User.must_change_password).where(User.username == "old_hand")) is False
        world = build_world(CaseService(sessions, workflows, clock))
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO access_changes (at, by_name, user_id, username, action, detail)"
                              " VALUES ('2026-01-02 00:00:00', 'cli', :u, 'off_a', 'deactivate', '')"),
                         {"u": world["off_a"].user_id})
        for statement in ("UPDATE access_changes SET detail = 'x'", "DELETE FROM access_changes"):
            with engine.begin() as conn, pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))

        migrate.downgrade(engine, "0011")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1 + len(world.actors)
            assert conn.execute(text("SELECT count(*) FROM web_attempts")).scalar() == 0
        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM access_changes")).scalar() == 0
    finally:
        engine.dispose()
