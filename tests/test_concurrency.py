"""Two writers on one case: exactly one wins, the other gets a conflict, and the
history stays one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.errors import Conflict, DomainError, InvalidTransition, StaleVersion
from engine.models import Case
from engine.uow import UnitOfWork


def race(n: int, action) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except DomainError as err:
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_same_expected_version_one_wins(world, service, sessions):
    case = world.new_case()
    actors = [world["off_a"], world["lead_a"]]
    results = race(2, lambda i: service.fire(actors[i], case.code, "answer_on_site", {"answer": f"trả lời {i}"},
                                             expected_version=1))
    wins = [r for r in results if not isinstance(r, DomainError)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], StaleVersion)
    final = service.get(world["off_a"], case.code)
    assert final.version == 2 and final.answer == wins[0].answer
    with sessions() as s:
        assert list(verify_all(s)) == []


def test_without_version_the_loser_sees_the_new_state(world, service, sessions):
    case = world.new_case()
    results = race(4, lambda i: service.fire(world["off_a"], case.code, "answer_on_site", {"answer": f"#{i}"}))
    assert sum(not isinstance(r, DomainError) for r in results) == 1
    assert all(isinstance(r, InvalidTransition) for r in results if isinstance(r, DomainError))
    assert service.get(world["off_a"], case.code).event_count == 2
    with sessions() as s:
        assert list(verify_all(s)) == []


def test_interleaved_sessions_cannot_both_commit(world, service, sessions):
    """Below the service: two units of work read version 1, both write. The
    version column (or SQLite's snapshot check) refuses the second commit."""
    case = world.new_case()
    first, second = UnitOfWork(sessions, write=False), UnitOfWork(sessions, write=False)
    with first, second:
        a = first.session.scalar(select(Case).where(Case.code == case.code))
        b = second.session.scalar(select(Case).where(Case.code == case.code))
        a.answer, b.answer = "A", "B"
        first.commit()
        with pytest.raises((StaleVersion, Conflict)):
            second.commit()
    assert service.get(world["off_a"], case.code).answer == "A"


def test_the_sqlite_writer_queue_is_held_only_inside_a_write(world, service, sessions, engine, backend):
    # A leaked lock would make every later write of the process wait the busy timeout.
    from engine.db import writer_lock

    if backend != "sqlite":
        pytest.skip("PostgreSQL writers lock rows, not a process-wide queue")
    lock = writer_lock(service.session_factory.kw["bind"])
    assert lock is not None and not lock.locked()
    with UnitOfWork(sessions) as uow:
        assert lock.locked()
        uow.session.execute(select(Case.id)).all()
        uow.commit()
    assert not lock.locked()
    with pytest.raises(ZeroDivisionError), UnitOfWork(sessions):
        assert lock.locked()
        1 / 0  # noqa: B018  (a failure inside the unit of work rolls back)
    assert not lock.locked()
    with pytest.raises(InvalidTransition):
        service.fire(world["off_a"], world.new_case().code, "verify")
    assert not lock.locked()
    with UnitOfWork(sessions, write=False):
        assert not lock.locked()
