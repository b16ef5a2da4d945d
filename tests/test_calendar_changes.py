"""Open deadlines follow calendar corrections: an override added or removed, or a new
holiday list, moves every open stage it affects, with its pending timers, each move
in the case's chain; batches are transactions and a crash between them resumes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine.audit import verify_all
from engine.deadline_rules import sweep
from engine.deadline_rules.stages import RECOMPUTE_TRIGGER
from engine.holiday_source import PACKAGE_HOLIDAYS, HolidayYear
from engine.models import CalendarChange, CalendarOverride, Timer
from engine.services import calendar_changes as changes

from .conftest import HCM

OVERRIDE = date(2027, 2, 11)  # Thursday after Tết 2027 (built-in days off: 4–10 February)


def at(y: int, m: int, d: int, h: int = 17, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=HCM)


def timers(sessions, code: str) -> dict[str, tuple[str, datetime]]:
    from engine.models import Case
    with sessions() as s:
        case_id = s.scalar(select(Case.id).where(Case.code == code))
        return {t.rule: (t.status, t.due_at) for t in s.scalars(select(Timer).where(Timer.case_id == case_id))}


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def recomputations(service, world, code: str):
    return [e for e in service.history(world["lead_a"], code) if e.trigger == RECOMPUTE_TRIGGER]


@pytest.fixture
def tet(world, service, clock):
    """A case received before the Tết override day, one after it."""
    clock.set(at(2027, 2, 3, 9))
    before = world.new_case()
    clock.set(at(2027, 2, 12, 9))
    after = world.new_case()
    return before, after


def test_an_override_moves_open_deadlines_timers_and_alerts(tet, world, service, sessions, clock):
    before, after = tet
    assert before.due_at == at(2027, 2, 24) and after.due_at == at(2027, 2, 26)
    assert timers(sessions, before.code)["overdue"] == ("pending", at(2027, 2, 24, 17, 0, 1))

    clock.set(at(2027, 2, 12, 10))
    result = changes.change_override(service, OVERRIDE, "day_off", "Thủ tướng cho nghỉ thêm", actor="admin")
    assert result.moved == 1

    moved = service.get(world["lead_a"], before.code)
    assert moved.due_at == at(2027, 2, 25)
    # Every pending timer moved one working day with it.
    t = timers(sessions, before.code)
    assert t["overdue"] == ("pending", at(2027, 2, 25, 17, 0, 1))
    assert t["remind"] == ("pending", at(2027, 2, 23))  # two working days before the 25th
    assert t["auto_escalate"] == ("pending", at(2027, 3, 2, 17, 0, 1))
    # Received after the day: its count never crossed it, nothing written.
    assert service.get(world["lead_a"], after.code).due_at == at(2027, 2, 26)
    assert recomputations(service, world, after.code) == []

    [event] = recomputations(service, world, before.code)
    assert event.actor == "system" and event.from_state == event.to_state == "received"
    assert event.data["previous_due_at"] == iso(at(2027, 2, 24))
    assert event.data["due_at"] == iso(at(2027, 2, 25))
    assert "11/02/2027" in event.data["reason"] and event.data["timers"]["overdue"] == [
        iso(at(2027, 2, 24, 17, 0, 1)), iso(at(2027, 2, 25, 17, 0, 1))]

    # The people working the case are told, in words that say what happened.
    from engine.models import OutboxMessage
    from notifications.text import event_phrase
    with sessions() as s:
        told = s.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == f"case:{before.code}:event:{event.seq}"))
        assert event_phrase(told.kind, told.payload, "vi") == "Hạn xử lý được tính lại theo lịch làm việc mới"

    # The sweep no longer alerts a day early, and alerts on the new deadline.
    clock.set(at(2027, 2, 24, 17, 0, 1))
    assert sweep(service, clock.now()).overdue == 0
    clock.set(at(2027, 2, 25, 17, 0, 1))
    assert sweep(service, clock.now()).overdue == 1

    # A new case received the day before the override counts the same way.
    with sessions() as s:
        assert list(verify_all(s)) == []
        row = s.get(CalendarOverride, OVERRIDE)
        assert (row.kind, row.added_by, row.added_at) == ("day_off", "admin", at(2027, 2, 12, 10))


def test_removing_the_override_moves_them_back_and_repeating_writes_nothing(tet, world, service, sessions, clock):
    before, _ = tet
    clock.set(at(2027, 2, 12, 10))
    changes.change_override(service, OVERRIDE, "day_off", "", actor="admin")
    # The same override again changes no day: no change, no event.
    assert changes.change_override(service, OVERRIDE, "day_off", "", actor="admin").changes == []
    assert changes.affected_cases(service, OVERRIDE) == changes.Affected(
        1, [(before.code, at(2027, 2, 25), at(2027, 2, 24))])

    clock.set(at(2027, 2, 15, 8))
    assert changes.drop_override(service, OVERRIDE, actor="admin").moved == 1
    assert service.get(world["lead_a"], before.code).due_at == at(2027, 2, 24)
    assert timers(sessions, before.code)["overdue"] == ("pending", at(2027, 2, 24, 17, 0, 1))
    first, second = recomputations(service, world, before.code)
    assert (second.data["previous_due_at"], second.data["due_at"]) == (
        iso(at(2027, 2, 25)), iso(at(2027, 2, 24)))
    assert "bỏ điều chỉnh" in second.data["reason"]
    # Nothing left to do: a refresh finds no change and writes nothing.
    assert changes.refresh(service).moved == 0
    assert len(recomputations(service, world, before.code)) == 2
    with sessions() as s:
        assert list(verify_all(s)) == []
    with pytest.raises(Exception) as err:
        changes.drop_override(service, OVERRIDE, actor="admin")
    assert err.value.code == "not-found"


def test_an_alert_already_sent_is_recorded_not_repeated(world, service, sessions, clock):
    clock.set(at(2027, 2, 3, 9))
    case = world.new_case()
    clock.set(at(2027, 2, 24, 17, 0, 1))
    assert sweep(service, clock.now()).overdue == 1
    # The day off is announced late: the deadline moves, the alert stays sent, once.
    clock.set(at(2027, 2, 24, 18))
    changes.change_override(service, OVERRIDE, "day_off", "", actor="admin")
    assert service.get(world["lead_a"], case.code).due_at == at(2027, 2, 25)
    [event] = recomputations(service, world, case.code)
    assert event.data["alerts_already_sent"]["overdue"] == iso(at(2027, 2, 24, 17, 0, 1))
    assert timers(sessions, case.code)["overdue"][0] == "fired"
    clock.set(at(2027, 2, 25, 17, 0, 1))
    assert sweep(service, clock.now()).overdue == 0


def test_ended_stages_keep_their_outcome(world, service, clock):
    clock.set(at(2027, 2, 3, 9))
    case = world.new_case()
    clock.set(at(2027, 2, 3, 10))
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã sửa đường ống."})
    ended = service.get(world["lead_a"], case.code)
    changes.change_override(service, OVERRIDE, "day_off", "", actor="admin")
    after = service.get(world["lead_a"], case.code)
    assert (after.last_stage_outcome, after.last_stage_state) == (ended.last_stage_outcome, "received")
    # The on-site stage began on 03/02 too: its own open deadline moved.
    assert after.due_at != ended.due_at


def test_a_crash_between_batches_leaves_whole_cases_and_a_rerun_finishes(world, service, sessions, clock):
    clock.set(at(2027, 2, 3, 9))
    codes = [world.new_case().code for _ in range(5)]
    clock.set(at(2027, 2, 12, 10))

    class Crash(Exception):
        pass

    def crash(result) -> None:
        if result.batches == 2:
            raise Crash()

    with pytest.raises(Crash):
        changes.change_override(service, OVERRIDE, "day_off", "", actor="admin", batch_size=2, after_batch=crash)
    dues = [service.get(world["lead_a"], c).due_at for c in codes]
    assert dues == [at(2027, 2, 25)] * 4 + [at(2027, 2, 24)]
    with sessions() as s:
        assert s.scalar(select(CalendarChange.finished_at)) is None
    done = changes.refresh(service, batch_size=2)
    assert done.moved == 1
    assert [service.get(world["lead_a"], c).due_at for c in codes] == [at(2027, 2, 25)] * 5
    assert all(len(recomputations(service, world, c)) == 1 for c in codes)
    with sessions() as s:
        assert s.scalar(select(CalendarChange.finished_at)) is not None
        assert list(verify_all(s)) == []


class Release:
    """Another release of the holidays package: the installed one, with some days changed."""

    def __init__(self, version: str, extra_off: dict[date, str]) -> None:
        self.version, self.extra_off = version, extra_off

    def year(self, year: int) -> HolidayYear:
        base = PACKAGE_HOLIDAYS.year(year)
        off = {**base.days_off, **{d: n for d, n in self.extra_off.items() if d.year == year}}
        return HolidayYear(year, off, base.make_up)


def test_a_new_holidays_release_is_detected_and_moves_deadlines(tet, world, service, sessions, clock):
    before, after = tet
    clock.set(at(2027, 2, 12, 10))
    assert changes.refresh(service).changes == []  # first sight: fingerprints stored
    service.holidays = Release("holidays 9.99", {OVERRIDE: "Nghỉ bù Tết"})
    try:
        result = changes.refresh(service)
        assert (len(result.changes), result.moved) == (1, 1)
        assert service.get(world["lead_a"], before.code).due_at == at(2027, 2, 25)
        assert service.get(world["lead_a"], after.code).due_at == at(2027, 2, 26)
        [event] = recomputations(service, world, before.code)
        assert "holidays 9.99" in event.data["reason"] and "holidays 0." in event.data["reason"]
        assert changes.refresh(service).changes == []  # the fingerprint is now the new one
        clock.set(at(2027, 2, 24, 17, 0, 1))
        assert sweep(service, clock.now()).overdue == 0
    finally:
        service.holidays = PACKAGE_HOLIDAYS


def test_the_installed_package_knows_the_2026_schedule():
    year = PACKAGE_HOLIDAYS.year(2026)
    # 31/08/2026 is the bridge day of National Day, made up on Saturday 22/08/2026.
    assert date(2026, 8, 31) in year.days_off and date(2026, 8, 22) in year.make_up


def test_a_paused_stage_gets_its_new_base_and_resumes_on_it(world, service, clock):
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")  # Mon 23/11/2026
    escalated = service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát"})
    assert escalated.due_at == at(2026, 12, 24, 0)  # 30 calendar days: 24:00 on Wed 23/12
    clock.set(at(2026, 11, 24, 9))
    service.fire(world["off_kt"], case.code, "await_citizen", {"reason": "Thiếu sổ đỏ"})
    # 23/12 becomes a day off while the clock is stopped: the limit ends a day later.
    assert changes.change_override(service, date(2026, 12, 23), "day_off", "", actor="admin").moved == 1
    [event] = recomputations(service, world, case.code)
    assert (event.data["previous_base_due_at"], event.data["base_due_at"]) == (
        iso(at(2026, 12, 24, 0)), iso(at(2026, 12, 25, 0)))
    assert event.data["due_at"] is None  # paused: no deadline running
    clock.set(at(2026, 12, 1, 9))
    resumed = service.fire(world["off_kt"], case.code, "resume", {"note": "Đã nhận đủ"})
    # Paused 25, 26, 27, 30/11 and 01/12: five working days on the new base, 24:00 Thu 24/12 →
    # Fri 25, Mon 28, Tue 29, Wed 30, Thu 31/12.
    assert resumed.due_at == at(2027, 1, 1, 0)


def test_the_worker_follows_a_new_release_before_it_sweeps(tet, container, world, service, clock):
    from web.worker import sweep_job

    before, _ = tet
    clock.set(at(2027, 2, 12, 10))
    sweep_job(container)  # records the installed release's fingerprints
    service.holidays = Release("holidays 9.99", {OVERRIDE: "Nghỉ bù Tết"})
    try:
        clock.set(at(2027, 2, 24, 17, 0, 1))
        assert sweep_job(container).overdue == 0  # the deadline moved first: not a day early
        assert service.get(world["lead_a"], before.code).due_at == at(2027, 2, 25)
        clock.set(at(2027, 2, 25, 17, 0, 1))
        assert sweep_job(container).overdue == 1
    finally:
        service.holidays = PACKAGE_HOLIDAYS


def test_a_case_created_on_the_old_calendar_meanwhile_is_not_missed(backend, world, service, sessions, clock):
    """PostgreSQL: the change waits for a transaction that read the old calendar; on
    SQLite writers are serial, so the interleaving cannot happen there."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE)")
    import threading

    from sqlalchemy import text

    from engine.services.cases import NewCase

    clock.set(at(2027, 2, 3, 9))
    gate, created, failures = threading.Event(), [], []

    def create_and_hold(uow):
        created.extend(service.create_within(uow, world["off_a"], [NewCase(
            workflow="nghe-dan-noi", unit="A1", topic="dien_nuoc", kind="kien_nghi", content="Mất nước")]))
        assert gate.wait(30)

    def guarded(fn):
        def run() -> None:
            try:
                fn()
            except Exception as err:  # reported below, in the test's thread
                failures.append(err)
        return threading.Thread(target=run)

    creator = guarded(lambda: service.within(create_and_hold))
    creator.start()
    while not created and creator.is_alive():
        threading.Event().wait(0.01)
    changer = guarded(lambda: changes.change_override(service, OVERRIDE, "day_off", "", actor="admin"))
    changer.start()
    # Proceed only once the change is waiting for the creator's transaction.
    with sessions() as s:
        for _ in range(3000):
            waiting = s.execute(text("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                     "WHERE NOT l.granted AND c.relname = 'calendar_overrides'")).scalar()
            s.rollback()
            if waiting:
                break
            threading.Event().wait(0.01)
        else:
            gate.set()
            pytest.fail("the change did not wait for the transaction that read the calendar")
    gate.set()
    creator.join(30)
    changer.join(30)
    assert failures == []
    [case] = created
    assert case.due_at == at(2027, 2, 24)  # computed on the old calendar…
    assert service.get(world["lead_a"], case.code).due_at == at(2027, 2, 25)  # …and moved
