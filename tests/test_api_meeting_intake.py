"""``POST /api/v1/meetings`` with the opinions heard there: one request, one
transaction, the web form's checks; ``Idempotency-Key`` makes it take effect once.
Hostile input gets a problem+json naming each bad field, and writes nothing."""

from __future__ import annotations

import pytest

from .api_support import *  # noqa: F403  (fixtures)
from .intake_support import api_body, written

PROBLEM = "application/problem+json"
URL = "/api/v1/meetings"


def refused(r, status: int, kind: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == f"https://nghedan.vn/problems/{kind}" and body["detail"]
    return body  # type: ignore[no-any-return]


def fields_of(body: dict) -> set[str]:  # type: ignore[type-arg]
    return {e["field"] for e in body.get("errors") or []}


def test_a_meeting_and_its_opinions_in_one_request(api, as_user):
    r = api.post(URL, json=api_body(6), headers=as_user("off_a"))
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert meeting["created_by"] == "off_a" and meeting["attendees"] == 57 and len(meeting["cases"]) == 6
    cases = [api.get(f"/api/v1/cases/{code}", headers=as_user("off_a")).json() for code in meeting["cases"]]
    assert [c["state"] for c in cases] == ["answered_on_site", "escalated", "received"] * 2
    assert [c["content"] for c in cases] == [o["content"] for o in api_body(6)["opinions"]]
    assert cases[1]["handling_unit"] == "A-KT" and {c["meeting_id"] for c in cases} == {meeting["id"]}
    # Read back, the meeting lists what the reader may see.
    assert sorted(api.get(f"{URL}/{meeting['id']}", headers=as_user("aud_p")).json()["cases"]) == \
        sorted(meeting["cases"])


def test_the_key_makes_a_request_take_effect_once(api, as_user, sessions):
    headers = {**as_user("off_a"), "Idempotency-Key": "meeting-2026-11-23-A"}
    first = api.post(URL, json=api_body(4), headers=headers)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    after = written(sessions)
    again = api.post(URL, json=api_body(4), headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert written(sessions) == after
    # The same key with another body: refused (422, as for every keyed write), naming the meeting it made.
    other = refused(api.post(URL, json=api_body(4, attendees=58), headers=headers), 422, "idempotency-key-reused")
    assert other["meeting_id"] == first.json()["id"] and "nội dung khác" in other["detail"]
    en = api.post(URL, json=api_body(3), headers={**headers, "Accept-Language": "en"}).json()
    assert "different content" in en["detail"]
    assert written(sessions) == after
    # Another user's key of the same spelling is theirs; without a key, every post counts.
    lead = api.post(URL, json=api_body(4), headers={**as_user("lead_a"), "Idempotency-Key": "meeting-2026-11-23-A"})
    assert lead.status_code == 201 and lead.json()["id"] != first.json()["id"]
    plain = [api.post(URL, json=api_body(1), headers=as_user("off_a")).json()["id"] for _ in range(2)]
    assert plain[0] != plain[1]


@pytest.mark.parametrize("key", ["has space", "x" * 101, "khóa-có-dấu", ""])
def test_a_bad_key_is_refused(api, as_user, sessions, key):
    before = written(sessions)
    r = api.post(URL, json=api_body(1), headers={**as_user("off_a"), "Idempotency-Key": key.encode()})
    body = refused(r, 422, "invalid-input")
    assert {(e["field"], e["location"]) for e in body["errors"]} == {("Idempotency-Key", "header")}
    assert written(sessions) == before


def _one(**fields: object) -> dict:  # type: ignore[type-arg]
    body = api_body(1)
    body["opinions"] = [{**body["opinions"][0], **fields}]
    return body


@pytest.mark.parametrize("body, field", [
    ({**api_body(1), "opinions": "x"}, "opinions"),
    ({**api_body(1), "opinions": ["x"]}, "opinions.0"),
    ({**api_body(1), "opinions": [{"content": "x"}]}, "opinions.0.topic"),
    ({**api_body(1), "opinions": [{"topic": "khac"}]}, "opinions.0.content"),
    (_one(topic=5), "opinions.0.topic"),
    (_one(content=None), "opinions.0.content"),
    (_one(content=""), "opinions.0.content"),
    (_one(content="x" * 10_001), "opinions.0.content"),
    (_one(citizen_name="n" * 201), "opinions.0.citizen_name"),
    (_one(content="a\x00b"), "opinions.0.content"),
    (_one(secret=True), "opinions.0.secret"),
    (_one(outcome="DROP TABLE"), "opinions.0.outcome"),
    (_one(appointment=1767225600), "opinions.0.appointment"),
    ({**api_body(1), "opinions": api_body(1)["opinions"] * 101}, "opinions"),
    (api_body(1, attendees="10"), "attendees"),
    (api_body(1, held_on=20261123), "held_on"),
])
def test_malformed_input_is_refused_by_field(api, as_user, sessions, body, field):
    before = written(sessions)
    assert field in fields_of(refused(api.post(URL, json=body, headers=as_user("off_a")), 422, "invalid-input"))
    assert written(sessions) == before


@pytest.mark.parametrize("body, field, kind", [
    (api_body(1, held_on="2026-11-24"), "held_on", "invalid-field"),
    (api_body(1, held_on="1999-12-31"), "held_on", "invalid-field"),
    (api_body(1, programme="khong-co"), "programme", "invalid-field"),
    (_one(outcome="resolve"), "opinions.0.outcome", "invalid-field"),
    (_one(outcome=None), "opinions.0.answer", "invalid-field"),  # an answer with no outcome
    (_one(outcome="answer_on_site", answer=None), "opinions.0.answer", "missing-field"),
    (_one(outcome="escalate", answer=None, target_unit="A2", unit="A2"), "opinions.0.target_unit", "invalid-field"),
    (_one(outcome="escalate", answer=None, target_unit="NO-SUCH"), "opinions.0.target_unit", "invalid-field"),
    (_one(outcome="escalate", answer=None, target_unit="A-KT", appointment="2026-11-01T08:00:00+07:00"),
     "opinions.0.appointment", "invalid-field"),
    (_one(unit="NO-SUCH"), "opinions.0.unit", "invalid-field"),
])
def test_what_the_engine_refuses_is_named_too(api, as_user, sessions, body, field, kind):
    before = written(sessions)
    body = refused(api.post(URL, json=body, headers=as_user("off_a")), 422, "invalid-input")
    assert {(e["field"], e["type"]) for e in body["errors"]} == {(field, kind)}
    assert written(sessions) == before


def test_every_problem_comes_back_at_once_in_the_callers_language(api, as_user, sessions):
    body = api_body(3, held_on="2026-12-01")
    body["opinions"][0]["outcome"] = "verify"
    body["opinions"][2]["target_unit"] = "A-KT"  # recorded only: no target goes with it
    vi = refused(api.post(URL, json=body, headers=as_user("off_a")), 422, "invalid-input")
    assert fields_of(vi) == {"held_on", "opinions.0.outcome", "opinions.2.target_unit"}
    assert "không được ở tương lai" in " ".join(e["message"] for e in vi["errors"])
    en = api.post(URL, json=body, headers=as_user("off_a", lang="en")).json()
    assert "must not be in the future" in " ".join(e["message"] for e in en["errors"])
    assert en["detail"].startswith("Nothing was saved")


@pytest.mark.parametrize("who, body, kind, field", [
    ("aud_p", api_body(1), "role-not-allowed", "unit"),
    ("off_kt", api_body(1), "unit-out-of-scope", "unit"),
    ("off_b", api_body(1), "unit-out-of-scope", "unit"),
    ("off_a", _one(unit="B1"), "unit-out-of-scope", "opinions.0.unit"),
    ("off_a", api_body(1, unit="P"), "unit-out-of-scope", "unit"),
])
def test_nobody_records_outside_their_units(api, as_user, sessions, who, body, kind, field):
    before = written(sessions)
    problem = refused(api.post(URL, json=body, headers=as_user(who)), 403, kind)
    assert field in fields_of(problem)
    assert written(sessions) == before


def test_text_is_kept_as_typed_never_interpreted(api, as_user):
    # Bidirectional controls are refused instead (engine.services.fields; tests/test_input_hygiene.py).
    hostile = ["=HYPERLINK(\"http://evil.example\",\"bấm\")", "<script>alert(1)</script><b>đậm</b>",
               "tên ỏhk lạ và cô lập 👨\u200d👩\u200d👧", "@SUM(1+1)*cmd|' /C calc'!A0", "Ｆｕｌｌ　ｗｉｄｔｈ 🚰"]
    body = api_body(len(hostile))
    for o, text in zip(body["opinions"], hostile):
        o["content"] = text
        o["citizen_name"] = text[:200]
    r = api.post(URL, json=body, headers=as_user("off_a"))
    assert r.status_code == 201, r.text
    stored = [api.get(f"/api/v1/cases/{code}", headers=as_user("lead_a")).json() for code in r.json()["cases"]]
    assert [c["content"] for c in stored] == hostile
    assert [c["citizen_name"] for c in stored] == [t[:200] for t in hostile]


def test_an_oversized_body_is_refused_before_it_is_read(api, as_user, sessions):
    before = written(sessions)
    body = _one(content="x" * 9_000)
    body["opinions"] = body["opinions"] * 40  # ~360 KiB, over the 256 KiB limit
    refused(api.post(URL, json=body, headers=as_user("off_a")), 413, "body-too-large")
    assert written(sessions) == before
