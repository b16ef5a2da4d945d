"""The support, fund and visit API: problem+json for hostile input (negative and
absurd amounts, spending over the balance, another commune's ledger, stale
versions), Idempotency-Key replays that write nothing, and the public statement
without a token or personal data."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.models import Case, FundEntry, HomeVisit, SupportActivity

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401


def count(container, table) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(table))


def income(api, headers, amount="2.000.000", **kw):
    return api.post("/api/v1/funds/A/income", json={"on_date": "2026-11-16", "amount": amount, **kw}, headers=headers)


def test_income_and_spending(api, as_user, api_container):
    h = as_user("off_a")
    assert income(api, h, donor="Nguyễn Văn Hảo").status_code == 201
    got = api.post("/api/v1/support/activities", headers=h, json={
        "kind": "gift", "unit": "A1", "held_on": "2026-11-16", "households": 2, "value": "1,5 triệu"})
    assert got.status_code == 201 and got.json()["fund_entry_seq"] == 2
    ledger = api.get("/api/v1/funds/A", headers=as_user("aud_p")).json()
    assert (ledger["entry_count"], ledger["balance"]) == (2, 500_000)
    assert ledger["entries"][1]["donor"] == "N.V.H."  # the Front sees initials


def test_hostile_amounts(api, as_user, api_container):
    h = as_user("off_a")
    for amount in ("-100", "20 tỷ", 1.5, "1e9", "", None, [1]):
        got = income(api, h, amount=amount)
        assert got.status_code == 422 and got.headers["content-type"].startswith("application/problem+json")
    assert income(api, h, amount="1 triệu").status_code == 201
    got = api.post("/api/v1/support/activities", headers=h, json={
        "kind": "new_house", "unit": "A1", "held_on": "2026-11-16", "houses": 1, "value": "44 triệu", "source": "fund"})
    assert got.status_code == 422 and "1.000.000" in got.json()["detail"]
    assert (count(api_container, FundEntry), count(api_container, SupportActivity)) == (1, 0)


def test_another_communes_ledger(api, as_user, api_container):
    assert income(api, as_user("off_a")).status_code == 201
    assert income(api, as_user("off_b")).status_code == 404
    assert api.get("/api/v1/funds/A", headers=as_user("off_b")).status_code == 404
    assert api.post("/api/v1/funds/A/entries/1/reversal", json={"reason": "x"}, headers=as_user("lead_b")).status_code == 404
    assert api.post("/api/v1/funds/A/entries/1/reversal", json={"reason": "x"}, headers=as_user("off_a")).status_code == 403
    assert count(api_container, FundEntry) == 1


def test_stale_version_and_reversal(api, as_user, api_container):
    h = as_user("off_a")
    assert income(api, h, expected_count=0).status_code == 201
    assert income(api, h, expected_count=0).status_code == 409  # someone wrote since the page was read
    got = api.post("/api/v1/funds/A/entries/1/reversal", json={"reason": "Ghi nhầm", "expected_count": 0},
                   headers=as_user("lead_a"))
    assert got.status_code == 409
    got = api.post("/api/v1/funds/A/entries/1/reversal", json={"reason": "Ghi nhầm", "expected_count": 1},
                   headers=as_user("lead_a"))
    assert got.status_code == 201 and got.json()["amount"] == -2_000_000
    assert api.post("/api/v1/funds/A/entries/1/reversal", json={"reason": "Lần nữa"},
                    headers=as_user("lead_a")).status_code == 422


def test_idempotent_creates(api, as_user, api_container):
    h = {**as_user("off_a"), "Idempotency-Key": "thu-16-11"}
    first = income(api, h)
    again = income(api, h)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and count(api_container, FundEntry) == 1
    assert income(api, h, amount="3 triệu").status_code == 422  # the key of another request
    visit = {"village": "A1", "visited_on": "2026-11-20", "households": {"poor": 2}, "officials": ["off_a"],
             "opinions": [{"topic": "dien_nuoc", "content": "Đèn đường hỏng"}]}
    hv = {**as_user("off_a"), "Idempotency-Key": "tham-20-11"}
    one, two = api.post("/api/v1/visits", json=visit, headers=hv), api.post("/api/v1/visits", json=visit, headers=hv)
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert (count(api_container, HomeVisit), count(api_container, Case)) == (1, 1)
    case = api.get(f"/api/v1/cases/{one.json()['cases'][0]}", headers=as_user("off_a")).json()
    assert case["channel"] == "home_visit"


def test_afternoon_is_all_or_nothing(api, as_user, api_container, world):
    from engine.services.meetings import NewMeeting

    meeting = api_container.meetings.record(world["off_a"], NewMeeting(
        programme="nghe-dan-noi", held_on="2026-11-02", unit="A", place="Hội trường", hosts="", attendees=40,
        opinions=())).meeting
    rows = [{"kind": "gift", "households": 2, "value": "600 nghìn", "source": "budget"},
            {"kind": "cleaning", "participations": 40, "length_km": "2,5", "source": "budget"},
            {"kind": "gift", "households": 1, "value": "-1", "source": "budget"}]
    got = api.post(f"/api/v1/support/meetings/{meeting.id}/activities", json={"activities": rows},
                   headers=as_user("off_a"))
    assert got.status_code == 422 and got.json()["errors"][0]["field"] == "3.value"
    assert count(api_container, SupportActivity) == 0
    got = api.post(f"/api/v1/support/meetings/{meeting.id}/activities", json={"activities": rows[:2]},
                   headers=as_user("off_a"))
    assert got.status_code == 201 and [a["held_on"] for a in got.json()["activities"]] == ["2026-11-02"] * 2
    assert api.post(f"/api/v1/support/meetings/{meeting.id}/activities", json={"activities": rows[:1]},
                    headers=as_user("off_b")).status_code == 422  # not their meeting


def test_visit_refusals(api, as_user, api_container):
    base = {"village": "A1", "visited_on": "2026-11-20", "households": {"poor": 2}, "officials": ["off_a"]}
    assert api.post("/api/v1/visits", json=base, headers=as_user("off_b")).status_code == 403
    assert api.post("/api/v1/visits", json={**base, "households": {"poor": -2}}, headers=as_user("off_a")).status_code == 422
    assert api.post("/api/v1/visits", json={**base, "officials": []}, headers=as_user("off_a")).status_code == 422
    assert api.post("/api/v1/visits", json={**base, "opinions": [{"topic": "x", "content": "y"}]},
                    headers=as_user("off_a")).status_code == 422
    assert (count(api_container, HomeVisit), count(api_container, Case)) == (0, 0)
    cov = api.get("/api/v1/visits/coverage", params={"unit": "A", "day": "2026-11-20"}, headers=as_user("lead_a")).json()
    assert [(v["code"], v["short"]) for v in cov["villages"]] == [("A1", True), ("A2", True)]


def test_public_statement_needs_no_token_and_shows_no_names(api, as_user, api_container):
    h = as_user("off_a")
    income(api, h, donor="Nguyễn Văn Hảo", note="Cô Mai đóng góp")
    api.post("/api/v1/support/activities", headers=h, json={
        "kind": "gift", "unit": "A1", "held_on": "2026-11-16", "households": 1, "value": "500 nghìn",
        "beneficiaries": "Trần Thị Mai"})
    st = api_container.fund.statement("A", 2026, 11)
    assert (st.income, st.spending, st.closing) == (2_000_000, 500_000, 1_500_000)
    got = api.get("/public/fund/A/2026/11")  # the public page: no token, no cookie
    assert got.status_code == 200
    assert all(x in got.text for x in ("2.000.000", "500.000", "1.500.000"))
    assert "Hảo" not in got.text and "Mai" not in got.text
    assert api.get("/public/fund/A1/2026/11").status_code == 404
