"""Migration 0011: form nonces become idempotency keys, and back, keeping what a
saved form's replay must find (its meeting and, going up, the meeting's codes)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.models import IdempotencyKey
from engine.services.cases import CaseService
from engine.services.meetings import MeetingService

from .intake_support import intake
from .world import build_world

NONCE = "Xq3" * 14 + "z"  # 43 characters, as the form's


def test_saved_nonces_survive_the_way_down_and_up(tmp_path, backend, workflows, clock):
    if backend == "postgresql":
        pytest.skip("the shared PostgreSQL database is in use by the session; SQLite proves the scripts")
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        migrate.upgrade(engine)
        service = CaseService(make_session_factory(engine), workflows, clock)
        world = build_world(service)
        first = MeetingService(service).record(world["off_a"], intake(4), key=NONCE)
        with make_session_factory(engine).begin() as s:
            s.add(IdempotencyKey(user_id=world["lead_a"].user_id, request_key="api-key-" + "9" * 90,
                                 request_sha256="0" * 64, meeting_id=first.meeting.id, codes=[],
                                 created_at=clock.now()))

        migrate.downgrade(engine, "0009")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT nonce, user_id, meeting_id FROM web_form_nonces")).all()
        # The form's nonce goes back; an API key longer than a nonce had no place there.
        assert [tuple(r) for r in rows] == [(NONCE, world["off_a"].user_id, first.meeting.id)]

        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
        sessions = make_session_factory(engine)
        with sessions() as s:
            kept = s.scalars(select(IdempotencyKey)).one()
        assert (kept.request_key, kept.meeting_id, kept.request_sha256) == (NONCE, first.meeting.id, None)
        assert tuple(kept.codes) == first.meeting.cases
        # Recorded before bodies were fingerprinted: a replay of the form finds its meeting.
        service = CaseService(sessions, workflows, clock)
        again = MeetingService(service).record(world["off_a"], intake(4, place="sửa lại"), key=NONCE)
        assert again.replayed and again.meeting.id == first.meeting.id and again.meeting.cases == first.meeting.cases
    finally:
        engine.dispose()
