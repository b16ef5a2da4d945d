"""MeetingService.record: a meeting, its opinions and what was done with each on the
spot, checked as one request and written in one transaction; a key makes it take
effect once, even when the same request arrives twice at the same time."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.errors import DomainError, InvalidField
from engine.models import Case, IdempotencyKey, OutboxMessage, RoleGrant
from engine.services.meetings import (IdempotencyKeyReused, InvalidIntake, MeetingService, NewMeeting, Opinion)
from engine.uow import UnitOfWork

from .conftest import HCM
from .intake_support import intake, opinions, written


@pytest.fixture
def meetings(service) -> MeetingService:  # type: ignore[no-untyped-def]
    return MeetingService(service)


def problems_of(err: InvalidIntake) -> set[tuple[int | None, str]]:
    return {(p.row, p.field) for p in err.problems}


def test_a_meeting_with_its_opinions_and_their_on_site_steps_is_one_commit(world, meetings, service, sessions,
                                                                         monkeypatch):
    commits = []
    original = UnitOfWork.commit
    monkeypatch.setattr(UnitOfWork, "commit", lambda self: (commits.append(1), original(self))[1])
    recorded = meetings.record(world["off_a"], intake(6))
    assert len(commits) == 1 and not recorded.replayed
    view = recorded.meeting
    assert (view.unit, view.attendees, view.held_on, view.created_by) == ("A", 57, date(2026, 11, 23), "off_a")
    assert len(view.cases) == 6 == len(set(view.cases))
    states = [service.get(world["off_a"], code) for code in view.cases]
    # In the order sent: answered, escalated, recorded, answered, ...
    assert [s.state for s in states] == ["answered_on_site", "escalated", "received"] * 2
    assert [s.version for s in states] == [2, 2, 1] * 2  # one change each, as if fired on its own
    assert [s.content for s in states] == [o.content for o in opinions(6)]
    assert states[0].answer == "Đã trả lời tại chỗ ý kiến 1" and states[1].handling_unit == "A-KT"
    assert all(s.meeting_id == view.id for s in states)
    # Received at the meeting's morning, not when typed in.
    assert {s.received_at for s in states} == {datetime(2026, 11, 23, 8, 0, tzinfo=HCM)}
    history = service.history(world["off_a"], view.cases[1])
    assert [e.trigger for e in history] == ["receive", "escalate"]
    assert history[1].data["reason"] == "Vượt thẩm quyền trả lời tại chỗ (buổi tiếp xúc ngày 23/11/2026)."
    with sessions() as s:
        assert s.scalar(select(IdempotencyKey)) is None  # no key, no record of one
        outbox = list(s.scalars(select(OutboxMessage.dedup_key)))
        # A creation each, a step for the four not merely recorded, and the meeting's one
        # notice for its leaders (engine.services.meeting_notice), in the same commit.
        assert len(outbox) == 6 + 4 + 1 and f"meeting:{view.id}:recorded" in outbox
        assert list(verify_all(s)) == []


def test_every_problem_is_reported_at_once_and_nothing_is_written(world, meetings, sessions):
    before = written(sessions)
    rows = (
        Opinion(topic="khong_co", content="", kind="bomb"),  # three problems in one row
        Opinion(topic="khac", content="x", unit="B1"),  # another commune's village
        Opinion(topic="khac", content="x", outcome="answer_on_site"),  # no answer (found by firing)
        Opinion(topic="khac", content="x", unit="A1", outcome="escalate", target_unit="A1"),  # to itself
        Opinion(topic="khac", content="x", outcome="verify"),  # not a step on receipt
        Opinion(topic="khac", content="x", answer="typed, but no outcome chosen"),
        Opinion(topic="khac", content="ổn", citizen_phone="gọi tôi <script>"),
    )
    with pytest.raises(InvalidIntake) as caught:
        meetings.record(world["off_a"], intake(place="p" * 201, attendees="nhiều", opinions=rows))
    assert problems_of(caught.value) == {
        (None, "place"), (None, "attendees"), (0, "topic"), (0, "kind"), (0, "content"), (1, "unit"), (2, "answer"),
        (3, "target_unit"), (4, "outcome"), (5, "answer"), (6, "citizen_phone")}
    assert caught.value.params["count"] == 11
    assert [p.row for p in caught.value.problems][:2] == [None, None]  # the meeting first, then row by row
    assert written(sessions) == before


def test_a_step_refused_when_fired_takes_every_other_opinion_back(world, meetings, sessions):
    before = written(sessions)
    # Five good opinions; the sixth is passed to a department abolished before the
    # meeting: only firing it finds out, after the five were written.
    with sessions.begin() as s:
        from engine.models import Unit
        s.get(Unit, s.scalar(select(Unit.id).where(Unit.code == "P-SO"))).valid_to = date(2026, 1, 1)
    rows = (*opinions(5), Opinion(topic="khac", content="x", outcome="escalate", target_unit="P-SO"))
    with pytest.raises(InvalidIntake) as caught:
        meetings.record(world["off_a"], intake(opinions=rows), key="k" * 40)
    assert problems_of(caught.value) == {(5, "target_unit")}
    assert "không còn hiệu lực" in caught.value.problems[0].error.message("vi")
    assert written(sessions) == before


@pytest.mark.parametrize("held_on, ok", [
    ("2026-11-23", True), (date(2026, 11, 23), True), ("2000-01-01", True), ("2026-11-24", False),
    ("1999-12-31", False), ("23/11/2026", False), ("2026-02-30", False), ("20261123", False), (20261123, False),
    (datetime(2026, 11, 23, 8, 0, tzinfo=HCM), False), ("", False), (None, False),
])
def test_one_date_rule_from_2000_to_today(world, meetings, held_on, ok):
    new = intake(1, held_on=held_on)
    if ok:
        assert meetings.record(world["off_a"], new).meeting.held_on == date.fromisoformat(str(held_on))
    else:
        with pytest.raises(InvalidIntake) as caught:
            meetings.record(world["off_a"], new)
        assert (None, "held_on") in problems_of(caught.value)


def test_today_is_the_local_day(world, meetings, clock):
    # 00:30 on 24/11 in Hà Nội is still the 23rd in UTC: the 24th is today, not the future.
    clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=HCM))
    assert meetings.record(world["off_a"], intake(1, held_on="2026-11-24")).meeting.held_on == date(2026, 11, 24)
    with pytest.raises(InvalidIntake):
        meetings.record(world["off_a"], intake(1, held_on="2026-11-25"))


@pytest.mark.parametrize("who, unit, field", [
    ("off_b", "A", "unit"), ("off_a", "B", "unit"), ("off_a", "P", "unit"), ("off_a", "NO-SUCH", "unit"),
    ("aud_p", "A", "unit"), ("off_kt", "A", "unit"),
])
def test_who_may_record_where(world, meetings, sessions, who, unit, field):
    before = written(sessions)
    with pytest.raises(InvalidIntake) as caught:
        meetings.record(world[who], intake(2, unit=unit, opinions=(Opinion(topic="khac", content="x"),)))
    assert problems_of(caught.value) == {(None, field)}
    assert written(sessions) == before


def test_an_opinion_from_a_village_that_was_merged_away_is_refused(world, meetings, sessions):
    from engine.models import Unit
    with sessions.begin() as s:
        s.scalar(select(Unit).where(Unit.code == "A2")).valid_to = date(2026, 11, 1)
    with pytest.raises(InvalidIntake) as caught:
        meetings.record(world["off_a"], intake(2))
    assert problems_of(caught.value) == {(0, "unit")}  # the A2 opinion; A1's would have passed


def test_a_replay_gets_the_first_result_and_writes_nothing(world, meetings, sessions, clock):
    first = meetings.record(world["off_a"], intake(6), key="form-nonce-0001")
    after = written(sessions)
    clock.advance(timedelta(hours=2))
    again = meetings.record(world["off_a"], intake(6), key="form-nonce-0001")
    assert again.replayed and again.meeting == first.meeting
    assert written(sessions) == after
    # Spacing and blanks typed differently are the same request.
    spaced = intake(6, place="  Nhà văn hóa ấp A1 ", attendees="57")
    assert meetings.record(world["off_a"], spaced, key="form-nonce-0001").meeting.cases == first.meeting.cases


def test_the_same_key_with_another_body_is_refused(world, meetings, sessions):
    first = meetings.record(world["off_a"], intake(3), key="k-1")
    after = written(sessions)
    changed = intake(3, opinions=(*opinions(2), replace(opinions(3)[2], content="khác đi")))
    with pytest.raises(IdempotencyKeyReused) as caught:
        meetings.record(world["off_a"], changed, key="k-1")
    assert caught.value.params["meeting_id"] == first.meeting.id
    assert "nội dung khác" in caught.value.message("vi") and "different content" in caught.value.message("en")
    assert written(sessions) == after


def test_keys_are_each_users_own(world, meetings, sessions):
    a = meetings.record(world["off_a"], intake(2), key="same-key")
    lead = meetings.record(world["lead_a"], intake(2), key="same-key")
    assert not lead.replayed and lead.meeting.id != a.meeting.id
    assert written(sessions)["idempotency_keys"] == 2


def test_a_replay_after_the_grant_was_withdrawn_shows_nothing(world, meetings, sessions):
    meetings.record(world["off_a"], intake(2), key="k-2")
    with sessions.begin() as s:
        for grant in s.scalars(select(RoleGrant).where(RoleGrant.user_id == world["off_a"].user_id)):
            s.delete(grant)
    from engine.services import directory
    with sessions() as s:
        stripped = directory.actor_for(s, "off_a")
    with pytest.raises(DomainError) as caught:
        meetings.record(stripped, intake(2), key="k-2")
    assert caught.value.code == "not-found"


@pytest.mark.parametrize("key", ["", "has space", "x" * 101, "khóa", "tab\there", 42])
def test_bad_keys_are_refused(world, meetings, sessions, key):
    before = written(sessions)
    with pytest.raises(InvalidField) as caught:
        meetings.record(world["off_a"], intake(1), key=key)  # type: ignore[arg-type]
    assert caught.value.params["field"] == "Idempotency-Key"
    assert written(sessions) == before


def test_two_copies_at_once_record_one_meeting(world, meetings, sessions):
    n = 4
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def post(i: int) -> None:
        barrier.wait()
        try:
            results[i] = meetings.record(world["off_a"], intake(12), key="double-click")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({r.meeting.id for r in results}) == 1  # type: ignore[union-attr]
    assert len({r.meeting.cases for r in results}) == 1  # type: ignore[union-attr]
    assert sorted(r.replayed for r in results) == [False] + [True] * (n - 1)  # type: ignore[union-attr]
    counts = written(sessions)
    assert (counts["meetings"], counts["cases"], counts["idempotency_keys"]) == (1, 12, 1)
    with sessions() as s:
        assert len(list(s.scalars(select(Case.id)))) == 12


def test_a_meeting_alone_is_an_intake_without_opinions(world, meetings):
    view = meetings.record(world["lead_a"], NewMeeting(programme="nghe-dan-noi", held_on=date(2026, 11, 2),
                                                       unit="A", attendees=85)).meeting
    assert view.cases == () and meetings.get(world["aud_p"], view.id).attendees == 85
    with pytest.raises(DomainError):
        meetings.get(world["off_b"], view.id)


def test_a_copy_arriving_while_the_first_writes_waits_for_it_and_gets_its_result(world, service, sessions, engine,
                                                                                backend, monkeypatch):
    """The first copy stops after writing its meeting and key; the second arrives
    then. SQLite: it queues for the writer lock and then reads the key. PostgreSQL:
    it sees no key yet, writes its own meeting and waits on the key's primary key
    (checked in pg_stat_activity); when the first commits it gets the first result."""
    meetings = MeetingService(service)
    key_written, go = threading.Event(), threading.Event()
    original = service.create_within

    def held(uow, actor, items):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "first":
            key_written.set()
            assert go.wait(60)
        return original(uow, actor, items)

    monkeypatch.setattr(service, "create_within", held)
    results: dict[str, object] = {}

    def post() -> None:
        try:
            results[threading.current_thread().name] = meetings.record(world["off_a"], intake(6), key="slow-first")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            results[threading.current_thread().name] = exc

    first = threading.Thread(target=post, name="first")
    first.start()
    assert key_written.wait(60)
    second = threading.Thread(target=post, name="second")
    second.start()
    if backend == "postgresql":
        from sqlalchemy import text
        deadline = datetime.now().timestamp() + 60
        with engine.connect() as conn:
            while not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND datname = current_database()")).scalar():
                assert datetime.now().timestamp() < deadline, "the second copy never waited for the first"
                conn.rollback()
    go.set()
    first.join(60)
    second.join(60)
    a, b = results["first"], results["second"]
    assert not isinstance(a, BaseException) and not isinstance(b, BaseException), results
    assert not a.replayed and b.replayed and b.meeting == a.meeting  # type: ignore[union-attr]
    assert (written(sessions)["meetings"], written(sessions)["cases"]) == (1, 6)
