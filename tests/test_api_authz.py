"""The authorization model enumerated: every role × every trigger of every workflow
× where the actor's grant lies (the case's commune, only its origin while another
unit handles it, another commune), through ``engine.authz.decide`` and through
the API, which must agree with it. A few rows are also pinned by hand, so that a
change to ``decide`` itself shows up here."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.actors import SYSTEM
from engine.authz import CREATE, READ, REMARK, decide
from engine.errors import OutOfScope, RoleNotAllowed
from engine.models import RoleGrant, Unit, User
from engine.services import directory
from engine.services.cases import NewCase
from engine.services.tokens import issue_token
from engine.uow import UnitOfWork
from engine.workflow import Workflow
from web.api.ratelimit import RateLimiter

from .api_support import *  # noqa: F403  (fixtures)
from .api_support import bearer

ROLES = ("official", "leader", "auditor", "admin")
# Where the actor's single grant is, and which unit handles the case.
PLACES = {
    "commune": ("A", "A1"),      # grant on the case's commune; raised and handled in A1
    "origin_only": ("A", "P-SO"),  # grant on the commune; the province's department handles it
    "other_commune": ("B", "A1"),
}
# Where an escalation sends the case (first choice, or second when it is already there).
TARGET = {"commune": ("A-KT", "A2"), "origin_only": ("P-SO", "P"), "other_commune": ("A-KT", "A2")}


def _path_to(wf: Workflow, state: str, kind: str = "kien_nghi") -> list[str]:
    """Triggers leading from the initial state to ``state`` (breadth first) for a case
    of ``kind`` (a transition may apply to some kinds only)."""
    queue: deque[tuple[str, list[str]]] = deque([(wf.initial, [])])
    seen = {wf.initial}
    while queue:
        at, path = queue.popleft()
        if at == state:
            return path
        for t in wf.transitions_from(at):
            if t.applies_to(kind) and t.dest not in seen:
                seen.add(t.dest)
                queue.append((t.dest, path + [t.trigger]))
    raise AssertionError(f"{state} unreachable")


def _kind_for(wf: Workflow, t: Any) -> str:
    """A kind ``t`` applies to whose cases can reach ``t``'s first source state."""
    for kind in ("kien_nghi", "phan_anh", "khieu_nai", "to_cao"):
        if t.applies_to(kind):
            try:
                _path_to(wf, t.source[0], kind)
            except AssertionError:
                continue
            return kind
    raise AssertionError(f"{t.trigger} applies to no kind that reaches {t.source[0]}")


def _data(t: Any, place: str, handling: str, other_code: str, now: Any) -> dict[str, Any]:
    values = {"answer": "Trả lời", "reason": "Lý do", "note": "Ghi chú", "satisfaction": "satisfied",
              "appointment": (now + timedelta(days=3)).isoformat(), "duplicate_of": other_code,
              "target_unit": TARGET[place][0] if TARGET[place][0] != handling else TARGET[place][1]}
    return {f: values[f] for f in t.requires}


@pytest.fixture
def role_tokens(api_container, world) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    out = {}
    now = api_container.clock.now()
    with UnitOfWork(api_container.sessions) as uow:
        s = uow.session
        for role in ROLES:
            for grant_unit in ("A", "B"):
                user = User(username=f"{role}_{grant_unit}", password_hash="!", created_at=now)
                s.add(user)
                s.flush()
                s.add(RoleGrant(user_id=user.id, role=role, unit_id=directory.unit_by_code(s, grant_unit).id))
                out[(role, grant_unit)] = issue_token(s, user.username, now=now)[1]
        uow.commit()
    return out


def _actor(api_container, username):  # type: ignore[no-untyped-def]
    with api_container.sessions() as s:
        return directory.actor_for(s, username)


def _paths(api_container, *codes: str) -> list[str]:  # type: ignore[no-untyped-def]
    with api_container.sessions() as s:
        return [s.scalar(select(Unit.path).where(Unit.code == c)) for c in codes]


def _status_of(refusal: object) -> int:
    if refusal is None:
        return 200
    return {RoleNotAllowed: 403, OutOfScope: 404}[type(refusal)]


def test_every_role_every_trigger_in_and_out_of_scope(api, api_container, role_tokens):
    # Hundreds of requests per token on the frozen test clock: the limit (counted on
    # that clock since it moved into the database) is not what this test is about.
    api_container.api_limiter = RateLimiter(rate_per_minute=10**9, burst=10**9)
    service, now = api_container.cases, api_container.clock.now()
    table: dict[tuple[str, str, str, str], int] = {}
    for key, wf in sorted(api_container.workflows.items()):
        for t in wf.spec.transitions:
            if t.roles == ("citizen",):
                # The citizen's steps (PIN, not a token): every staff role is refused them,
                # tests/test_citizen_actor.py; here they would only spend the token's rate.
                continue
            state, kind = t.source[0], _kind_for(wf, t)
            for place, (grant_unit, handling) in PLACES.items():
                for role in ROLES:
                    other = service.create(SYSTEM, NewCase(workflow=key, unit="A1", topic="khac", kind="kien_nghi",
                                                           content="gốc", channel="home_visit"))
                    snap = service.create(SYSTEM, NewCase(workflow=key, unit="A1", topic="khac", kind=kind,
                                                          content="x", channel="home_visit", handling_unit=handling))
                    for step in _path_to(wf, state, kind):
                        st = wf.transition(step, snap.state)
                        snap = service.fire(SYSTEM, snap.code, step,
                                            _data(st, place, snap.handling_unit, other.code, now))
                    actor = _actor(api_container, f"{role}_{grant_unit}")
                    origin_path, handling_path = _paths(api_container, snap.origin_unit, snap.handling_unit)
                    expected = decide(actor, t.trigger, origin_path=origin_path, handling_path=handling_path,
                                      transition=t, case_code=snap.code)
                    r = api.post(f"/api/v1/cases/{snap.code}/actions/{t.trigger}",
                                 json={"data": _data(t, place, snap.handling_unit, other.code, now)},
                                 headers=bearer(role_tokens[(role, grant_unit)]))
                    # Role and scope are refused first; whoever passes them still needs the
                    # assignee a transition may ask for (requires_assignee): 422, nothing written.
                    wanted = 422 if expected is None and t.requires_assignee else _status_of(expected)
                    assert r.status_code == wanted, (key, t.trigger, place, role, r.text)
                    table[(key, t.trigger, place, role)] = r.status_code
                    # Reading and remarking follow the same function.
                    seen = api.get(f"/api/v1/cases/{snap.code}", headers=bearer(role_tokens[(role, grant_unit)]))
                    read = decide(actor, READ, origin_path=origin_path, handling_path=handling_path)
                    assert seen.status_code == _status_of(read)
                    assert decide(actor, REMARK, origin_path=origin_path, handling_path=handling_path) == read \
                        or type(read) is type(decide(actor, REMARK, origin_path=origin_path,
                                                     handling_path=handling_path))

    ndn = "nghe-dan-noi"
    # Pinned by hand: the shape of the model, whatever decide() becomes.
    for trigger in ("answer_on_site", "escalate", "answer", "verify", "reopen", "resolve", "merge", "withdraw"):
        for role in ROLES:
            assert table[(ndn, trigger, "other_commune", role)] == 404, (trigger, role)
        assert table[(ndn, trigger, "commune", "auditor")] == 403, trigger
        assert table[(ndn, trigger, "commune", "admin")] == 403, trigger
        assert table[(ndn, trigger, "commune", "leader")] == 200, trigger
    assert table[(ndn, "answer_on_site", "commune", "official")] == 200
    assert table[(ndn, "verify", "commune", "official")] == 403
    assert table[(ndn, "merge", "commune", "official")] == 403
    assert table[(ndn, "reopen", "commune", "official")] == 403
    # "answer" belongs to the unit holding the case: the commune that raised it
    # may not answer for the province's department, but it may still escalate,
    # verify or withdraw (scope: case).
    assert table[(ndn, "answer", "origin_only", "official")] == 403
    assert table[(ndn, "answer", "origin_only", "leader")] == 403
    assert table[(ndn, "escalate", "origin_only", "official")] == 200
    assert table[(ndn, "verify", "origin_only", "leader")] == 200
    roles_x_triggers = {(k[0], k[1]) for k in table}
    assert len(table) == len(roles_x_triggers) * len(PLACES) * len(ROLES)


def test_create_follows_the_same_function(api, api_container, role_tokens):
    (a1_path,) = _paths(api_container, "A1")
    for role in ROLES:
        for grant_unit in ("A", "B"):
            actor = _actor(api_container, f"{role}_{grant_unit}")
            expected = decide(actor, CREATE, origin_path=a1_path, handling_path=a1_path)
            r = api.post("/api/v1/cases", json={"unit": "A1", "topic": "khac", "content": "x"},
                         headers=bearer(role_tokens[(role, grant_unit)]))
            want = 201 if expected is None else 403
            assert r.status_code == want, (role, grant_unit, r.text)
            assert (r.status_code == 201) == (role in ("official", "leader") and grant_unit == "A")
