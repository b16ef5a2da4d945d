"""The programmes' API: a reception day with its petitions, a dialogue and its
announced conclusion, a village team and its members, a head's schedule, a dispute
and its parties — each one transaction (a bad petition leaves nothing), once per
Idempotency-Key, refused as problem+json for hostile input, another commune or the
wrong role, and a party's identity only as engine.disclosure allows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.models import Case, CaseParty, Meeting, PublicDocument, ReceptionDay, Team, TeamMember

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401
from .programme_support import add_user

PROBLEM = "application/problem+json"


def count(container, model) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def reception(**kw):
    body = {"unit": "A", "held_on": "2026-11-23", "occasion": "regular", "capacity": "chair", "receiver": "lead_a",
            "petitions": [
                {"kind": "kien_nghi", "topic": "giao_thong", "content": "Đường hư", "citizen_name": "Lê Văn A",
                 "route": "accept"},
                {"kind": "to_cao", "topic": "khac", "content": "Tố cáo cán bộ", "citizen_name": "Người tố cáo",
                 "route": "forward", "data": {"target_unit": "P-SO", "reason": "Thuộc thẩm quyền"}},
                {"kind": "phan_anh", "topic": "moi_truong", "content": "Ô nhiễm kênh"}]}
    body.update(kw)
    return body


def test_a_reception_day_is_recorded_once_per_key(api, as_user, api_container):
    h = {**as_user("lead_a"), "Idempotency-Key": "tcd-2026-11-23"}
    first = api.post("/api/v1/receptions", json=reception(), headers=h)
    assert first.status_code == 201, first.text
    got = first.json()
    assert len(got["cases"]) == 3
    again = api.post("/api/v1/receptions", json=reception(), headers=h)
    assert again.status_code == 201 and again.json() == got and again.headers["Idempotent-Replayed"] == "true"
    assert (count(api_container, ReceptionDay), count(api_container, Case)) == (1, 3)
    other = api.post("/api/v1/receptions", json=reception(place="Hội trường"), headers=h)
    assert other.status_code == 422 and other.headers["content-type"].startswith(PROBLEM)
    states = [api.get(f"/api/v1/cases/{c}", headers=as_user("lead_a")).json()["state"] for c in got["cases"]]
    assert states == ["accepted", "forwarded", "received"]


@pytest.mark.parametrize("change", [
    {"occasion": "sometimes"},
    {"capacity": "king"},
    {"held_on": "2027-01-01"},  # in the future
    {"held_on": "23/11/2026"},
    {"unit": "B"},  # another commune
    {"receiver": "lead_b"},  # works elsewhere
    {"petitions": [{"kind": "to_cao", "topic": "khac", "content": "x", "route": "accept"}]},  # not this kind's route
    {"petitions": [{"kind": "kien_nghi", "topic": "khac", "content": "\u202eđảo chiều"}]},
    {"petitions": [{"kind": "kien_nghi", "topic": "khac", "content": "x" * 5000}]},
    {"petitions": [{"kind": "kien_nghi", "topic": "khac", "content": "x", "extra": 1}]},
    {"petitions": "none"},
    {"unit": None},
])
def test_hostile_reception_days_write_nothing(api, as_user, api_container, change):
    got = api.post("/api/v1/receptions", json=reception(**change), headers=as_user("lead_a"))
    assert got.status_code in (403, 404, 409, 422), got.text
    assert got.headers["content-type"].startswith(PROBLEM)
    assert (count(api_container, Meeting), count(api_container, Case)) == (0, 0)


def test_the_wrong_role_and_no_token_are_refused(api, as_user, api_container):
    assert api.post("/api/v1/receptions", json=reception()).status_code == 401
    got = api.post("/api/v1/receptions", json=reception(), headers=as_user("aud_p"))
    assert got.status_code == 403 and got.headers["content-type"].startswith(PROBLEM)
    assert count(api_container, Meeting) == 0


def test_a_dialogue_and_its_conclusion(api, as_user, api_container):
    body = {"unit": "A", "held_on": "2026-11-20", "chair": "Chủ tịch UBND xã", "front_representative": "Chủ tịch MTTQ xã",
            "attendees": 120, "opinions": [{"kind": "kien_nghi", "topic": "giao_thong", "content": "Làm đường",
                                            "citizen_name": "Phạm Văn Dân"}]}
    made = api.post("/api/v1/dialogues", json=body, headers=as_user("lead_a"))
    assert made.status_code == 201, made.text
    meeting_id = made.json()["meeting_id"]
    conclusion = {"title": "Kết luận buổi đối thoại", "body": "UBND xã cam kết làm đường liên ấp.",
                  "commitments": [{"content": "Làm đường liên ấp", "due_at": "2027-01-15T17:00:00+07:00"}]}
    leaked = api.post(f"/api/v1/dialogues/{meeting_id}/conclusion", headers=as_user("lead_a"),
                      json={**conclusion, "body": "Ông Phạm Văn Dân, 0912 345 678, đề nghị"})
    assert leaked.status_code == 422 and count(api_container, PublicDocument) == 0
    refused = api.post(f"/api/v1/dialogues/{meeting_id}/conclusion", json=conclusion, headers=as_user("off_a"))
    assert refused.status_code == 403
    elsewhere = api.post(f"/api/v1/dialogues/{meeting_id}/conclusion", json=conclusion, headers=as_user("lead_b"))
    assert elsewhere.status_code == 404
    done = api.post(f"/api/v1/dialogues/{meeting_id}/conclusion", json=conclusion,
                    headers={**as_user("lead_a"), "Idempotency-Key": "kl-1"})
    assert done.status_code == 201, done.text
    page = api.get(done.json()["public_path"])
    assert page.status_code == 200 and "Làm đường liên ấp" in page.text and "Phạm Văn Dân" not in page.text
    again = api.post(f"/api/v1/dialogues/{meeting_id}/conclusion", json=conclusion,
                     headers={**as_user("lead_a"), "Idempotency-Key": "kl-1"})
    assert again.json() == done.json() and count(api_container, PublicDocument) == 1
    twice = api.post(f"/api/v1/dialogues/{meeting_id}/conclusion", json=conclusion, headers=as_user("lead_a"))
    assert twice.status_code == 422  # a dialogue has one conclusion


def test_a_village_team_and_its_members(api, as_user, api_container):
    add_user(api_container.cases, "to_vien_a1", "member", "A1")
    h = as_user("off_a")
    assert api.post("/api/v1/teams", json={"village": "A", "name": "Tổ"}, headers=h).status_code == 422  # a commune
    assert api.post("/api/v1/teams", json={"village": "B1", "name": "Tổ"}, headers=h).status_code in (403, 404)
    assert api.post("/api/v1/teams", json={"village": "A1", "name": "Tổ dân vận ấp 1"}, headers=h).status_code == 201
    assert api.post("/api/v1/teams", json={"village": "A1", "name": "Lần hai"}, headers=h).status_code == 422
    lead = api.post("/api/v1/teams/A1/members", headers=h,
                    json={"name": "Nguyễn Thị Tổ", "role": "leader", "joined_on": "2025-01-10"})
    assert lead.status_code == 201
    linked = api.post("/api/v1/teams/A1/members", headers=h,
                      json={"role": "member", "joined_on": "2026-03-01", "username": "to_vien_a1"})
    assert linked.status_code == 201
    assert api.post("/api/v1/teams/A1/members", headers=h,
                    json={"name": "X", "role": "boss", "joined_on": "2026-03-01"}).status_code == 422
    member_id = lead.json()["member_id"]
    left = api.post(f"/api/v1/teams/A1/members/{member_id}/departure", json={"left_on": "2026-06-30"}, headers=h)
    assert left.status_code == 200
    before = api.post(f"/api/v1/teams/A1/members/{member_id}/departure", json={"left_on": "2026-07-30"}, headers=h)
    assert before.status_code == 422  # already left
    now = api.get("/api/v1/teams/A1/members", headers=h).json()["members"]
    assert [m["username"] for m in now] == ["to_vien_a1"]
    then = api.get("/api/v1/teams/A1/members?on=2026-05-01", headers=h).json()["members"]
    assert len(then) == 2
    assert (count(api_container, Team), count(api_container, TeamMember)) == (1, 2)


def test_a_heads_schedule_is_set_and_replaced(api, as_user, api_container):
    body = {"username": "lead_a", "unit": "A", "capacity": "party_secretary", "days_per_month": 1,
            "basis": "Quy định 11-QĐi/TW"}
    assert api.put("/api/v1/reception-schedules", json=body, headers=as_user("off_a")).status_code == 403
    first = api.put("/api/v1/reception-schedules", json=body, headers=as_user("lead_a"))
    assert first.status_code == 200, first.text
    second = api.put("/api/v1/reception-schedules", json={**body, "days_per_month": 2}, headers=as_user("lead_a"))
    assert second.json()["schedule_id"] == first.json()["schedule_id"]
    assert api.put("/api/v1/reception-schedules", json={**body, "days_per_month": 40},
                   headers=as_user("lead_a")).status_code == 422


def test_a_dispute_and_who_sees_its_parties(api, as_user, api_container):
    add_user(api_container.cases, "to_vien_a1", "member", "A1")
    tokens = {}
    from engine.services.tokens import issue_token
    from engine.uow import UnitOfWork
    with UnitOfWork(api_container.sessions) as uow:
        _, tokens["member"] = issue_token(uow.session, "to_vien_a1", label="t", now=api_container.clock.now())
        uow.commit()
    member = bearer(tokens["member"])
    body = {"village": "A1", "topic": "dat_dai", "content": "Tranh chấp ranh đất",
            "parties": [{"name": "Hộ ông Lê Văn Một", "phone": "0901111111"},
                        {"name": "Hộ bà Trần Thị Hai", "phone": "0902222222"}]}
    assert api.post("/api/v1/disputes", json={**body, "parties": body["parties"][:1]}, headers=member).status_code == 422
    assert api.post("/api/v1/disputes", json={**body, "village": "A2"}, headers=member).status_code in (403, 404)
    assert count(api_container, Case) == 0
    made = api.post("/api/v1/disputes", json=body, headers={**member, "Idempotency-Key": "tc-1"})
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    assert api.post("/api/v1/disputes", json=body, headers={**member, "Idempotency-Key": "tc-1"}).json() == made.json()
    assert (count(api_container, Case), count(api_container, CaseParty)) == (1, 2)
    full = api.get(f"/api/v1/disputes/{code}/parties", headers=member).json()["parties"]
    assert full[0]["name"] == "Hộ ông Lê Văn Một" and full[0]["phone"] == "0901111111"
    front = api.get(f"/api/v1/disputes/{code}/parties", headers=as_user("aud_p")).json()["parties"]
    assert "Lê Văn Một" not in str(front) and "0901111111" not in str(front)
    assert api.get(f"/api/v1/disputes/{code}/parties", headers=as_user("off_b")).status_code == 404
