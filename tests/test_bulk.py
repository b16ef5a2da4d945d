"""Bulk work (engine.services.bulk, the page and the API): each case its own event and
transaction, one refused case changes nothing of itself nor of the others, and a
retried submission does not act twice."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.models import Case, CaseEvent
from engine.services.bulk import MAX_SELECTION, Selected, bulk_fire

from .browser.web import browser, csrf_of, web_app, web_container  # noqa: F401

ESCALATE = {"target_unit": "P-SO", "reason": "Vượt thẩm quyền của xã"}


def _events(sessions, code):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).join(Case).where(Case.code == code))


def _state(sessions, code):
    with sessions() as s:
        return s.scalar(select(Case.state).where(Case.code == code))


def test_all_or_nothing_per_case_with_one_refused(world, service, sessions):
    cases = [world.new_case(content=f"Ý kiến {i}") for i in range(4)]
    done_already = cases[1]
    service.fire(world["off_a"], done_already.code, "withdraw", {"reason": "rút"})  # now final: refused
    stale = cases[2]
    before = {c.code: _events(sessions, c.code) for c in cases}
    items = [Selected(c.code, c.version) for c in cases]
    items[1] = Selected(done_already.code)  # no version: the state alone refuses it
    items[2] = Selected(stale.code, stale.version + 5)  # a version the reader never saw
    result = bulk_fire(service, world["off_a"], items, "escalate", ESCALATE, key="k-1")
    assert [o.done for o in result.outcomes] == [True, False, False, True]
    assert result.outcomes[1].refusal.code == "invalid-transition"
    assert result.outcomes[2].refusal.code == "stale-version"
    for i, c in enumerate(cases):
        grew = _events(sessions, c.code) - before[c.code]
        assert grew == (1 if i in (0, 3) else 0), c.code  # one event each, none for the refused
    assert [_state(sessions, c.code) for c in cases] == ["escalated", "withdrawn", "received", "escalated"]


def test_a_retried_submission_does_not_act_twice(world, service, sessions):
    cases = [world.new_case(content=f"Ý kiến {i}") for i in range(3)]
    items = [Selected(c.code, c.version) for c in cases]
    first = bulk_fire(service, world["off_a"], items, "escalate", ESCALATE, key="same-form")
    counts = {c.code: _events(sessions, c.code) for c in cases}
    again = bulk_fire(service, world["off_a"], items, "escalate", ESCALATE, key="same-form")
    assert [o.done for o in first.outcomes] == [True] * 3 and not any(o.replayed for o in first.outcomes)
    assert [o.replayed for o in again.outcomes] == [True] * 3
    assert {c.code: _events(sessions, c.code) for c in cases} == counts
    # A new submission (another key) is a new request: escalated again, one more event each.
    third = bulk_fire(service, world["off_a"], items[:1], "escalate", ESCALATE, key="other-form")
    assert third.outcomes[0].refusal.code == "stale-version"  # the version the list showed has moved


def test_another_communes_case_and_a_wrong_role_are_refused_not_acted_on(world, service, sessions):
    mine, theirs = world.new_case(), world.new_case("off_b", "B1")
    merge_target = world.new_case(content="Ý kiến gốc")
    # An official may not merge (the workflow gives it to leaders): refused, nothing written.
    r = bulk_fire(service, world["off_a"], [Selected(mine.code)], "merge", {"duplicate_of": merge_target.code},
                  key="m-1")
    assert r.outcomes[0].refusal.code == "role-not-allowed" and _state(sessions, mine.code) == "received"
    r = bulk_fire(service, world["lead_a"], [Selected(mine.code), Selected(theirs.code), Selected("P-2026-NOPE")],
                  "merge", {"duplicate_of": merge_target.code}, key="m-2")
    assert [o.done for o in r.outcomes] == [True, False, False]
    assert {o.refusal.code for o in r.refused} <= {"out-of-scope", "not-found"}
    assert _state(sessions, mine.code) == "merged" and _state(sessions, theirs.code) == "received"


def test_bad_selections_are_refused_whole(world, service):
    import pytest

    from engine.errors import DomainError

    case = world.new_case()
    for items, key in (([], "k"), ([Selected(case.code)] * (MAX_SELECTION + 1), "k"), ([Selected(case.code)], ""),
                       ([Selected(case.code)], "có dấu cách")):
        with pytest.raises(DomainError):
            bulk_fire(service, world["off_a"], items, "escalate", ESCALATE, key=key)
    # The same case twice in one selection is acted on once.
    r = bulk_fire(service, world["off_a"], [Selected(case.code), Selected(case.code.lower())], "escalate", ESCALATE,
                  key="dupe")
    assert len(r.outcomes) == 1 and r.outcomes[0].done


def test_the_page_shows_what_was_done_and_why_the_rest_was_refused(browser, world, service, sessions):
    cases = [world.new_case(content=f"Ý kiến {i}") for i in range(3)]
    service.fire(world["off_a"], cases[0].code, "withdraw", {"reason": "rút"})
    page = browser("off_a")
    html = page.get("/cases").text
    nonce = html.split('name="nonce" value="')[1].split('"')[0]
    form = [("nonce", nonce), ("action", "escalate"), ("target_unit", "P-SO"), ("reason", "Vượt thẩm quyền"),
            ("back", "/cases?state=open")] + [
        ("codes", f"{c.code}:{service.get(world['off_a'], c.code).version}") for c in cases]
    r = page.post("/cases/bulk", form, csrf=csrf_of(html))
    assert r.status_code == 200
    assert "Đã thực hiện “Chuyển xử lý” cho 2 ý kiến; 1 ý kiến không thực hiện được." in r.text
    assert "đang ở trạng thái “Đã rút”" in r.text and "withdrawn" not in r.text
    again = page.post("/cases/bulk", form, csrf=csrf_of(html))  # a double submit
    assert "Đã thực hiện ở lần gửi trước" in again.text
    assert [_events(sessions, c.code) for c in cases] == [2, 2, 2]
    assert 'href="/cases?state=open"' in r.text


def test_the_api_bulk_route(world, service, sessions, web_app):
    from fastapi.testclient import TestClient

    from engine.services.tokens import issue_token
    from engine.uow import UnitOfWork

    cases = [world.new_case(content=f"Ý kiến {i}") for i in range(2)]
    with UnitOfWork(sessions) as uow:
        token = issue_token(uow.session, "off_a", label="t", now=service.clock.now())[1]
        uow.commit()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "api-1"}
    body = {"cases": [{"code": c.code} for c in cases] + [{"code": "P-2026-XXXXXXX"}],
            "data": {"target_unit": "P-SO", "reason": "Thẩm quyền"}}
    with TestClient(web_app) as api:
        r = api.post("/api/v1/cases/bulk/escalate", json=body, headers=headers)
        assert r.status_code == 200, r.text
        out = r.json()
        assert (out["done"], out["refused"]) == (2, 1) and out["cases"][2]["problem"] == "not-found"
        again = api.post("/api/v1/cases/bulk/escalate", json=body, headers=headers).json()
        assert [c["replayed"] for c in again["cases"][:2]] == [True, True]
        assert api.post("/api/v1/cases/bulk/escalate", json=body,
                        headers={"Authorization": headers["Authorization"]}).status_code == 422
        assert api.post("/api/v1/cases/bulk/escalate", json={"cases": []}, headers=headers).status_code == 422
        wrong = api.post("/api/v1/cases/bulk/escalate", json={**body, "extra": 1}, headers=headers)
        assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")
    assert [_events(sessions, c.code) for c in cases] == [2, 2]
