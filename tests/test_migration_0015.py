"""Migration 0015: keys of any keyed write (no meeting, an answer kept) and back; the
way down forgets those keys and keeps every meeting's, on both backends."""

from __future__ import annotations

from sqlalchemy import select, text

from engine import migrate
from engine.db import make_engine, make_session_factory
from engine.models import IdempotencyKey
from engine.services.cases import CaseService
from engine.services.idempotency import once
from engine.services.meetings import MeetingService

from .intake_support import intake
from .world import build_world


def test_keys_of_other_writes_go_on_the_way_down_and_meetings_stay(scratch_url, workflows, clock):
    engine = make_engine(scratch_url)
    try:
        migrate.upgrade(engine)
        service = CaseService(make_session_factory(engine), workflows, clock)
        world = build_world(service)
        meeting = MeetingService(service).record(world["off_a"], intake(2), key="form-nonce")
        case = world.new_case()
        auditor = world["aud_p"]
        once(service, auditor, "remark-key", "case.remark", {"n": 1},
             lambda uow: service.remark_within(uow, auditor, case.code, "Theo dõi"), lambda uow, c: {"status": 201})

        migrate.downgrade(engine, "0011")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT request_key, meeting_id FROM idempotency_keys")).all()
        assert [tuple(r) for r in rows] == [("form-nonce", meeting.meeting.id)]

        migrate.upgrade(engine)
        assert migrate.pending_diff(engine) == []
        with make_session_factory(engine)() as s:
            kept = s.scalars(select(IdempotencyKey)).one()
        assert (kept.request_key, kept.meeting_id, kept.answer) == ("form-nonce", meeting.meeting.id, None)
        again = MeetingService(service).record(world["off_a"], intake(2), key="form-nonce")
        assert again.replayed and again.meeting.cases == meeting.meeting.cases
    finally:
        engine.dispose()
