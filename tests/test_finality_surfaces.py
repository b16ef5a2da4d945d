"""Open or closed is one answer, the engine's, per (workflow, state): every surface
(the JSON API, Open311, the pages, the CLI) agrees with the YAML for every state of
every shipped programme, and a state no programme declares counts as open
everywhere (so such a case never drops out of sight)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from engine.models import Case
from engine.workflow import final_states, is_final

from .api_support import api, api_app, api_container, as_user, tokens  # noqa: F401
from .browser.web import browser, web_app, web_container  # noqa: F401

UNKNOWN = "archived"  # e.g. renamed in a later version of a deployment's YAML


@pytest.fixture
def table(world, workflows, sessions, clock) -> dict[str, tuple[str, str, bool]]:
    """One case per (workflow, state), all past their deadline: code -> (workflow,
    state, whether the YAML calls the state final)."""
    out: dict[str, tuple[str, str, bool]] = {}
    pairs = [(key, name, state.final) for key, wf in workflows.items() for name, state in wf.spec.states.items()]
    pairs.append(("nghe-dan-noi", UNKNOWN, False))
    for key, name, final in pairs:
        code = world.new_case(workflow=key, content=f"Ý kiến ở trạng thái {name}").code
        out[code] = (key, name, final)
    with sessions() as s, s.begin():
        for code, (_, name, _) in out.items():
            # Data set up as a past version or a migration left it; not a transition.
            s.execute(update(Case).where(Case.code == code).values(state=name, due_at=clock.now() - timedelta(days=3)))
    assert {final for _, _, final in out.values()} == {True, False}
    return out


def closed_codes(table) -> set[str]:
    return {code for code, (_, _, final) in table.items() if final}


def open_codes(table) -> set[str]:
    return set(table) - closed_codes(table)


def test_the_engine_answers_what_the_yaml_says(table, workflows):
    for code, (key, state, final) in table.items():
        assert is_final(workflows, key, state) is final, (key, state)
        assert workflows[key].is_open(state) is not final
    assert is_final(workflows, "no-such-programme", "resolved") is False
    # The list queries' names are exactly the final ones.
    assert set(final_states(workflows)) == {state for _, state, final in table.values() if final}


def test_the_api_agrees(table, api, as_user):
    me = as_user("lead_a")
    for code, (key, state, final) in table.items():
        body = api.get(f"/api/v1/cases/{code}", headers=me).json()
        assert (body["final"], body["overdue"]) == (final, not final), (key, state)
    listed = {status: {c["code"] for c in api.get("/api/v1/cases", params={"status": status, "limit": 100},
                                                  headers=me).json()["items"]}
              for status in ("open", "closed")}
    assert listed == {"open": open_codes(table), "closed": closed_codes(table)}
    overdue = api.get("/api/v1/cases", params={"overdue": "true", "limit": 100}, headers=me).json()["items"]
    assert {c["code"] for c in overdue} == open_codes(table)


def test_open311_agrees(table, api, tokens):
    key = {"api_key": tokens["lead_a"]}
    for code, (workflow, state, final) in table.items():
        (request,) = api.get(f"/open311/v2/requests/{code}.json", params=key).json()
        assert request["status"] == ("closed" if final else "open"), (workflow, state)
    for status, expected in (("open", open_codes(table)), ("closed", closed_codes(table))):
        listed = api.get("/open311/v2/requests.json", params={**key, "status": status}).json()
        assert {r["service_request_id"] for r in listed} == expected


def test_the_pages_agree(table, browser, web_container):
    # One public lookup per state of every programme, on a frozen clock: more than the
    # per-address limit allows (the limit itself is tested in test_web_track).
    web_container.track_throttle.limit = len(table) + 1
    page = browser("lead_a")
    board, open_list = page.get("/").text, page.get("/cases", params={"state": "open"}).text
    for code, (key, state, final) in table.items():
        assert (code in board, code in open_list) == (not final, not final), (key, state)
        case_page = page.get(f"/cases/{code}")
        assert case_page.status_code == 200, (key, state)
        assert ("Quá hạn" in case_page.text) is not final, (key, state)
    public = browser()
    for code, (key, state, final) in table.items():
        found = public.post("/track", {"code": code}, token_from="/track")
        assert found.status_code == 200, (key, state)
        assert ("Hạn xử lý" in found.text) is not final, (key, state)  # a closed case has no deadline


def test_the_cli_agrees(table, run):
    result = run("cases", "list", "--as", "lead_a", "--limit", "100")
    assert result.exit_code == 0, result.output
    listed = {line.split("\t")[0] for line in result.output.splitlines() if line}
    assert listed == open_codes(table)
