"""The case list's assignee filter: mine, nobody's, a person's (engine.listing's
``assignee_id`` and ``unassigned``), on the page (saved in the address, carried to
the next page and the export) and in ``GET /api/v1/cases`` (``assignee=me|none|<name>``),
always within the reader's units."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from engine.listing import CaseQuery, count_cases, page_cases
from engine.models import User
from sqlalchemy import select

from .browser.web import browser, web_app, web_container  # noqa: F401


def _lot(world, service):
    """Commune A: one case assigned to off_a, one to lead_a, one to nobody; commune B:
    one assigned to lead_b and one to nobody."""
    mine, leaders, nobodys = (world.new_case(content=f"Ý kiến {i}") for i in range(3))
    service.assign(world["lead_a"], mine.code, "assign", "off_a")
    service.assign(world["lead_a"], leaders.code, "take")
    b_assigned, b_nobody = world.new_case("off_b", "B1"), world.new_case("off_b", "B1")
    service.assign(world["lead_b"], b_assigned.code, "take")
    return {"mine": mine.code, "leaders": leaders.code, "nobody": nobodys.code, "b_assigned": b_assigned.code,
            "b_nobody": b_nobody.code}


def test_the_engine_filters_by_person_and_by_nobody_within_the_scope(world, service, sessions):
    codes = _lot(world, service)
    with sessions() as s:
        ids = {u: s.scalar(select(User.id).where(User.username == u)) for u in ("off_a", "lead_a", "lead_b")}

        def found(who, **kw):
            query = CaseQuery(**kw)
            rows = {r.code for r in page_cases(s, world[who], query, limit=100).items}
            assert count_cases(s, world[who], query, cap=100) == len(rows)
            return rows

        assert found("off_a", unassigned=True) == {codes["nobody"]}
        assert found("off_a", assignee_id=ids["off_a"]) == {codes["mine"]}
        assert found("off_a", assignee_id=ids["lead_a"]) == {codes["leaders"]}
        assert found("off_a", assignee_id=ids["lead_b"]) == set()  # commune B's, out of scope
        assert found("lead_b", unassigned=True) == {codes["b_nobody"]}
        assert found("aud_p", unassigned=True) == {codes["nobody"], codes["b_nobody"]}
        assert found("aud_p", assignee_id=ids["lead_b"]) == {codes["b_assigned"]}


def test_the_page_filters_by_assignee_and_keeps_it_in_the_address(browser, world, service):
    codes = _lot(world, service)
    page = browser("off_a")

    def listed(**params: str) -> set[str]:
        html = page.get("/cases", params=params).text
        return {code for code in codes.values() if code in html}

    html = page.get("/cases").text
    chooser = html.split('id="assignee"')[1].split("</select>")[0]
    assert "Giao cho tôi" in chooser and "Chưa giao cho ai" in chooser
    assert 'value="lead_a"' in chooser and 'value="lead_b"' not in chooser  # people of the reader's units only
    assert listed() == {codes["mine"], codes["leaders"], codes["nobody"]}
    assert listed(assignee="me") == {codes["mine"]}
    assert listed(assignee="none") == {codes["nobody"]}
    assert listed(assignee="lead_a") == {codes["leaders"]}
    assert listed(assignee="lead_b") == set()  # another commune's person: nothing of theirs here
    assert listed(assignee="ai-đó\u202e") == set()  # no such person: nothing, not an error
    for hostile in ("x" * 5000, "<script>", "' OR 1=1 --", "\x00"):
        r = page.get("/cases", params={"assignee": hostile})
        assert r.status_code in (200, 414) and "<script>" not in r.text.split("<main")[1].split('id="assignee"')[0]
    # The choice stays selected, and goes to the export and the next page.
    html = page.get("/cases", params={"assignee": "none"}).text
    assert '<option value="none" selected' in html.split('id="assignee"')[1].split("</select>")[0]
    export = html.split('href="/cases/export.csv')[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(export).query)["assignee"] == ["none"]
    csv_text = page.get("/cases/export.csv" + export).text
    assert codes["nobody"] in csv_text and codes["mine"] not in csv_text and codes["leaders"] not in csv_text
    for n in range(60):
        world.new_case(content=f"Thêm {n}")
    html = page.get("/cases", params={"assignee": "none"}).text
    next_url = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(next_url).query)["assignee"] == ["none"]
    assert codes["mine"] not in page.get(next_url).text


def test_the_api_reads_me_none_and_a_username(world, service, sessions, web_app):
    from fastapi.testclient import TestClient

    from engine.services.tokens import issue_token
    from engine.uow import UnitOfWork

    codes = _lot(world, service)
    with UnitOfWork(sessions) as uow:
        token = issue_token(uow.session, "off_a", label="t", now=service.clock.now())[1]
        uow.commit()
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(web_app) as api:
        def listed(assignee: str) -> set[str]:
            r = api.get("/api/v1/cases", params={"assignee": assignee, "count": "true"}, headers=auth)
            assert r.status_code == 200, r.text
            assert r.json()["count"] == len(r.json()["items"])
            return {c["code"] for c in r.json()["items"]}

        assert listed("me") == {codes["mine"]}
        assert listed("none") == {codes["nobody"]}
        assert listed("lead_a") == {codes["leaders"]}
        assert listed("lead_b") == set() and listed("no-such-person") == set()
        for bad in ("", "x" * 65, "a b", "<x>", "a\u202eb"):
            r = api.get("/api/v1/cases", params={"assignee": bad}, headers=auth)
            assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), bad
