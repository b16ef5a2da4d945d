"""Bulk assignment (engine.services.bulk.bulk_assign, the bulk form of /cases and
``POST /api/v1/cases/bulk/assign``): each case asks the assignment engine on its own,
in its own transaction; one refused (a person of another unit for it, a closed case,
another commune's case, a wrong role) changes nothing of itself nor of the others,
and a retried submission does not assign twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.errors import DomainError
from engine.models import Case, CaseEvent, OutboxMessage
from engine.services.bulk import Selected, bulk_assign

from .browser.web import browser, csrf_of, web_app, web_container  # noqa: F401


def _events(sessions, code):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).join(Case).where(Case.code == code))


def _assignee(sessions, code):
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.code == code))
        return case.assignee.username if case.assignee_id else None


def _selection(world, service):
    """A case of village A1 and one of A's department A-KT (where off_kt works), a
    closed one, and one of commune B."""
    village = world.new_case(content="Ý kiến thôn")
    department = world.new_case(handling_unit="A-KT", content="Ý kiến phòng kinh tế")
    closed = world.new_case(content="Ý kiến đã rút")
    service.fire(world["off_a"], closed.code, "withdraw", {"reason": "rút"})
    theirs = world.new_case("off_b", "B1", content="Ý kiến xã B")
    return village, department, closed, theirs


def test_one_refused_among_several_changes_nothing_of_itself_nor_the_others(world, service, sessions):
    village, department, closed, theirs = _selection(world, service)
    cases = [village, department, closed, theirs]
    before = {c.code: _events(sessions, c.code) for c in cases}
    r = bulk_assign(service, world["lead_a"], [Selected(c.code) for c in cases], "off_kt", key="a-1")
    assert r.trigger == "assign" and [o.done for o in r.outcomes] == [False, True, False, False]
    assert r.outcomes[0].refusal.code == "assignment-refused"  # off_kt does not work in commune A itself
    assert "đơn vị xử lý" in r.outcomes[0].refusal.message("vi")
    assert r.outcomes[2].refusal.code == "assignment-refused" and "khép lại" in r.outcomes[2].refusal.message("vi")
    assert r.outcomes[3].refusal.code in ("out-of-scope", "not-found")
    assert [_assignee(sessions, c.code) for c in cases] == [None, "off_kt", None, None]
    assert {c.code: _events(sessions, c.code) - before[c.code] for c in cases} == {
        village.code: 0, department.code: 1, closed.code: 0, theirs.code: 0}
    with sessions() as s:  # the assignee is told once, of the one case
        told = s.scalars(select(OutboxMessage.kind).join(Case).where(Case.code.in_([c.code for c in cases]),
                                                                      OutboxMessage.kind == "case.assigned")).all()
    assert told == ["case.assigned"]
    # Then the other way round: off_a works in commune A (the village's), not in its department.
    r = bulk_assign(service, world["lead_a"], [Selected(village.code), Selected(department.code)], "off_a", key="a-2")
    assert [o.done for o in r.outcomes] == [True, False]
    assert [_assignee(sessions, c.code) for c in (village, department)] == ["off_a", "off_kt"]


def test_a_retried_submission_does_not_assign_twice_and_a_stale_version_is_refused(world, service, sessions):
    cases = [world.new_case(content=f"Ý kiến {i}") for i in range(3)]
    items = [Selected(c.code, c.version) for c in cases]
    items[2] = Selected(cases[2].code, cases[2].version + 3)  # a version the reader never saw
    first = bulk_assign(service, world["lead_a"], items, "off_a", key="same-form")
    counts = {c.code: _events(sessions, c.code) for c in cases}
    again = bulk_assign(service, world["lead_a"], items, "off_a", key="same-form")
    assert [o.done for o in first.outcomes] == [True, True, False] and first.outcomes[2].refusal.code == "stale-version"
    assert [o.replayed for o in again.outcomes[:2]] == [True, True]
    assert {c.code: _events(sessions, c.code) for c in cases} == counts
    assert _assignee(sessions, cases[2].code) is None


def test_a_wrong_role_and_bad_input_change_nothing(world, service, sessions):
    case = world.new_case()
    for who in ("off_a", "aud_p"):  # an official may only take a case for themselves; the Front watches
        r = bulk_assign(service, world[who], [Selected(case.code)], "off_a", key=f"r-{who}")
        assert not r.outcomes[0].done, who
    assert _assignee(sessions, case.code) is None
    for name in ("", "   ", None, 42, "x" * 5000, "off_a\x00"):
        with pytest.raises(DomainError):
            bulk_assign(service, world["lead_a"], [Selected(case.code)], name, key="bad")
    for name in ("nobody-here", "off_a\u202e", "<script>", "=1+1"):
        r = bulk_assign(service, world["lead_a"], [Selected(case.code)], name, key=f"n-{len(name)}-{name[:3]}")
        assert not r.outcomes[0].done, name
    assert _assignee(sessions, case.code) is None and _events(sessions, case.code) == 1


def _bulk_form(page, cases, service, world, who, assignee):
    html = page.get("/cases").text
    nonce = html.split('name="nonce" value="')[1].split('"')[0]
    return html, [("nonce", nonce), ("action", "assign"), ("assignee", assignee), ("back", "/cases?assignee=none")] + [
        ("codes", f"{c.code}:{service.get(world[who], c.code).version}") for c in cases]


def test_the_page_assigns_a_selection_and_says_why_the_rest_was_refused(browser, world, service, sessions):
    village, department, closed, theirs = _selection(world, service)
    cases = [village, department, closed]
    page = browser("lead_a")
    html, form = _bulk_form(page, cases, service, world, "lead_a", "off_kt")
    form.append(("codes", f"{theirs.code}:{theirs.version}"))  # another commune's, as a forged form would
    assert 'id="bulk-assignee"' in html and '<option value="off_kt"' in html.split('id="bulk-assignee"')[1]
    r = page.post("/cases/bulk", form, csrf=csrf_of(html))
    assert r.status_code == 200
    assert "Đã thực hiện “Giao xử lý cho một người” cho 1 ý kiến; 3 ý kiến không thực hiện được." in r.text
    assert "người được giao phải là cán bộ, lãnh đạo đang làm việc tại đơn vị xử lý" in r.text
    assert "ý kiến đã khép lại" in r.text and "assignment-refused" not in r.text
    assert "không tìm thấy trong các đơn vị của bạn" in r.text and _assignee(sessions, theirs.code) is None
    again = page.post("/cases/bulk", form, csrf=csrf_of(html))  # a double submit
    assert "Đã thực hiện ở lần gửi trước" in again.text
    assert [_assignee(sessions, c.code) for c in cases] == [None, "off_kt", None]
    assert [_events(sessions, c.code) for c in cases] == [1, 2, 2]
    assert 'href="/cases?assignee=none"' in r.text
    # An official's bulk assignment is refused case by case, in words.
    official = browser("off_a")
    html, form = _bulk_form(official, [village], service, world, "off_a", "off_a")
    r = official.post("/cases/bulk", form, csrf=csrf_of(html))
    assert "chỉ lãnh đạo của đơn vị đang xử lý mới giao xử lý" in r.text and _assignee(sessions, village.code) is None
    # No person chosen: refused whole, in words.
    html, form = _bulk_form(page, [village], service, world, "lead_a", "")
    r = page.post("/cases/bulk", form, csrf=csrf_of(html))
    assert r.status_code == 400 and "Hãy chọn người được giao xử lý." in r.text and "“assignee”" not in r.text
    html, form = _bulk_form(page, [village], service, world, "lead_a", "x" * 5000)
    r = page.post("/cases/bulk", form, csrf=csrf_of(html))
    assert r.status_code == 400 and "Hãy chọn người được giao xử lý." in r.text and "“assignee”" not in r.text
    assert _assignee(sessions, village.code) is None


def test_the_api_bulk_assign_route(world, service, sessions, web_app):
    from fastapi.testclient import TestClient

    from engine.services.tokens import issue_token
    from engine.uow import UnitOfWork

    village, department, closed, theirs = _selection(world, service)
    with UnitOfWork(sessions) as uow:
        token = issue_token(uow.session, "lead_a", label="t", now=service.clock.now())[1]
        official = issue_token(uow.session, "off_a", label="t", now=service.clock.now())[1]
        uow.commit()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "api-assign-1"}
    body = {"cases": [{"code": c.code} for c in (village, department, closed, theirs)], "assignee": "off_kt"}
    with TestClient(web_app) as api:
        r = api.post("/api/v1/cases/bulk/assign", json=body, headers=headers)
        assert r.status_code == 200, r.text
        out = r.json()
        assert (out["trigger"], out["done"], out["refused"]) == ("assign", 1, 3)
        assert [c["done"] for c in out["cases"]] == [False, True, False, False]
        assert out["cases"][3]["problem"] == "not-found"  # another commune's case is not named
        again = api.post("/api/v1/cases/bulk/assign", json=body, headers=headers).json()
        assert again["cases"][1]["replayed"] is True and _events(sessions, department.code) == 2
        no_key = {"Authorization": headers["Authorization"]}
        assert api.post("/api/v1/cases/bulk/assign", json=body, headers=no_key).status_code == 422
        for bad in ({**body, "assignee": ""}, {**body, "assignee": 5}, {"cases": body["cases"]},
                    {**body, "assignee": "x" * 65}, {**body, "extra": 1}):
            assert api.post("/api/v1/cases/bulk/assign", json=bad,
                            headers={**headers, "Idempotency-Key": "api-bad"}).status_code == 422, bad
        r = api.post("/api/v1/cases/bulk/assign", json={**body, "cases": [{"code": village.code}], "assignee": "off_a"},
                     headers={"Authorization": f"Bearer {official}", "Idempotency-Key": "api-off"})
        assert r.status_code == 200 and r.json()["cases"][0]["problem"] == "role-not-allowed"
    assert _assignee(sessions, village.code) is None and _assignee(sessions, department.code) == "off_kt"
