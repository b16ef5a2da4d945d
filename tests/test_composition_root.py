"""The composition root: ``web.container.build_container`` is the one place that
builds a process's settings, database engine, workflows, services and throttles; the
web app, the CLI, the worker and the tests take what it built."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.clock import FrozenClock
from engine.workflow import WorkflowDefinitionError
from web.app import create_app
from web.container import build_container
from web.settings import Settings
from workflows import BUILTIN_DIR

from .api_support import api, api_app, api_container, as_user, bearer, tokens  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
ROOT_MODULE = ROOT / "web" / "container.py"
# What a process is made of: built once, in the container, never by a surface.
BUILT_THERE = frozenset({
    "AccessService", "ApiSettings", "CaseService", "ConsentService", "FileBox", "FilesystemStore", "FundService",
    "LoginThrottle", "S3Store", "MeetingService", "SupportService", "VisitService", "NotifySettings",
    "ProgrammeServices", "RateLimiter",
    "SystemClock", "TrackThrottle", "load_builtin", "load_workflows", "make_engine", "make_session_factory",
})


def constructions(path: Path) -> set[str]:
    """The names of ``BUILT_THERE`` that ``path`` calls."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in BUILT_THERE:
                found.add(name)
    return found


def test_only_the_container_builds_a_process():
    offenders = {
        str(p.relative_to(ROOT)): sorted(constructions(p))
        for layer in ("web", "notifications") for p in (ROOT / layer).rglob("*.py") if p != ROOT_MODULE
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert constructions(ROOT_MODULE) == BUILT_THERE  # the list above is not stale


def test_the_check_itself_sees_a_construction(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from engine.services import cases\nTHROTTLE = LoginThrottle()\ns = cases.CaseService(1, 2, 3)\n")
    assert constructions(bad) == {"LoginThrottle", "CaseService"}


def test_the_app_throttles_with_the_containers_limiter(db_url, clock, world, monkeypatch, tokens):
    monkeypatch.setenv("NGHEDAN_API_BURST", "2")
    monkeypatch.setenv("NGHEDAN_API_RATE_PER_MINUTE", "1")
    c = build_container(Settings(database_url=db_url, environment="test"), clock=clock)
    try:
        assert c.api_settings.burst == 2 and c.cases.clock is clock and c.meetings.cases is c.cases
        app = create_app(container=c)
        assert app.state.container is c
        with TestClient(app) as http:
            statuses = [http.get("/api/v1/me", headers=bearer(tokens["off_a"])).status_code for _ in range(3)]
    finally:
        c.close()
    assert statuses == [200, 200, 429]


def test_the_meetings_api_uses_the_containers_service(api, api_container, as_user, monkeypatch):
    seen = []
    record = api_container.meetings.record

    def spy(*args, **kw):  # type: ignore[no-untyped-def]
        seen.append(args[1].programme)
        return record(*args, **kw)

    monkeypatch.setattr(api_container.meetings, "record", spy)
    body = {"programme": "moi-tuan-mot-diem-den", "held_on": "2026-11-02", "unit": "A",
            "place": "Nhà văn hóa ấp A1", "hosts": "Bí thư", "attendees": 40}
    accepted = api.post("/api/v1/meetings", json=body, headers=as_user("lead_a"))
    assert accepted.status_code == 201, accepted.text
    assert seen == ["moi-tuan-mot-diem-den"]


def test_another_clock_shares_the_database_not_the_services(container, clock):
    other = FrozenClock(clock.now().replace(year=2025))
    past = container.with_clock(other)
    assert (past.engine, past.sessions, past.workflows) == (container.engine, container.sessions, container.workflows)
    assert past.cases.clock is other and past.meetings.cases is past.cases
    assert container.cases.clock is clock and container.clock is clock


def test_a_deployment_file_must_agree_on_which_states_close_a_case(db_url, tmp_path):
    text = (BUILTIN_DIR / "nghe-dan-noi.yaml").read_text(encoding="utf-8")
    # The deployment's copy keeps merged cases open (a way station), which would make
    # the built-in weekly programme's merged cases look closed and its own look open.
    reopened = text.replace("  merged:\n    label: {vi: \"Đã gộp\", en: \"Merged\"}\n    final: true\n",
                            "  merged:\n    label: {vi: \"Đã gộp\", en: \"Merged\"}\n"
                            "    deadline: {working_days: 5}\n")
    assert reopened != text
    reopened += ("  - trigger: unmerge\n    label: {vi: \"Tách ra\", en: \"Unmerge\"}\n    from: [merged]\n"
                 "    to: withdrawn\n    roles: [leader]\n")
    (tmp_path / "nghe-dan-noi.yaml").write_text(reopened, encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as info:
        build_container(Settings(database_url=db_url, workflows_dir=tmp_path))
    [problem] = info.value.problems
    assert problem.file == str(tmp_path / "nghe-dan-noi.yaml") and problem.key == "states.merged.final"
    assert "final in workflow 'moi-tuan-mot-diem-den'" in problem.message
