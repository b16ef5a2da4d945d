"""The JSON API as an integrator uses it: create, read, advance, history, lists,
meetings and reference data; errors as problem+json in the caller's language."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from engine.models import CaseEvent, User

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import new_case
from .conftest import HCM

PROBLEM = "application/problem+json"


def test_create_returns_code_state_deadline_and_allowed_actions(api, as_user):
    case = new_case(api, as_user("off_a"))
    assert case["code"].startswith("P-2026-") and case["state"] == "received" and case["version"] == 1
    # Mon 23/11 + 10 working days (Tue 24/11 is a holiday in the test calendar) → Tue 08/12 17:00 local.
    assert datetime.fromisoformat(case["due_at"]) == datetime(2026, 12, 8, 17, 0, tzinfo=HCM)
    actions = {a["trigger"]: a for a in case["allowed_actions"]}
    assert set(actions) == {"answer_on_site", "escalate", "merge", "withdraw"}
    assert actions["escalate"]["allowed"] and actions["escalate"]["requires"] == ["target_unit", "reason"]
    assert not actions["merge"]["allowed"] and "leader" in actions["merge"]["refusal"]


def test_notebook_entry_keeps_its_received_time_and_is_overdue(api, as_user):
    raised = datetime(2026, 11, 2, 8, 30, tzinfo=HCM)
    case = new_case(api, as_user("off_a"), received_at=raised.isoformat())
    assert datetime.fromisoformat(case["received_at"]) == raised
    assert case["overdue"] is True
    listed = api.get("/api/v1/cases", params={"overdue": "true"}, headers=as_user("off_a")).json()
    assert [c["code"] for c in listed["items"]] == [case["code"]]


def test_allowed_actions_depend_on_the_caller(api, as_user):
    code = new_case(api, as_user("off_a"))["code"]
    lead = api.get(f"/api/v1/cases/{code}", headers=as_user("lead_a")).json()
    auditor = api.get(f"/api/v1/cases/{code}", headers=as_user("aud_p")).json()
    assert {a["trigger"] for a in lead["allowed_actions"] if a["allowed"]} == {
        "answer_on_site", "escalate", "merge", "withdraw"}
    assert auditor["allowed_actions"] and not any(a["allowed"] for a in auditor["allowed_actions"])


def test_full_lifecycle_over_http_attributes_every_event_to_the_token_owner(api, as_user, clock):
    code = new_case(api, as_user("off_a"))["code"]
    steps = [
        ("off_a", "escalate", {"target_unit": "A-KT", "reason": "Cần khảo sát nguồn nước"}),
        ("off_kt", "answer", {"answer": "Đã súc rửa đường ống"}),
        ("lead_a", "verify", {"satisfaction": "satisfied", "note": "Đã kiểm tra tại hộ dân"}),
        ("off_a", "resolve", {}),
    ]
    version = 1
    for who, trigger, data in steps:
        clock.advance(timedelta(hours=3))
        r = api.post(f"/api/v1/cases/{code}/actions/{trigger}", json={"data": data, "expected_version": version},
                     headers=as_user(who))
        assert r.status_code == 200, r.text
        version = r.json()["version"]
    final = r.json()
    assert final["state"] == "resolved" and final["final"] and final["due_at"] is None and version == 5
    assert final["allowed_actions"] == []

    history = api.get(f"/api/v1/cases/{code}/events", headers=as_user("aud_p")).json()
    assert history["chain"] == {"valid": True, "event_count": 5, "problem": None, "broken_at": None}
    events = history["events"]
    assert [(e["actor"], e["trigger"]) for e in events] == [("off_a", "receive")] + [(w, t) for w, t, _ in steps]
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert all(len(e["hash"]) == 64 for e in events)


def test_events_report_a_tampered_history(api, as_user, sessions):
    code = new_case(api, as_user("off_a"))["code"]
    api.post(f"/api/v1/cases/{code}/actions/escalate", json={"data": {"target_unit": "A-KT", "reason": "r"}},
             headers=as_user("off_a"))
    with sessions.begin() as s:
        s.execute(update(CaseEvent).where(CaseEvent.seq == 2).values(note="sửa lén"))
    chain = api.get(f"/api/v1/cases/{code}/events", headers=as_user("off_a")).json()["chain"]
    assert chain["valid"] is False and chain["broken_at"] == 2 and "edited" in chain["problem"]


def test_list_is_keyset_paginated_without_gaps_or_repeats(api, as_user, clock):
    made = []
    for i in range(7):
        clock.advance(timedelta(minutes=1))
        made.append(new_case(api, as_user("off_a"), content=f"Ý kiến số {i}")["code"])
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/cases", params=params, headers=as_user("off_a")).json()
        seen += [c["code"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == list(reversed(made))  # newest first
    # Most urgent first: same deadline for all, so creation order breaks the tie.
    by_due = api.get("/api/v1/cases", params={"order": "due", "limit": 100}, headers=as_user("off_a")).json()
    assert [c["code"] for c in by_due["items"]] == made


def test_list_filters_state_topic_unit_and_scope(api, as_user):
    water = new_case(api, as_user("off_a"))["code"]
    road = new_case(api, as_user("off_a"), topic="giao_thong", unit="A2", content="Đường đal xuống cấp")["code"]
    other = new_case(api, as_user("off_b"), unit="B1")["code"]
    api.post(f"/api/v1/cases/{road}/actions/escalate", json={"data": {"target_unit": "A-KT", "reason": "r"}},
             headers=as_user("off_a"))

    def codes(user: str, **params: object) -> set[str]:
        r = api.get("/api/v1/cases", params=params, headers=as_user(user))
        assert r.status_code == 200, r.text
        return {c["code"] for c in r.json()["items"]}

    assert codes("off_a") == {water, road}
    assert codes("off_b") == {other}
    assert codes("aud_p") == {water, road, other}
    assert codes("off_a", state="escalated") == {road}
    assert codes("off_a", state=["escalated", "received"]) == {water, road}
    assert codes("off_a", topic="dien_nuoc") == {water}
    assert codes("aud_p", unit="A2") == {road}
    assert codes("aud_p", unit="A-KT") == {road}  # handled there
    assert codes("off_a", unit="B") == set()  # B exists, but nothing of B is in off_a's scope
    assert codes("off_a", status="closed") == set()


def test_search_ignores_vietnamese_diacritics_and_case(api, as_user):
    water = new_case(api, as_user("off_a"), content="Nước sinh hoạt ở ấp bị đục, có mùi phèn")["code"]
    new_case(api, as_user("off_a"), content="Đường đal liên ấp xuống cấp")
    for q in ("nuoc sinh hoat", "NƯỚC SINH", "phen", "mùi   nuoc", water.lower()):
        found = api.get("/api/v1/cases", params={"q": q}, headers=as_user("off_a")).json()["items"]
        assert [c["code"] for c in found] == [water], q
    for q in ("nuoc mia", "%", "_", "' OR 1=1 --"):
        assert api.get("/api/v1/cases", params={"q": q}, headers=as_user("off_a")).json()["items"] == [], q
    duong = api.get("/api/v1/cases", params={"q": "duong dal"}, headers=as_user("off_a")).json()["items"]
    assert len(duong) == 1


def test_bad_cursor_is_invalid_input(api, as_user):
    new_case(api, as_user("off_a"))
    new_case(api, as_user("off_a"))
    first = api.get("/api/v1/cases", params={"limit": 1}, headers=as_user("off_a")).json()
    for cursor in ("garbage!", "bm90IGpzb24", first["next_cursor"] + "x"):
        r = api.get("/api/v1/cases", params={"cursor": cursor}, headers=as_user("off_a"))
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, cursor
        assert r.json()["type"].endswith("/invalid-field")
    # A cursor of one ordering is refused by the other.
    r = api.get("/api/v1/cases", params={"cursor": first["next_cursor"], "order": "due"}, headers=as_user("off_a"))
    assert r.status_code == 422


def test_meetings_create_get_and_link_cases(api, as_user):
    body = {"programme": "nghe-dan-noi", "held_on": "2026-11-02", "unit": "A", "place": "Nhà văn hóa ấp A1",
            "hosts": "Bí thư, Chủ tịch UBND xã", "attendees": 85}
    r = api.post("/api/v1/meetings", json=body, headers=as_user("lead_a"))
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert meeting["created_by"] == "lead_a" and meeting["attendees"] == 85 and meeting["cases"] == []
    code = new_case(api, as_user("off_a"), meeting_id=meeting["id"])["code"]
    again = api.get(f"/api/v1/meetings/{meeting['id']}", headers=as_user("aud_p")).json()
    assert again["cases"] == [code] and again["unit_name"] == "Xã A"
    # Another commune's meeting does not exist for B's people; nor may they hold one in A.
    assert api.get(f"/api/v1/meetings/{meeting['id']}", headers=as_user("off_b")).status_code == 404
    assert api.get("/api/v1/meetings/999999", headers=as_user("off_a")).status_code == 404
    refused = api.post("/api/v1/meetings", json=body, headers=as_user("off_b"))
    assert refused.status_code == 403 and refused.json()["type"].endswith("/unit-out-of-scope")
    assert api.post("/api/v1/meetings", json=body, headers=as_user("aud_p")).status_code == 403
    future = api.post("/api/v1/meetings", json={**body, "held_on": "2027-01-01"}, headers=as_user("lead_a"))
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "held_on"


def test_units_are_paginated_and_filterable(api, as_user):
    all_codes, cursor = [], None
    while True:
        page = api.get("/api/v1/units", params={"limit": 4, **({"cursor": cursor} if cursor else {})},
                       headers=as_user("off_b")).json()
        all_codes += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(all_codes) == sorted(["P", "P-SO", "A", "A1", "A2", "A-KT", "A-MT", "B", "B1"])
    children = api.get("/api/v1/units", params={"parent": "A"}, headers=as_user("off_a")).json()["items"]
    assert {u["code"] for u in children} == {"A1", "A2", "A-KT", "A-MT"} and children[0]["parent"] == "A"
    villages = api.get("/api/v1/units", params={"level": "village"}, headers=as_user("off_a")).json()["items"]
    assert {u["code"] for u in villages} == {"A1", "A2", "B1"}
    assert api.get("/api/v1/units", params={"parent": "NOPE"}, headers=as_user("off_a")).status_code == 404


def test_workflows_describe_states_deadlines_and_transitions(api, as_user):
    listed = api.get("/api/v1/workflows", headers=as_user("off_a")).json()
    assert {w["key"] for w in listed} == {"nghe-dan-noi", "moi-tuan-mot-diem-den", "tiep-cong-dan", "doi-thoai",
                                         "to-dan-van"}
    wf = api.get("/api/v1/workflows/nghe-dan-noi", headers=as_user("off_a")).json()
    states = {s["name"]: s for s in wf["states"]}
    assert states["received"]["deadline"]["working_days"] == 10 and states["resolved"]["final"]
    assert "Luật Tiếp công dân" in states["received"]["deadline"]["basis"]
    verify = next(t for t in wf["transitions"] if t["trigger"] == "verify")
    assert verify["roles"] == ["leader"] and verify["requires"] == ["satisfaction", "note"]
    r = api.get("/api/v1/workflows/khong-co", headers=as_user("off_a"))
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


def test_problems_speak_the_callers_language(api, as_user, sessions):
    code = new_case(api, as_user("off_a"))["code"]
    url = f"/api/v1/cases/{code}/actions/resolve"
    vi = api.post(url, headers=as_user("off_a")).json()
    en = api.post(url, headers=as_user("off_a", lang="en-GB,en;q=0.8")).json()
    assert vi["type"] == en["type"] == "https://nghedan.vn/problems/invalid-transition"
    assert vi["title"] == "Thao tác không hợp lệ ở trạng thái hiện tại" and "Không thể" in vi["detail"]
    assert en["title"] == "Action not possible in the current state" and en["detail"].startswith("Cannot")
    assert vi["allowed"] == en["allowed"] == ["answer_on_site", "escalate", "merge", "withdraw"]
    # Without Accept-Language, the user's own language.
    with sessions.begin() as s:
        s.execute(update(User).where(User.username == "off_a").values(language="en"))
    assert api.post(url, headers=as_user("off_a")).json()["title"] == "Action not possible in the current state"


def test_me_names_the_token_owner(api, as_user):
    me = api.get("/api/v1/me", headers=as_user("lead_kt")).json()
    assert me == {"username": "lead_kt", "language": "vi", "grants": [{"role": "leader", "unit": "A-KT"}]}


def test_openapi_documents_every_operation_with_problem_responses(api):
    doc = api.get("/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    expected = {
        ("post", "/api/v1/cases"), ("get", "/api/v1/cases"), ("get", "/api/v1/cases/{code}"),
        ("post", "/api/v1/cases/{code}/actions/{trigger}"), ("get", "/api/v1/cases/{code}/events"),
        ("post", "/api/v1/cases/{code}/remarks"), ("post", "/api/v1/meetings"),
        ("get", "/api/v1/meetings/{meeting_id}"), ("get", "/api/v1/units"), ("get", "/api/v1/workflows"),
        ("get", "/api/v1/workflows/{key}"), ("post", "/open311/v2/requests.json"),
        ("get", "/open311/v2/requests/{request_id}.xml"), ("get", "/open311/v2/services.json"),
    }
    operations = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert expected <= operations
    refs: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            refs.update(v for k, v in node.items() if k == "$ref")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(doc)
    # Every schema a response refers to is defined (else it could not be checked).
    assert {r.rsplit("/", 1)[1] for r in refs} <= set(doc["components"]["schemas"])
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # 422s are problems, 400s Open311 errors
    for path, item in doc["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in item.items():
            assert {"401", "422", "429"} <= set(op["responses"]), (method, path)
            assert PROBLEM in op["responses"]["422"]["content"], (method, path)
            assert op.get("security") == [{"bearerToken": []}], (method, path)


def test_unknown_api_path_and_wrong_method_are_problems(api, as_user):
    r = api.get("/api/v1/khong-co", headers=as_user("off_a"))
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = api.delete("/api/v1/cases", headers=as_user("off_a"))
    assert r.status_code == 405 and r.json()["type"].endswith("/method-not-allowed")


def test_received_at_in_the_future_is_refused(api, as_user, clock):
    later = (clock.now() + timedelta(days=1)).astimezone(timezone.utc).isoformat()
    r = api.post("/api/v1/cases", json={"unit": "A1", "topic": "khac", "content": "x", "received_at": later},
                 headers=as_user("off_a"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_at"


def test_a_denouncers_identity_is_shown_only_to_leaders(api, as_user):
    code = new_case(api, as_user("off_a"), kind="to_cao", content="Tố cáo thu tiền sai quy định")["code"]
    official = api.get(f"/api/v1/cases/{code}", headers=as_user("off_a")).json()
    auditor = api.get(f"/api/v1/cases/{code}", headers=as_user("aud_p")).json()
    leader = api.get(f"/api/v1/cases/{code}", headers=as_user("lead_a")).json()
    for hidden in (official, auditor):
        assert hidden["citizen_withheld"] is True
        assert (hidden["citizen_name"], hidden["citizen_phone"]) == (None, None)
    assert leader["citizen_withheld"] is False and leader["citizen_name"] == "Nguyễn Văn Dân"
    # An ordinary petition's author is visible to the officials handling it.
    plain = new_case(api, as_user("off_a"))["code"]
    assert api.get(f"/api/v1/cases/{plain}", headers=as_user("off_a")).json()["citizen_phone"] == "0901234567"
