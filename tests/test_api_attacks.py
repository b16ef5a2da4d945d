"""Hostile input on every write endpoint, and authorization under attack: whatever
is sent, a clear problem+json refusal, never a crash, never another commune's data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from engine.models import ApiToken, Case, User
from engine.services.tokens import revoke_token
from engine.uow import UnitOfWork
from web.api.ratelimit import RateLimiter

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import bearer, new_case

PROBLEM = "application/problem+json"
MB = 1024 * 1024


def problem(r, status: int, kind: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == f"https://nghedan.vn/problems/{kind}" and body["status"] == status
    assert body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


WRITES = [
    ("post", "/api/v1/cases", {"unit": "A1", "topic": "khac", "content": "x"}),
    ("post", "/api/v1/cases/{code}/actions/answer_on_site", {"data": {"answer": "x"}}),
    ("post", "/api/v1/cases/{code}/remarks", {"note": "x"}),
    ("post", "/api/v1/meetings", {"held_on": "2026-11-02", "unit": "A"}),
]


@pytest.fixture
def code(api, as_user) -> str:  # type: ignore[no-untyped-def]
    return new_case(api, as_user("off_a"))["code"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------ authentication

@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer nd_not-a-token"}, {"Authorization": "Basic YTpi"},
    {"Authorization": "Bearer " + "x" * 5000}, {"Authorization": "bearer ' OR 1=1 --"},
])
def test_every_endpoint_wants_a_valid_token(api, code, headers):
    for method, path, body in WRITES + [("get", "/api/v1/cases/{code}", None), ("get", "/api/v1/units", None)]:
        r = api.request(method.upper(), path.format(code=code), json=body, headers=headers)
        problem(r, 401, "unauthenticated")
        assert r.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_once(api, api_container, tokens, code, clock):
    assert api.get(f"/api/v1/cases/{code}", headers=bearer(tokens["off_a"])).status_code == 200
    with UnitOfWork(api_container.sessions) as uow:
        lead_id = uow.session.execute(select(User.id).where(User.username == "lead_a")).scalar_one()
        lead_token = uow.session.scalar(select(ApiToken.id).where(ApiToken.user_id == lead_id))
        revoke_token(uow.session, lead_token, now=clock.now())
        uow.session.execute(update(User).where(User.username == "off_a").values(is_active=False))
        uow.commit()
    for who in ("lead_a", "off_a"):
        problem(api.get(f"/api/v1/cases/{code}", headers=bearer(tokens[who])), 401, "unauthenticated")
    assert api.get(f"/api/v1/cases/{code}", headers=bearer(tokens["aud_p"])).status_code == 200


# ------------------------------------------------------------------- authorization

def test_another_communes_case_is_indistinguishable_from_a_missing_one(api, as_user, code):
    missing = code[:-7] + ("2222222" if not code.endswith("2222222") else "3333333")
    for method, path, body in [("get", "/api/v1/cases/{c}", None), ("get", "/api/v1/cases/{c}/events", None),
                               ("post", "/api/v1/cases/{c}/actions/answer_on_site", {"data": {"answer": "x"}}),
                               ("post", "/api/v1/cases/{c}/actions/merge", {"data": {"duplicate_of": "x"}}),
                               ("post", "/api/v1/cases/{c}/remarks", {"note": "x"})]:
        for lang in ("vi", "en"):
            hidden = api.request(method.upper(), path.format(c=code), json=body, headers=as_user("lead_b", lang))
            absent = api.request(method.upper(), path.format(c=missing), json=body, headers=as_user("lead_b", lang))
            problem(hidden, 404, "not-found")
            assert hidden.text.replace(code, "CODE") == absent.text.replace(missing, "CODE"), path
            assert hidden.headers["content-length"] == absent.headers["content-length"]
    # ... and nothing happened to it.
    assert api.get(f"/api/v1/cases/{code}", headers=as_user("off_a")).json()["version"] == 1
    # Nor can B point at it from its own case.
    other = new_case(api, as_user("off_b"), unit="B1")["code"]
    r = api.post(f"/api/v1/cases/{other}/actions/merge", json={"data": {"duplicate_of": code}},
                 headers=as_user("lead_b"))
    assert problem(r, 422, "invalid-field")["errors"][0]["field"] == "duplicate_of"


def test_creating_in_another_commune_is_refused(api, as_user):
    r = api.post("/api/v1/cases", json={"unit": "A1", "topic": "khac", "content": "x"}, headers=as_user("off_b"))
    problem(r, 403, "unit-out-of-scope")


def test_wrong_role_is_403_and_names_the_roles(api, as_user, code):
    body = problem(api.post(f"/api/v1/cases/{code}/actions/merge", json={"data": {"duplicate_of": code}},
                            headers=as_user("off_a")), 403, "role-not-allowed")
    assert body["roles"] == ["leader"] and body["trigger"] == "merge"


def test_an_auditor_cannot_change_state_but_can_remark(api, as_user, code):
    for trigger, data in [("answer_on_site", {"answer": "x"}), ("escalate", {"target_unit": "A-KT", "reason": "r"}),
                          ("withdraw", {"reason": "r"}), ("merge", {"duplicate_of": code})]:
        problem(api.post(f"/api/v1/cases/{code}/actions/{trigger}", json={"data": data},
                         headers=as_user("aud_p")), 403, "role-not-allowed")
    r = api.post(f"/api/v1/cases/{code}/remarks", json={"kind": "urge", "note": "Đề nghị trả lời sớm"},
                 headers=as_user("aud_p"))
    assert r.status_code == 201 and r.json()["state"] == "received" and r.json()["event_count"] == 2
    events = api.get(f"/api/v1/cases/{code}/events", headers=as_user("aud_p")).json()["events"]
    assert [(e["actor"], e["trigger"]) for e in events] == [("off_a", "receive"), ("aud_p", "urge")]


def test_stale_version_is_409_with_the_current_version(api, as_user, code):
    ok = api.post(f"/api/v1/cases/{code}/remarks", json={"note": "n"}, headers=as_user("lead_a"))
    assert ok.json()["version"] == 2
    body = problem(api.post(f"/api/v1/cases/{code}/actions/answer_on_site",
                            json={"data": {"answer": "x"}, "expected_version": 1}, headers=as_user("off_a")),
                   409, "stale-version")
    assert body["current_version"] == 2 and body["expected_version"] == 1
    assert api.get(f"/api/v1/cases/{code}", headers=as_user("off_a")).json()["state"] == "received"


def test_replaying_an_action_gets_409_wrong_state(api, as_user, code):
    request = {"data": {"answer": "Đã trả lời"}}
    first = api.post(f"/api/v1/cases/{code}/actions/answer_on_site", json=request, headers=as_user("off_a"))
    assert first.status_code == 200
    replay = api.post(f"/api/v1/cases/{code}/actions/answer_on_site", json=request, headers=as_user("off_a"))
    body = problem(replay, 409, "invalid-transition")
    # "allowed" is what the workflow declares from the state, whoever may fire it (verify is
    # a leader's): since issue 16 that includes the citizen's rating and re-check.
    assert body["state"] == "answered_on_site" and set(body["allowed"]) == {
        "verify", "reopen", "merge", "withdraw", "citizen_rate", "citizen_recheck"}
    events = api.get(f"/api/v1/cases/{code}/events", headers=as_user("off_a")).json()
    assert events["chain"]["event_count"] == 2


def test_unknown_and_malformed_triggers(api, as_user, code):
    body = problem(api.post(f"/api/v1/cases/{code}/actions/fly_to_the_moon", headers=as_user("off_a")),
                   422, "unknown-trigger")
    assert "escalate" in body["known"]
    # Same answer whether or not the case is the caller's: nothing to probe.
    assert api.post(f"/api/v1/cases/{code}/actions/fly_to_the_moon", headers=as_user("off_b")).json() == body
    problem(api.post(f"/api/v1/cases/{code}/actions/remark", headers=as_user("off_a")), 422, "unknown-trigger")
    for bad in ("DROP%20TABLE", "a" * 65, "%00", "..%2F..%2Fadmin"):
        r = api.post(f"/api/v1/cases/{code}/actions/{bad}", headers=as_user("off_a"))
        assert r.status_code in (404, 422) and r.headers["content-type"] == PROBLEM, bad


# ------------------------------------------------------------------ hostile input

INJECTIONS = [
    "<script>alert('xss')</script>",
    "'); DROP TABLE cases; --",
    "\" OR \"1\"=\"1",
    "<img src=x onerror=alert(1)>&amp;&lt;",
    "Robert'); DELETE FROM case_events WHERE ('1'='1",
    "{{7*7}} ${7*7} %s %n",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_and_html_are_stored_literally_and_returned_as_json_text(api, as_user, sessions, text):
    case = new_case(api, as_user("off_a"), content=text, citizen_name=text[:200], citizen_address=text)
    got = api.get(f"/api/v1/cases/{case['code']}", headers=as_user("off_a"))
    assert got.headers["content-type"] == "application/json"
    assert got.json()["content"] == text and got.json()["citizen_address"] == text
    fired = api.post(f"/api/v1/cases/{case['code']}/actions/answer_on_site", json={"data": {"answer": text}},
                     headers=as_user("off_a"))
    assert fired.json()["answer"] == text
    with sessions() as s:
        assert s.scalar(select(Case.content).where(Case.code == case["code"])) == text
        assert s.scalar(select(Case.id).order_by(Case.id)) is not None  # the table is still there
    assert api.get("/api/v1/cases", params={"q": text}, headers=as_user("off_a")).status_code == 200


def test_oversized_bodies_are_413_before_parsing(api, as_user, code):
    huge = "x" * MB
    for method, path, body in WRITES:
        payload = {**body, "place": huge} if "meetings" in path else \
            json.loads(json.dumps(body).replace('"x"', json.dumps(huge)))
        r = api.request(method.upper(), path.format(code=code), json=payload, headers=as_user("lead_a"))
        problem(r, 413, "body-too-large")
    # Streamed without a Content-Length: counted as it arrives.
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"unit": "A1", "topic": "khac", "content": "'
        for _ in range(40):
            yield b"y" * 16384
        yield b'"}'
    r = api.post("/api/v1/cases", content=chunks(), headers={**as_user("off_a"), "Content-Type": "application/json"})
    problem(r, 413, "body-too-large")


def test_long_strings_under_the_body_limit_are_422_per_field(api, as_user, code):
    r = api.post("/api/v1/cases", json={"unit": "A1", "topic": "khac", "content": "ư" * 10_001},
                 headers=as_user("off_a"))
    err = problem(r, 422, "invalid-input")["errors"]
    assert err == [{"field": "content", "location": "body", "type": "string_too_long",
                    "message": "dài quá 10000 ký tự"}]
    for field, size in [("citizen_name", 201), ("citizen_phone", 33), ("citizen_address", 301), ("unit", 33)]:
        body = {"unit": "A1", "topic": "khac", "content": "x", field: "1" * size}
        assert problem(api.post("/api/v1/cases", json=body, headers=as_user("off_a")), 422,
                       "invalid-input")["errors"][0]["field"] == field
    r = api.post(f"/api/v1/cases/{code}/actions/answer_on_site", json={"data": {"answer": "a" * 10_001}},
                 headers=as_user("off_a"))
    assert problem(r, 422, "invalid-input")["errors"][0]["field"] == "data.answer"
    r = api.get("/api/v1/cases", params={"q": "q" * 201}, headers=as_user("off_a"))
    assert problem(r, 422, "invalid-input")["errors"][0]["location"] == "query"


@pytest.mark.parametrize("body, field", [
    ({"unit": "A1", "topic": "khac", "content": 123}, "content"),
    ({"unit": 1, "topic": "khac", "content": "x"}, "unit"),
    ({"unit": "A1", "topic": "not_a_topic", "content": "x"}, "topic"),
    ({"unit": "A1", "topic": "khac", "content": ["x"]}, "content"),
    ({"unit": "A1", "topic": "khac", "content": "x", "meeting_id": "5"}, "meeting_id"),
    ({"unit": "A1", "topic": "khac", "content": "x", "meeting_id": 2**40}, "meeting_id"),
    ({"unit": "A1", "topic": "khac", "content": "x", "received_at": 1700000000}, "received_at"),
    ({"unit": "A1", "topic": "khac", "content": "x", "received_at": "2026-11-02T08:30:00"}, "received_at"),
    ({"unit": "A1", "topic": "khac", "content": "x", "received_at": "0001-01-01T00:00:00+14:00"}, "received_at"),
    ({"unit": "A1", "topic": "khac", "content": "x", "received_at": "9999-12-31T23:59:59-12:00"}, "received_at"),
    ({"unit": "A1", "topic": "khac", "content": "x\u0000y"}, "content"),
    ({"unit": "A1", "topic": "khac", "content": "   "}, "content"),
    ({"unit": "A1", "topic": "khac"}, "content"),
    ({"topic": "khac", "content": "x"}, "unit"),
    ({"unit": "A1", "topic": "khac", "content": "x", "is_admin": True}, "is_admin"),
    ({"unit": "NO-SUCH-UNIT", "topic": "khac", "content": "x"}, "unit"),
    ({"unit": "A1", "topic": "khac", "content": "x", "citizen_phone": "not a phone"}, "citizen_phone"),
])
def test_create_refuses_wrong_types_missing_and_unknown_fields(api, as_user, body, field):
    r = api.post("/api/v1/cases", json=body, headers=as_user("off_a"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in r.json()["errors"]}


@pytest.mark.parametrize("body, status, field", [
    ({"data": {"answer": 5}}, 422, "data.answer"),
    ({"data": "answer"}, 422, "data"),
    ({"data": {"answer": "x", "surprise": 1}}, 422, "data.surprise"),
    ({"data": {"answer": "x"}, "expected_version": "1"}, 422, "expected_version"),
    ({"data": {"answer": "x"}, "expected_version": 1.0}, 422, "expected_version"),
    ({"data": {"answer": "x"}, "expected_version": True}, 422, "expected_version"),
    ({"data": {"answer": "x"}, "expected_version": 0}, 422, "expected_version"),
    ({"data": {"answer": "x"}, "expected_version": 10**30}, 422, "expected_version"),
    ({"data": {}}, 422, "answer"),  # required by the trigger
    ({"data": {"answer": "x", "target_unit": "A-KT"}}, 422, "target_unit"),  # not taken by answer_on_site
    ([], 422, "body"),
])
def test_fire_refuses_bad_data(api, as_user, code, body, status, field):
    r = api.post(f"/api/v1/cases/{code}/actions/answer_on_site", json=body, headers=as_user("off_a"))
    assert r.status_code == status, r.text
    assert field in {e["field"] for e in r.json()["errors"]}


def test_bad_appointments_are_422(api, as_user, code):
    for when in ("2020-01-01T00:00:00+07:00", "2099-01-01T00:00:00+07:00", "tomorrow", "2026-11-30T10:00:00"):
        r = api.post(f"/api/v1/cases/{code}/actions/escalate",
                     json={"data": {"target_unit": "A-KT", "reason": "r", "appointment": when}},
                     headers=as_user("off_a"))
        assert r.status_code == 422, (when, r.text)


@pytest.mark.parametrize("raw, content_type", [
    (b'{"unit": "A1", "topic": "khac", "content": "\xff\xfe\xfa"}', "application/json"),
    (b'{"unit": "A1", "topic": "khac", "content": "\\ud800"}', "application/json"),
    (b'{"unit": "A1", "topic": "khac", "content": "x"', "application/json"),
    (b"[" * 50_000 + b"]" * 50_000, "application/json"),
    (b'{"unit": "A1", "topic": "khac", "content": "x"}', "text/plain"),
    (b"unit=A1&topic=khac&content=x", "application/x-www-form-urlencoded"),
    (b"", "application/json"),
    (b"null", "application/json"),
    (b'{"unit": "A1", "topic": "khac", "content": "x", "content": {"$gt": ""}}', "application/json"),
])
def test_malformed_bodies_are_422_never_500(api, as_user, raw, content_type):
    r = api.post("/api/v1/cases", content=raw, headers={**as_user("off_a"), "Content-Type": content_type})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM


def test_hostile_query_parameters(api, as_user):
    for params in [{"limit": "0"}, {"limit": "1000"}, {"limit": "abc"}, {"overdue": "maybe"},
                   {"state": "'; DROP TABLE cases"}, {"topic": "x"}, {"order": "id; --"},
                   {"unit": "x\x00y"}, {"workflow": "../../etc"}, {"cursor": "A" * 201},
                   {"state": ["received"] * 21}]:
        r = api.get("/api/v1/cases", params=params, headers=as_user("off_a"))
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, params
    assert api.get("/api/v1/cases", params={"q": "\x00"}, headers=as_user("off_a")).status_code == 422
    r = api.get("/api/v1/cases", params={"unit": "NO-SUCH"}, headers=as_user("off_a"))
    assert problem(r, 422, "invalid-field")["errors"][0]["field"] == "unit"


def test_meeting_input_is_checked(api, as_user):
    base = {"held_on": "2026-11-02", "unit": "A"}
    for extra, field in [({"attendees": -1}, "attendees"), ({"attendees": "10"}, "attendees"),
                         ({"held_on": "02/11/2026"}, "held_on"), ({"held_on": 20261102}, "held_on"),
                         ({"held_on": "1999-12-31"}, "held_on"), ({"programme": "khong-co"}, "programme"),
                         ({"place": "p" * 201}, "place"), ({"hosts": None, "secret": 1}, "secret")]:
        r = api.post("/api/v1/meetings", json={**base, **extra}, headers=as_user("lead_a"))
        assert r.status_code == 422 and field in {e["field"] for e in r.json()["errors"]}, (extra, r.text)
    assert api.get("/api/v1/meetings/abc", headers=as_user("lead_a")).status_code == 422
    assert api.get(f"/api/v1/meetings/{2**40}", headers=as_user("lead_a")).status_code == 422


# ---------------------------------------------------------------------- throttling

def test_each_token_has_its_own_rate_limit(api, api_container, as_user):
    api_container.api_limiter = RateLimiter(rate_per_minute=1, burst=3)
    for _ in range(3):
        assert api.get("/api/v1/me", headers=as_user("off_a")).status_code == 200
    throttled = api.get("/api/v1/me", headers=as_user("off_a"))
    problem(throttled, 429, "rate-limited")
    assert int(throttled.headers["retry-after"]) >= 1
    assert api.get("/api/v1/me", headers=as_user("off_b")).status_code == 200


def test_guessing_tokens_is_throttled_per_client(api, api_container, as_user):
    api_container.api_limiter = RateLimiter(rate_per_minute=1, burst=5)
    statuses = [api.get("/api/v1/me", headers=bearer(f"nd_guess{i}")).status_code for i in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    assert api.get("/api/v1/me", headers=as_user("off_a")).status_code == 200  # real tokens are not locked out
