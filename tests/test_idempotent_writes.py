"""``Idempotency-Key`` on the API's writes (engine.services.idempotency): a replay
within a day gets the first answer (status and body) and writes nothing; another
request under the key is 422; keys are each user's own; after the retention the
key is new again, and expired keys are purged a bounded batch at a time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.models import CaseEvent, IdempotencyKey
from engine.services import idempotency
from engine.services.idempotency import RETENTION, IdempotencyKeyReused, once
from engine.services.views import snapshot

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import new_case

CASE = {"workflow": "nghe-dan-noi", "unit": "A1", "topic": "dien_nuoc", "kind": "kien_nghi",
        "content": "Nước sinh hoạt bị đục", "citizen_name": "Nguyễn Văn Dân", "citizen_phone": "0901234567"}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def remarks(sessions, trigger: str = "remark") -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.trigger == trigger)) or 0


def keys(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(IdempotencyKey)) or 0


def test_a_replayed_remark_is_recorded_once_and_answered_as_the_first_time(api, as_user, sessions, clock):
    code = new_case(api, as_user("off_a"))["code"]
    url, headers = f"/api/v1/cases/{code}/remarks", keyed(as_user("aud_p"), "remark-7f3a")
    body = {"note": "Đề nghị trả lời trước ngày 30", "kind": "urge"}
    first = api.post(url, json=body, headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    assert remarks(sessions, "urge") == 1
    clock.advance(timedelta(hours=23))
    # Sent again (in another language, after the case moved on): the first answer, nothing written.
    api.post(f"/api/v1/cases/{code}/actions/answer_on_site", json={"data": {"answer": "Đã sửa"}},
             headers=as_user("off_a"))
    again = api.post(url, json=body, headers={**headers, "Accept-Language": "en"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.json()["state"] == "received"
    assert remarks(sessions, "urge") == 1
    # Another body under the same key: 422, nothing written.
    other = api.post(url, json={**body, "note": "Nội dung khác"}, headers=headers)
    assert other.status_code == 422 and other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["type"].endswith("/idempotency-key-reused") and "nội dung khác" in other.json()["detail"]
    # The same body to another case is another request too.
    code2 = new_case(api, as_user("off_a"))["code"]
    assert api.post(f"/api/v1/cases/{code2}/remarks", json=body, headers=headers).status_code == 422
    assert remarks(sessions, "urge") == 1
    # After the retention the key is forgotten: the request is new.
    clock.advance(RETENTION - timedelta(hours=23) + timedelta(minutes=1))
    later = api.post(url, json=body, headers=headers)
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    assert later.json()["event_count"] == first.json()["event_count"] + 2
    assert remarks(sessions, "urge") == 2 and keys(sessions) == 1


def test_keys_are_each_users_own(api, as_user, sessions):
    code = new_case(api, as_user("off_a"))["code"]
    body = {"note": "Theo dõi", "kind": "remark"}
    a = api.post(f"/api/v1/cases/{code}/remarks", json=body, headers=keyed(as_user("aud_p"), "k1"))
    b = api.post(f"/api/v1/cases/{code}/remarks", json=body, headers=keyed(as_user("lead_a"), "k1"))
    assert a.status_code == b.status_code == 201 and "idempotent-replayed" not in b.headers
    assert remarks(sessions) == 2


def test_case_creation_takes_effect_once(api, as_user, sessions):
    headers = keyed(as_user("off_a"), "9c1e0c3e-5b0a-4a43-8a38-0f6f2b0d7e11")
    first = api.post("/api/v1/cases", json=CASE, headers=headers)
    assert first.status_code == 201
    again = api.post("/api/v1/cases", json=CASE, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    other = api.post("/api/v1/cases", json={**CASE, "content": "Đường hỏng"}, headers=headers)
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")
    # The key of a case may not be used for a remark, nor for a meeting.
    code = first.json()["code"]
    assert api.post(f"/api/v1/cases/{code}/remarks", json={"note": "x"}, headers=headers).status_code == 422
    meeting = {"programme": "nghe-dan-noi", "held_on": "2026-11-23", "unit": "A",
               "opinions": [{"topic": "dien_nuoc", "content": "Nước đục"}]}
    assert api.post("/api/v1/meetings", json=meeting, headers=headers).status_code == 422
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.trigger == "receive")) == 1
    # Without a key, every post counts (as before).
    plain = [api.post("/api/v1/cases", json=CASE, headers=as_user("off_a")).json()["code"] for _ in range(2)]
    assert len(set(plain)) == 2


def test_a_replayed_action_gets_its_first_answer_not_a_wrong_state(api, as_user, sessions):
    code = new_case(api, as_user("off_a"))["code"]
    url, headers = f"/api/v1/cases/{code}/actions/answer_on_site", keyed(as_user("off_a"), "act-1")
    body = {"data": {"answer": "Đã hướng dẫn"}, "expected_version": 1}
    first = api.post(url, json=body, headers=headers)
    assert first.status_code == 200 and first.json()["state"] == "answered_on_site"
    again = api.post(url, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)
                        .where(CaseEvent.trigger == "answer_on_site")) == 1
    # Without the key the same post is refused as before: the case is no longer where it was.
    assert api.post(url, json=body, headers=as_user("off_a")).status_code == 409


def test_a_refused_request_keeps_no_key(api, as_user, sessions):
    code = new_case(api, as_user("off_a"))["code"]
    headers = keyed(as_user("off_b"), "k-refused")  # another commune: no such case for them
    assert api.post(f"/api/v1/cases/{code}/remarks", json={"note": "x"}, headers=headers).status_code == 404
    assert keys(sessions) == 0
    bad = api.post(f"/api/v1/cases/{code}/remarks", json={"note": "x"}, headers=keyed(as_user("aud_p"), "has space"))
    assert bad.status_code == 422 and keys(sessions) == 0


def test_copies_sent_at_once_record_one_remark(world, service, sessions):
    case = world.new_case()
    actor, n = world["aud_p"], 4
    answers: list[object] = []
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def send() -> None:
        try:
            start.wait(timeout=30)
            answer, _ = once(service, actor, "same-key", "case.remark", {"code": case.code, "note": "Theo dõi"},
                             lambda uow: service.remark_within(uow, actor, case.code, "Theo dõi"),
                             lambda uow, c: {"seq": c.event_count, "version": snapshot(c, actor).version})
            answers.append(answer)
        except BaseException as err:  # noqa: BLE001  (reported below)
            errors.append(err)

    threads = [threading.Thread(target=send) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(answers) == n and all(a == answers[0] for a in answers)
    assert remarks(sessions) == 1 and keys(sessions) == 1


def test_expired_keys_are_purged_in_bounded_batches(world, service, sessions, clock, monkeypatch):
    actor, other = world["aud_p"], world["lead_a"]
    case = world.new_case()

    def remark(who, key: str) -> None:  # type: ignore[no-untyped-def]
        once(service, who, key, "case.remark", {"key": key},
             lambda uow: service.remark_within(uow, who, case.code, key), lambda uow, c: {"seq": c.event_count})
        clock.advance(timedelta(seconds=1))  # the oldest go first

    for i in range(3):
        remark(actor, f"old-{i}")
    remark(other, "theirs")
    remark(actor, "old-3")
    clock.advance(RETENTION)
    monkeypatch.setattr(idempotency, "PURGE_BATCH", 3)
    remark(actor, "live")
    with sessions() as s:
        assert set(s.scalars(select(IdempotencyKey.request_key))) == {"theirs", "old-3", "live"}  # the 3 oldest went
    remark(other, "new-1")
    with sessions() as s:
        assert set(s.scalars(select(IdempotencyKey.request_key))) == {"live", "new-1"}  # anyone's, oldest first


def test_a_meeting_key_is_forgotten_after_the_retention(world, container, clock):
    from .intake_support import intake

    meetings = container.meetings
    first = meetings.record(world["off_a"], intake(2), key="form-nonce-x")
    clock.advance(RETENTION - timedelta(minutes=1))
    assert meetings.record(world["off_a"], intake(2), key="form-nonce-x").replayed
    with pytest.raises(IdempotencyKeyReused):
        meetings.record(world["off_a"], intake(3), key="form-nonce-x")
    clock.advance(timedelta(minutes=2))
    later = meetings.record(world["off_a"], intake(2), key="form-nonce-x")
    assert not later.replayed and later.meeting.id != first.meeting.id
