"""``POST /api/v1/cases/{code}/extensions`` and ``/assignment``, and ``assignee=me``:
problem+json refusals that write nothing, and a replayed request answered with the
first result."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import Case

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import new_case


def state(sessions, code: str) -> tuple[int, int, object]:
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        return case.version, case.event_count, case.due_at


def test_a_leader_extends_and_a_replay_returns_the_first_answer(api, as_user, sessions):
    case = new_case(api, as_user("off_a"))
    headers = {**as_user("lead_a"), "Idempotency-Key": "gia-han-1"}
    body = {"working_days": 3, "reason": "Chờ kết quả xét nghiệm", "expected_version": case["version"]}
    first = api.post(f"/api/v1/cases/{case['code']}/extensions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["due_at"] > case["due_at"] and first.json()["event_count"] == 2
    written = state(sessions, case["code"])
    again = api.post(f"/api/v1/cases/{case['code']}/extensions", json=body, headers=headers)
    assert (again.status_code, again.json(), again.headers.get("Idempotent-Replayed")) == (201, first.json(), "true")
    assert state(sessions, case["code"]) == written
    other = api.post(f"/api/v1/cases/{case['code']}/extensions", json={**body, "working_days": 1}, headers=headers)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")


@pytest.mark.parametrize(
    ("who", "body", "status", "kind"),
    [
        ("off_a", {"working_days": 2, "reason": "r"}, 403, "role-not-allowed"),
        ("aud_p", {"working_days": 2, "reason": "r"}, 403, "role-not-allowed"),
        ("lead_b", {"working_days": 2, "reason": "r"}, 404, "not-found"),
        ("lead_a", {"working_days": 6, "reason": "r"}, 422, "invalid-field"),  # over the limit of 5
        ("lead_a", {"working_days": "2", "reason": "r"}, 422, "invalid-input"),
        ("lead_a", {"working_days": 2}, 422, "invalid-input"),
        ("lead_a", {"working_days": 2, "reason": "x" * 5000}, 422, "invalid-input"),
        ("lead_a", {"working_days": 2, "reason": "a\u202eb"}, 422, "invalid-field"),
        ("lead_a", {"working_days": 2, "reason": "r", "extra": 1}, 422, "invalid-input"),
        ("lead_a", {"working_days": 2, "reason": "r", "expected_version": 9}, 409, "stale-version"),
    ],
)
def test_hostile_extensions_are_problems_and_write_nothing(api, as_user, sessions, who, body, status, kind):
    case = new_case(api, as_user("off_a"))
    before = state(sessions, case["code"])
    got = api.post(f"/api/v1/cases/{case['code']}/extensions", json=body, headers=as_user(who, "en"))
    assert got.status_code == status, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["type"].endswith(kind)
    assert state(sessions, case["code"]) == before


def test_assign_take_release_and_assignee_me(api, as_user, sessions):
    case = new_case(api, as_user("off_a"))
    other = new_case(api, as_user("off_a"))
    url = f"/api/v1/cases/{case['code']}/assignment"
    headers = {**as_user("lead_a"), "Idempotency-Key": "giao-1"}
    first = api.post(url, json={"action": "assign", "assignee": "off_a"}, headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["assignee"], first.json()["event_count"]) == ("off_a", 2)
    again = api.post(url, json={"action": "assign", "assignee": "off_a"}, headers=headers)
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert state(sessions, case["code"])[1] == 2  # one event, not two
    mine = api.get("/api/v1/cases", params={"assignee": "me"}, headers=as_user("off_a")).json()["items"]
    assert [c["code"] for c in mine] == [case["code"]]
    assert api.get("/api/v1/cases", params={"assignee": "me"}, headers=as_user("lead_a")).json()["items"] == []
    # A username is a filter now (tests/test_list_assignee.py): an unknown one finds nothing; what cannot be one is 422.
    assert api.get("/api/v1/cases", params={"assignee": "x"}, headers=as_user("off_a")).json()["items"] == []
    assert api.get("/api/v1/cases", params={"assignee": "a b"}, headers=as_user("off_a")).status_code == 422
    took = api.post(f"/api/v1/cases/{other['code']}/assignment", json={"action": "take"}, headers=as_user("off_a"))
    assert took.json()["assignee"] == "off_a"
    released = api.post(url, json={"action": "release"}, headers=as_user("off_a"))
    assert released.status_code == 200 and released.json()["assignee"] is None


@pytest.mark.parametrize(
    ("who", "body", "status", "kind"),
    [
        ("off_a", {"action": "assign", "assignee": "off_a"}, 403, "role-not-allowed"),
        ("aud_p", {"action": "take"}, 403, "role-not-allowed"),
        ("lead_b", {"action": "assign", "assignee": "off_b"}, 404, "not-found"),
        ("lead_a", {"action": "assign", "assignee": "off_b"}, 422, "domain-error"),  # another commune's official
        ("lead_a", {"action": "assign", "assignee": "off_kt"}, 422, "domain-error"),
        ("lead_a", {"action": "assign"}, 422, "invalid-field"),
        ("lead_a", {"action": "delegate", "assignee": "off_a"}, 422, "invalid-input"),
        ("lead_a", {"action": "assign", "assignee": 5}, 422, "invalid-input"),
        ("lead_a", {"action": "assign", "assignee": "off_a", "expected_version": 7}, 409, "stale-version"),
    ],
)
def test_hostile_assignments_are_problems_and_write_nothing(api, as_user, sessions, who, body, status, kind):
    case = new_case(api, as_user("off_a"))
    before = state(sessions, case["code"])
    got = api.post(f"/api/v1/cases/{case['code']}/assignment", json=body, headers=as_user(who))
    assert got.status_code == status, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["type"].endswith(kind) and got.json()["detail"]
    assert state(sessions, case["code"]) == before
