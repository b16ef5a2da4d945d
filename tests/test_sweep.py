"""The sweep: deadlines act by themselves, each rule fires exactly once whatever
happens to the sweeps (re-runs, crashes, two at once), and a sweep reads only the
timers that are due."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections import Counter
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import event, select, text, update

from engine.audit import verify_all
from engine.db import make_engine, make_session_factory
from engine.deadline_rules import SweepResult, claim_statement, sweep
from engine.models import CaseEvent, OutboxMessage, Timer, User
from engine.errors import InvalidTransition
from engine.services.cases import NewCase
from engine.workflow import Workflow

from .conftest import HCM


def at(y: int, m: int, d: int, h: int = 17, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=HCM)


def alerts(sessions, kind: str | None = None) -> list[OutboxMessage]:
    with sessions() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.kind.like("deadline.%")).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list(s.scalars(stmt))


def sweep_at(service, clock, when: datetime, times: int = 3) -> SweepResult:
    """Sweep ``times`` times at ``when``; only the first may do anything."""
    clock.set(when)
    first = sweep(service, when)
    for _ in range(times - 1):
        again = sweep(service, when)
        assert again.claimed == 0 and again.messages == 0
    return first


def uid(world, name: str) -> int:
    return world[name].user_id


def kinds_to(sessions) -> list[tuple[str, int | None]]:
    return [(m.kind, m.recipient_user_id) for m in alerts(sessions)]


# ------------------------------------------------------------------ a case's life


def test_reminder_overdue_escalation_each_exactly_once(world, service, sessions, clock):
    case = world.new_case()  # Mon 23/11/2026 09:00 at village A1; due Tue 08/12 17:00
    assert case.due_at == at(2026, 12, 8)

    # Reminder: two working days before the due day, same hour (Fri 04/12 17:00).
    assert sweep_at(service, clock, at(2026, 12, 4, 16, 59)).claimed == 0
    r = sweep_at(service, clock, at(2026, 12, 4))
    assert (r.reminders, r.overdue, r.escalations) == (1, 0, 0)
    # Officials covering the handling unit A1: off_a (official of commune A).
    assert kinds_to(sessions) == [("deadline.reminder", uid(world, "off_a"))]

    # On time until 17:00 on the due day, overdue the second after.
    assert sweep_at(service, clock, at(2026, 12, 8)).claimed == 0
    r = sweep_at(service, clock, at(2026, 12, 8, 17, 0, 1))
    assert r.overdue == 1
    # Leaders of the handling and the origin unit (both A1, so lead_a once).
    assert kinds_to(sessions)[1:] == [("deadline.overdue", uid(world, "lead_a"))]

    # Three working days overdue (Wed 9, Thu 10, Fri 11): the commune takes the case over.
    assert sweep_at(service, clock, at(2026, 12, 11, 17)).claimed == 0
    r = sweep_at(service, clock, at(2026, 12, 11, 17, 0, 1))
    assert r.escalations == 1
    snap = service.get(world["lead_a"], case.code)
    assert (snap.state, snap.handling_unit, snap.origin_unit) == ("escalated", "A", "A1")
    assert (snap.last_stage_outcome, snap.last_stage_state) == ("missed", "received")
    # New stage, new deadline: 10 working days from Fri 11/12 → Fri 25/12.
    assert snap.due_at == at(2026, 12, 25)
    # Its leaders are alerted, the Front committee of that level informed.
    assert kinds_to(sessions)[2:] == [("deadline.escalated", uid(world, "lead_a")),
                                      ("deadline.informed", uid(world, "aud_p"))]

    history = service.history(world["lead_a"], case.code)
    escalation = history[-1]
    assert (escalation.actor, escalation.trigger, escalation.from_state, escalation.to_state) == (
        "system", "auto_escalate", "received", "escalated")
    assert escalation.data["target_unit"] == "A" and escalation.data["working_days_late"] == 3
    assert escalation.data["stage_outcome"] == "missed"
    assert escalation.prev_hash == history[-2].hash
    with sessions() as s:
        assert list(verify_all(s)) == []
    # Sweeping again much later fires the new stage's rules, never the old ones again.
    counts = Counter(m.kind for m in alerts(sessions))
    assert counts == {"deadline.reminder": 1, "deadline.overdue": 1, "deadline.escalated": 1, "deadline.informed": 1}


def test_escalation_climbs_the_tree_and_stops_at_the_top(world, service, sessions, clock):
    case = world.new_case(unit="A1")
    sweep_at(service, clock, at(2026, 12, 11, 17, 0, 1), times=1)  # A1 → A (received → escalated)
    assert service.get(world["lead_a"], case.code).handling_unit == "A"
    # The escalated stage is due Fri 25/12 and escalates after 5 working days overdue
    # → P (Friday 01/01/2027 is New Year's Day: 28, 29, 30, 31 Dec and 4 Jan).
    assert sweep_at(service, clock, at(2026, 12, 25, 17, 0, 1)).overdue == 1
    assert sweep_at(service, clock, at(2027, 1, 4, 17)).claimed == 0
    r = sweep_at(service, clock, at(2027, 1, 4, 17, 0, 1))
    assert (r.escalations, r.overdue) == (1, 0)
    assert service.get(world["aud_p"], case.code).handling_unit == "P"
    # At the province there is no unit above: the next escalation is skipped, not lost.
    r = sweep_at(service, clock, at(2027, 3, 1))
    assert (r.overdue, r.escalations, r.skipped) == (1, 0, 2)  # a stale reminder and the escalation
    with sessions() as s:
        skipped = s.scalar(select(Timer).where(Timer.status == "skipped", Timer.rule == "auto_escalate"))
        assert skipped is not None and skipped.result == "no unit above"
        assert [e.trigger for e in s.scalars(select(CaseEvent).order_by(CaseEvent.seq))].count("auto_escalate") == 2


def test_across_tet(world, service, sessions, clock):
    clock.set(at(2027, 1, 25, 9))  # Monday before Tết Đinh Mùi (days off Thu 04 – Wed 10/02/2027)
    case = world.new_case()
    # 26–29/01 and 01–03/02 are 7 working days; Tết is skipped; 11, 12, 15/02 make 10.
    assert case.due_at == at(2027, 2, 15)
    assert sweep_at(service, clock, at(2027, 2, 10, 23, 59)).claimed == 0
    assert sweep_at(service, clock, at(2027, 2, 11)).reminders == 1  # Thu 11/02: two working days before
    assert sweep_at(service, clock, at(2027, 2, 15, 17, 0, 1)).overdue == 1
    assert sweep_at(service, clock, at(2027, 2, 18, 17)).claimed == 0
    assert sweep_at(service, clock, at(2027, 2, 18, 17, 0, 1)).escalations == 1
    assert Counter(m.kind for m in alerts(sessions))["deadline.escalated"] == 1


def test_catching_up_after_downtime_skips_stale_reminders(world, service, sessions, clock):
    world.new_case()
    # The worker was down for weeks: the reminder is pointless now, the alerts are not.
    r = sweep_at(service, clock, at(2026, 12, 10, 9))
    assert (r.reminders, r.skipped, r.overdue, r.escalations) == (0, 1, 1, 0)
    assert [m.kind for m in alerts(sessions)] == ["deadline.overdue"]


def test_a_stage_already_left_never_fires(world, service, sessions, clock):
    case = world.new_case()
    clock.set(at(2026, 11, 24, 10))
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã giải thích"})
    clock.set(at(2026, 11, 25, 10))
    service.fire(world["lead_a"], case.code, "verify", {"satisfaction": "satisfied", "note": "Ổn"})
    service.fire(world["off_a"], case.code, "resolve")
    with sessions() as s:
        statuses = Counter((t.stage_seq, t.status) for t in s.scalars(select(Timer)))
    assert statuses == {(1, "cancelled"): 3, (2, "cancelled"): 2, (3, "cancelled"): 1}
    assert sweep_at(service, clock, at(2027, 6, 1)).claimed == 0
    assert alerts(sessions) == []

    # Even a timer wrongly left pending (old data, a bug) is checked against the case.
    with sessions() as s, s.begin():
        s.execute(update(Timer).where(Timer.stage_seq == 1, Timer.rule == "overdue").values(status="pending"))
    r = sweep_at(service, clock, at(2027, 6, 2))
    assert (r.claimed, r.cancelled, r.messages) == (1, 1, 0)
    assert alerts(sessions) == []


def test_recipients_are_resolved_when_the_rule_fires(world, service, sessions, clock):
    case = world.new_case(who="off_b", unit="B1")
    with service.uow() as uow:  # a new leader of commune B, appointed after the case arrived
        from engine.services import directory
        user = directory.add_user(uow.session, "lead_b2", "mật-khẩu-dài-đủ", now=clock.now())
        directory.grant_role(uow.session, user, "leader", "B")
        uow.session.execute(update(User).where(User.username == "lead_b").values(is_active=False))
        uow.commit()
        new_id = user.id
    sweep_at(service, clock, at(2026, 12, 8, 17, 0, 1), times=1)
    assert [(m.kind, m.recipient_user_id) for m in alerts(sessions, "deadline.overdue")] == [
        ("deadline.overdue", new_id)]
    assert service.get(world["off_b"], case.code).state == "received"


def test_the_nearest_leaders_are_told_not_every_level_above(world, service, sessions, clock):
    """A provincial leader would otherwise receive every overdue alert of every commune."""
    world.new_case(who="off_b", unit="B1")
    with service.uow() as uow:
        from engine.services import directory
        governor = directory.add_user(uow.session, "lead_p", "mật-khẩu-dài-đủ", now=clock.now())
        directory.grant_role(uow.session, governor, "leader", "P")
        uow.commit()
        governor_id = governor.id
    sweep_at(service, clock, at(2026, 12, 8, 17, 0, 1), times=1)
    told = {m.recipient_user_id for m in alerts(sessions, "deadline.overdue")}
    assert told == {uid(world, "lead_b")} and governor_id not in told


def test_nobody_to_tell_still_leaves_a_trace(world, service, sessions, clock):
    with sessions() as s, s.begin():
        s.execute(update(User).where(User.username == "lead_a").values(is_active=False))
    world.new_case()
    sweep_at(service, clock, at(2026, 12, 8, 17, 0, 1), times=2)
    [row] = alerts(sessions, "deadline.overdue")
    assert row.recipient_user_id is None and row.payload["unaddressed"] is True


def test_payloads_carry_no_personal_data(world, service, sessions, clock):
    case = world.new_case(citizen_address="Số 7, ấp A1")
    sweep_at(service, clock, at(2026, 12, 11, 17, 0, 1), times=1)
    rows = alerts(sessions)
    assert {m.kind for m in rows} == {"deadline.overdue", "deadline.escalated", "deadline.informed"}
    for row in rows:
        dumped = json.dumps(row.payload, ensure_ascii=False)
        for secret in ("Nguyễn Văn Dân", "0901234567", "Số 7", "Nước sinh hoạt"):
            assert secret not in dumped
        assert row.payload["code"] == case.code and row.case_id is not None
        assert row.dedup_key.startswith(f"timer:{row.payload['timer']}:")


# ----------------------------------------------------------- robustness of sweeps


def overdue_cases(world, n: int, unit: str = "A1", who: str = "off_a") -> None:
    """n cases received now; at Wed 09/12 09:00 each has two due timers (a stale
    reminder that is skipped, and the overdue alert for lead_a)."""
    items = [NewCase(workflow="nghe-dan-noi", unit=unit, topic="giao_thong", kind="phan_anh",
                     content=f"Ổ gà số {i}") for i in range(n)]
    world.service.create_many(world[who], items)


SWEEP_AT = at(2026, 12, 9, 9)


def settled(sessions) -> Counter[str]:
    with sessions() as s:
        return Counter(s.scalars(select(Timer.status)))


def test_a_crash_between_batches_loses_and_repeats_nothing(world, service, sessions, clock):
    overdue_cases(world, 5)
    clock.set(SWEEP_AT)

    def crash(progress: SweepResult) -> None:
        raise RuntimeError("worker killed after the first batch")

    with pytest.raises(RuntimeError):
        sweep(service, SWEEP_AT, batch_size=7, after_batch=crash)
    # 10 of the 15 timers are due; the first batch (the 7 earliest: 5 stale reminders,
    # skipped, and 2 overdue alerts) was committed before the crash.
    assert settled(sessions) == {"pending": 8, "skipped": 5, "fired": 2}
    done_before = {m.dedup_key for m in alerts(sessions)}
    assert len(done_before) == 2

    rest = sweep(service, SWEEP_AT, batch_size=7)
    assert (rest.claimed, rest.overdue, rest.batches) == (3, 3, 1)
    assert settled(sessions) == {"fired": 5, "skipped": 5, "pending": 5}  # the escalations wait
    rows = alerts(sessions)
    assert len(rows) == len({m.dedup_key for m in rows}) == 5
    assert done_before < {m.dedup_key for m in rows}


def _sweep_in_process(url: str, when: str, out: "multiprocessing.Queue[int]") -> None:
    from workflows import load_builtin

    class Source:
        session_factory = make_session_factory(make_engine(url))
        workflows = load_builtin()
        office_close = time(17, 0)

    out.put(sweep(Source(), datetime.fromisoformat(when), batch_size=2).claimed)


def test_two_sweeps_in_threads_fire_nothing_twice(world, service, sessions, clock):
    overdue_cases(world, 24)
    clock.set(SWEEP_AT)
    barrier = threading.Barrier(2)
    results: list[SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(sweep(service, SWEEP_AT, batch_size=4))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.claimed for r in results) == 48  # each due timer claimed by exactly one sweep
    assert sum(r.overdue for r in results) == 24
    rows = alerts(sessions)
    assert len(rows) == len({m.dedup_key for m in rows}) == 24


def test_two_sweeps_in_processes_fire_nothing_twice(world, service, sessions, clock, db_url):
    overdue_cases(world, 30)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_sweep_in_process, args=(db_url, SWEEP_AT.isoformat(), out)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert out.get(timeout=5) + out.get(timeout=5) == 60
    rows = alerts(sessions)
    assert len(rows) == len({m.dedup_key for m in rows}) == 30


# ------------------------------------------------------------------------- cost


def test_the_claim_query_uses_the_status_due_index(engine, backend):
    stmt = claim_statement(SWEEP_AT.astimezone(timezone.utc), 200, backend)
    compiled = stmt.compile(dialect=engine.dialect)
    with engine.connect() as conn:
        if backend == "sqlite":
            params = compiled.construct_params()
            values = tuple(params[name] for name in compiled.positiontup)
            values = tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in values)
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values))
            assert "ix_timers_status_due" in plan and "SCAN timers" not in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # the index also gives the order
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.construct_params()).all()
            plan = " ".join(r[0] for r in rows)
            assert "ix_timers_status_due" in plan, plan


def test_sweep_cost_follows_due_timers_not_cases(world, service, engine, clock):
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def round_with(quiet: int, due: int) -> tuple[int, int]:
        clock.set(at(2026, 11, 23, 9))
        overdue_cases(world, quiet, unit="B1", who="off_b")  # due in December: not due now
        backdated = at(2026, 11, 6, 9).isoformat()  # due Fri 20/11: overdue now, not yet escalated
        world.service.create_many(world["off_a"], [
            NewCase(workflow="nghe-dan-noi", unit="A1", topic="dat_dai", kind="kien_nghi", content=f"Sổ đỏ {i}",
                    received_at=backdated) for i in range(due)])
        statements.clear()
        result = sweep(service, at(2026, 11, 23, 9, 30))
        return result.claimed, len(statements)

    small = round_with(quiet=5, due=4)
    large = round_with(quiet=60, due=4)
    # 4 overdue alerts (+ 4 stale reminders skipped) each time, and the same work,
    # however many other cases and timers the database holds.
    assert small[0] == large[0] == 8
    assert small[1] == large[1]
    event.remove(engine, "before_cursor_execute", count)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM timers WHERE status = 'pending'")).scalar() >= 3 * 65


def test_a_case_locked_by_a_person_is_left_for_the_next_sweep(world, service, sessions, clock, engine, backend):
    if backend != "postgresql":
        pytest.skip("row locks: on SQLite writers queue instead (BEGIN IMMEDIATE)")
    case = world.new_case()
    clock.set(SWEEP_AT)
    with engine.connect() as person:  # someone's transaction holds the case row
        person.execute(text("SELECT id FROM cases WHERE code = :c FOR UPDATE"), {"c": case.code})
        r = sweep(service, SWEEP_AT)
        assert (r.claimed, r.deferred, r.messages) == (2, 2, 0)  # no waiting, no deadlock
        person.rollback()
    assert settled(sessions)["pending"] == 3
    r = sweep(service, SWEEP_AT)
    assert (r.overdue, r.skipped) == (1, 1)


def test_a_programme_missing_from_the_configuration_loses_nothing(world, service, sessions, clock):
    world.new_case()
    partial = type(service)(service.session_factory, {}, clock)  # a process started without the YAML files
    r = sweep(partial, SWEEP_AT)
    assert (r.claimed, r.deferred, r.messages) == (2, 2, 0)
    assert settled(sessions)["pending"] == 3
    assert sweep(service, SWEEP_AT).overdue == 1


# ------------------------------------------------- the state moves through the machine only


def _escalating_to(workflows, dest: str) -> Workflow:
    """The default programme with received's auto-escalation aimed at ``dest``, built
    around the loader (which refuses a target no declared transition reaches)."""
    spec = workflows["nghe-dan-noi"].spec
    received = spec.states["received"]
    rule = received.rules.auto_escalate.model_copy(update={"state": dest})
    states = {**spec.states, "received": received.model_copy(
        update={"rules": received.rules.model_copy(update={"auto_escalate": rule})})}
    return Workflow(spec.model_copy(update={"states": states}))


def test_an_escalation_the_workflow_does_not_declare_changes_nothing(world, service, sessions, clock, workflows):
    case = world.new_case()
    bent = type(service)(service.session_factory, {**workflows, "nghe-dan-noi": _escalating_to(workflows, "verified")},
                         clock)
    with pytest.raises(InvalidTransition):
        bent.workflows["nghe-dan-noi"].escalation("received")
    clock.set(at(2026, 12, 11, 17, 0, 1))  # the escalation is due (see the first test)
    r = sweep(bent, clock.now())
    # The overdue alert still goes out; the escalation is refused, the batch is not
    # (the other skip is the reminder, stale by now).
    assert (r.overdue, r.escalations, r.skipped) == (1, 0, 2)
    snap = service.get(world["lead_a"], case.code)
    assert (snap.state, snap.handling_unit) == ("received", "A1")
    assert [e.trigger for e in service.history(world["lead_a"], case.code)] == ["receive"]
    with sessions() as s:
        timer = s.scalar(select(Timer).where(Timer.rule == "auto_escalate"))
        assert (timer.status, timer.result) == ("skipped", "no declared transition from received")
        assert list(verify_all(s)) == []
    # The timer is spent, not retried by every sweep: the late stage is a person's now.
    assert sweep(service, clock.now()).claimed == 0


def test_the_escalation_fires_the_declared_transition(world, service, clock, workflows, monkeypatch):
    fired: list[tuple[str, str]] = []
    real = Workflow.fire

    def spy(self, model, trigger):  # type: ignore[no-untyped-def]
        fired.append((model.state, trigger))
        return real(self, model, trigger)

    case = world.new_case()
    monkeypatch.setattr(Workflow, "fire", spy)
    r = sweep_at(service, clock, at(2026, 12, 11, 17, 0, 1), times=1)
    assert r.escalations == 1 and fired == [("received", "escalate")]
    assert service.get(world["lead_a"], case.code).state == "escalated"
