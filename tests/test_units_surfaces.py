"""The reform on the surfaces: the new commune's official sees, lists and acts on a
predecessor's open case in the pages and over the API; a unit of another commune
still gets "not found"; the successor's report page shows the split at 1/7."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.calendar import LOCAL_TZ
from engine.services.tokens import issue_token
from engine.uow import UnitOfWork
from web.app import create_app
from web.pages.data import escalation_units, intake_units

from .browser.web import browser, web_app, web_container  # noqa: F401
from .reform_support import apply_reform, build_reform, local
from .test_web_cases import act


@pytest.fixture
def world(service, clock):  # the reform instead of the usual world, for the web fixtures
    r = build_reform(service, clock)
    apply_reform(r)
    clock.set(local(2025, 7, 3))
    return r


def test_pages_show_list_and_act_on_a_predecessors_case(browser, world, service):
    code = world.codes["a_open"]
    page = browser("off_c")
    assert page.get(f"/cases/{code}").status_code == 200
    assert code in page.get("/cases").text
    response = act(page, code, "answer_on_site", answer="Xã C đã trả lời tại chỗ")
    assert response.status_code == 303, response.text
    assert service.get(world.actor("off_c"), code).state == "answered_on_site"
    other = browser("off_e")  # commune E was re-parented, not merged: A's case is not its
    assert other.get(f"/cases/{code}").status_code == 404


def test_the_api_shows_lists_and_acts_on_a_predecessors_case(container, world):
    with UnitOfWork(container.sessions) as uow:
        tokens = {u: issue_token(uow.session, u, label="t", now=container.clock.now())[1] for u in ("off_c", "off_e")}
        uow.commit()
    code = world.codes["b1_june"]
    with TestClient(create_app(container=container)) as api:
        def h(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[user]}"}
        got = api.get(f"/api/v1/cases/{code}", headers=h("off_c"))
        assert got.status_code == 200 and got.json()["handling_unit"] == "B1"
        assert "answer_on_site" in {a["trigger"] for a in got.json()["allowed_actions"]}
        listed = {c["code"] for c in api.get("/api/v1/cases", headers=h("off_c")).json()["items"]}
        assert code in listed
        done = api.post(f"/api/v1/cases/{code}/actions/answer_on_site", headers=h("off_c"),
                        json={"data": {"answer": "Đã trả lời"}, "expected_version": got.json()["version"]})
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "answered_on_site"
        assert api.get(f"/api/v1/cases/{code}", headers=h("off_e")).status_code == 404


def test_the_successors_report_page_shows_the_split(browser, world, clock):
    clock.set(local(2026, 1, 5))
    page = browser("lead_c")
    html = page.get("/reports", params={"start": "2025-01-01", "end": "2025-12-31", "unit": "C"}).text
    assert "Trước và sau sắp xếp đơn vị" in html and "Tiếp nhận trước ngày 01/07/2025" in html
    assert "Xã B (hợp nhất vào Xã C từ ngày 01/07/2025)" in html
    half = page.get("/reports", params={"start": "2025-01-01", "end": "2025-06-30", "unit": "C"}).text
    assert "Trước và sau sắp xếp đơn vị" not in half


def test_pickers_offer_no_unit_that_is_no_longer_in_force(world, service, clock):
    day = clock.now().astimezone(LOCAL_TZ).date()
    with service.session_factory() as s:
        passable = {u.code for u in escalation_units(s, day)}
        recordable = {u.code for u in intake_units(s, world.actor("lead_p"), day)}
    assert passable == {"P", "C", "E"}  # not D, A, B (ended)
    assert recordable == {"P", "C", "A1", "E", "E1"}  # not B1: its commune ended


def test_the_report_api_and_its_csv_carry_the_split(container, world, clock):
    clock.set(local(2026, 1, 5))
    with UnitOfWork(container.sessions) as uow:
        token = issue_token(uow.session, "lead_c", label="t", now=container.clock.now())[1]
        uow.commit()
    query = {"from": "2025-01-01", "to": "2025-12-31", "unit": "C"}
    with TestClient(create_app(container=container)) as api:
        headers = {"Authorization": f"Bearer {token}"}
        body = api.get("/api/v1/reports/summary", params=query, headers=headers).json()
        assert [(r["key"], r["received"]) for r in body["split"]] == [("..2025-07-01", 6), ("2025-07-01..", 0)]
        csv_text = api.get("/api/v1/reports/summary", params={**query, "format": "csv"}, headers=headers).text
    assert "Trước và sau sắp xếp đơn vị" in csv_text and "Tiếp nhận trước ngày 01/07/2025" in csv_text
