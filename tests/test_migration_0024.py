"""Migration 0024 (meetings.attendees may be empty), on both backends, with meetings
and the cases that point at them in the database: up keeps every row and link, an
empty count stays empty; down writes 0 for it (the old schema cannot hold "not
counted") and keeps every case on its meeting; up again."""

from __future__ import annotations

from sqlalchemy import inspect, text

from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.services.cases import CaseService
from engine.services.meetings import MeetingService

from .intake_support import intake
from .world import build_world


def test_an_empty_attendee_count_survives_the_way_up_and_becomes_0_on_the_way_down(scratch_url, workflows, clock):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine)
        service = CaseService(make_session_factory(engine), workflows, clock)
        world = build_world(service)
        meetings = MeetingService(service)
        empty = meetings.record(world["off_a"], intake(2, attendees="")).meeting
        counted = meetings.record(world["off_a"], intake(1, attendees=57)).meeting
        assert empty.attendees is None and counted.attendees == 57

        def rows() -> list[tuple[int, int | None, int]]:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(
                    "SELECT m.id, m.attendees, (SELECT count(*) FROM cases c WHERE c.meeting_id = m.id) "
                    "FROM meetings m ORDER BY m.id"))]

        assert rows() == [(empty.id, None, 2), (counted.id, 57, 1)]
        migrate.downgrade(engine, "0023")
        assert rows() == [(empty.id, 0, 2), (counted.id, 57, 1)]
        [column] = [c for c in inspect(engine).get_columns("meetings") if c["name"] == "attendees"]
        assert column["nullable"] is False  # NOT NULL again, as 0023 had it
        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
        assert rows() == [(empty.id, 0, 2), (counted.id, 57, 1)]
        with engine.connect() as conn:  # foreign keys are on again for the application
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
