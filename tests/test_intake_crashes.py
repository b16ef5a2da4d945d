"""A crash in the middle of a meeting's intake, or of an Open311 request, leaves
nothing half-written: no meeting, case, event, outbox row, timer, report fact or
idempotency key. The retry of the same submission then succeeds, and a third
sending gets the same meeting and the same codes.

The faults are injected at the k-th call of a function of the engine's write path
(the k-th opinion's creation event, its on-site step, the key's row, the commit),
for the first, a middle and the last opinion; through the service, the web form
and the API. One test kills (SIGKILL) a process that is inside the transaction."""

from __future__ import annotations

import multiprocessing
import signal
import time as wall
from datetime import datetime

import pytest

import engine.services.cases as cases_module
import web.open311.request_intake as open311_intake
from engine.audit import verify_all
from engine.models import IdempotencyKey
from engine.services.cases import CaseService
from engine.services.meetings import MeetingService
from engine.uow import UnitOfWork

from .api_support import *  # noqa: F403  (fixtures)
from .browser.web import browser, form_values, web_app, web_container  # noqa: F401
from .intake_support import Crash, api_body, crash_at, intake, written

N = 12  # opinions: 4 answered on the spot, 4 escalated, 4 recorded (in turn)
STEPS = 8  # of them, with a step fired on receipt
SPAWN = multiprocessing.get_context("spawn")
WAIT = 120


# (what fails, at which call): creation events 1..N come first, then the steps.
FAULTS = [
    pytest.param(cases_module, "append_event", 1, id="1st-opinion-created"),
    pytest.param(cases_module, "append_event", N // 2, id="middle-opinion-created"),
    pytest.param(cases_module, "append_event", N, id="last-opinion-created"),
    pytest.param(CaseService, "fire_within", 1, id="1st-step"),
    pytest.param(CaseService, "fire_within", STEPS // 2, id="middle-step"),
    pytest.param(CaseService, "fire_within", STEPS, id="last-step"),
    pytest.param(cases_module, "append_event", N + STEPS, id="last-step-event"),
    pytest.param(IdempotencyKey, "__init__", 1, id="key-row"),
    pytest.param(UnitOfWork, "commit", 1, id="commit"),
]


def _nothing_half_written(sessions, before):  # type: ignore[no-untyped-def]
    assert written(sessions) == before
    with sessions() as s:
        assert list(verify_all(s)) == []


@pytest.mark.parametrize("owner, name, k", FAULTS)
def test_a_crash_in_the_service_leaves_nothing_and_the_retry_gives_one_result(world, service, sessions, monkeypatch,
                                                                            owner, name, k):
    meetings = MeetingService(service)
    before = written(sessions)
    calls = crash_at(monkeypatch, owner, name, k)
    with pytest.raises(Crash):
        meetings.record(world["off_a"], intake(N), key="nonce-crash-0001")
    assert calls[0] == k  # the fault was reached, mid-way
    _nothing_half_written(sessions, before)
    monkeypatch.undo()

    retried = meetings.record(world["off_a"], intake(N), key="nonce-crash-0001")
    assert not retried.replayed and len(retried.meeting.cases) == N
    third = meetings.record(world["off_a"], intake(N), key="nonce-crash-0001")
    assert third.replayed and third.meeting == retried.meeting
    counts = written(sessions)
    assert (counts["meetings"], counts["cases"], counts["idempotency_keys"]) == (1, N, 1)
    assert counts["case_events"] == N + STEPS


def _form(page, n: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    hidden = form_values(page.get("/meetings/new").text, "/meetings/new")
    data = {**hidden, "programme": "nghe-dan-noi", "held_on": "2026-11-23", "unit": "A", "place": "Nhà văn hóa",
            "attendees": "40", "rows": str(n), "save": "1"}
    for i, o in enumerate(intake(n).opinions):
        outcome = o.outcome or "record"
        data.update({f"r{i}_topic": o.topic, f"r{i}_kind": o.kind, f"r{i}_content": o.content,
                     f"r{i}_village": o.unit or "", f"r{i}_name": o.citizen_name or "", f"r{i}_outcome": outcome,
                     f"r{i}_answer": o.answer or "", f"r{i}_target": o.target_unit or ""})
    return data


@pytest.mark.parametrize("owner, name, k", [FAULTS[0], FAULTS[4], FAULTS[5], FAULTS[7]])
def test_a_crash_under_the_web_form_leaves_nothing_and_the_resent_form_saves_once(browser, world, sessions,  # noqa: F811
                                                                                monkeypatch, owner, name, k):
    page = browser("off_a")
    data = _form(page, N)
    before = written(sessions)
    crash_at(monkeypatch, owner, name, k)
    with pytest.raises(Crash):  # the server's 500; the test client hands over the exception
        page.post("/meetings/new", data, csrf=data["csrf"])
    _nothing_half_written(sessions, before)
    monkeypatch.undo()

    saved = page.post("/meetings/new", data, csrf=data["csrf"])
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"?saved={N}")
    path = saved.headers["location"].split("?")[0]
    again = page.post("/meetings/new", data, csrf=data["csrf"])
    assert again.status_code == 303 and again.headers["location"] == f"{path}?replayed=1"
    counts = written(sessions)
    assert (counts["meetings"], counts["cases"], counts["case_events"]) == (1, N, N + STEPS)


@pytest.mark.parametrize("owner, name, k", [FAULTS[1], FAULTS[3], FAULTS[6], FAULTS[7]])
def test_a_crash_under_the_api_leaves_nothing_and_the_retried_key_gives_the_same_codes(api, as_user, sessions,
                                                                                     monkeypatch, owner, name, k):
    headers = {**as_user("off_a"), "Idempotency-Key": "3f2b8c1e-7d4a-4e0b-9c55-0a1b2c3d4e5f"}
    body = api_body(N)
    before = written(sessions)
    crash_at(monkeypatch, owner, name, k)
    failed = api.post("/api/v1/meetings", json=body, headers=headers)
    assert failed.status_code == 500 and failed.json()["type"].endswith("/server-error")
    _nothing_half_written(sessions, before)
    monkeypatch.undo()

    first = api.post("/api/v1/meetings", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers and len(first.json()["cases"]) == N
    third = api.post("/api/v1/meetings", json=body, headers=headers)
    assert third.status_code == 201 and third.headers["idempotent-replayed"] == "true"
    assert third.json() == first.json()
    assert written(sessions)["cases"] == N


def test_an_open311_request_never_lands_without_its_details(api, tokens, sessions, monkeypatch):
    form = {"api_key": tokens["off_a"], "service_code": "dien_nuoc", "attribute[unit]": "A1",
            "description": "Ống nước bị vỡ", "lat": "9.85", "long": "106.07", "email": "dan@example.vn",
            "device_id": "dev-1"}
    before = written(sessions)

    def crash(**_: object) -> None:
        raise Crash("between the case and its Open311 details")

    monkeypatch.setattr(open311_intake, "Open311Request", crash)
    with pytest.raises(Crash):
        api.post("/open311/v2/requests.json", data=form)
    _nothing_half_written(sessions, before)
    monkeypatch.undo()
    r = api.post("/open311/v2/requests.json", data=form)
    assert r.status_code == 201
    after = written(sessions)
    assert (after["cases"], after["open311_requests"]) == (before["cases"] + 1, before["open311_requests"] + 1)
    code = r.json()[0]["service_request_id"]
    read = api.get(f"/open311/v2/requests/{code}.json", params={"api_key": tokens["off_a"]}).json()[0]
    assert (read["lat"], read["long"]) == (9.85, 106.07)


# ------------------------------------------------------------ a process killed mid-way

def _record_and_hang(db_url: str, at: str, k: int, reached, key: str) -> None:  # type: ignore[no-untyped-def]
    """In a fresh interpreter: record the intake and stop for good inside its
    transaction, at the k-th step, after the meeting, the key and every opinion went
    to the database (flushed, not committed)."""
    from engine.clock import FrozenClock
    from engine.db import make_engine, make_session_factory
    from engine.services import directory
    from workflows import load_builtin

    sessions = make_session_factory(make_engine(db_url))
    service = CaseService(sessions, load_builtin(), FrozenClock(datetime.fromisoformat(at)))
    with sessions() as s:
        actor = directory.actor_for(s, "off_a")
    original, calls = CaseService.fire_within, [0]

    def hang(self, uow, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == k:
            uow.session.flush()
            reached.set()
            wall.sleep(3600)
        return original(self, uow, *args, **kwargs)

    CaseService.fire_within = hang  # type: ignore[method-assign]
    MeetingService(service).record(actor, intake(N), key=key)


def test_a_process_killed_inside_the_transaction_leaves_nothing(world, service, sessions, db_url, clock):
    before = written(sessions)
    reached = SPAWN.Event()
    child = SPAWN.Process(target=_record_and_hang, args=(db_url, clock.now().isoformat(), STEPS // 2, reached,
                                                         "killed-form-nonce"))
    child.start()
    try:
        assert reached.wait(WAIT), "the child never reached the middle of its transaction"
    finally:
        child.kill()
        child.join(WAIT)
    assert child.exitcode == -signal.SIGKILL
    _nothing_half_written(sessions, before)

    meetings = MeetingService(service)
    retried = meetings.record(world["off_a"], intake(N), key="killed-form-nonce")
    assert not retried.replayed and len(retried.meeting.cases) == N
    assert meetings.record(world["off_a"], intake(N), key="killed-form-nonce").meeting == retried.meeting
