"""The citizen as an actor: bound to the one case whose PIN they gave, firing only the
workflow's citizen triggers; a rating keeps the case's deadline; staff never get the
citizen's steps as buttons; ``deadline: keep`` is refused where it could move a case."""

from __future__ import annotations

import pytest

from engine.actors import citizen
from engine.errors import OutOfScope, RoleNotAllowed
from engine.workflow import parse_workflow

from .test_workflow_loader import more_transitions, only_problem


def test_a_citizen_reads_and_acts_only_on_their_own_case(world, service):
    mine, other = world.new_case(), world.new_case()
    service.fire(world["off_a"], mine.code, "answer_on_site", {"answer": "Đã sửa"})
    service.fire(world["off_a"], other.code, "answer_on_site", {"answer": "Đã sửa"})
    me = citizen(mine.code)
    assert service.get(me, mine.code).citizen.withheld  # not even their own identity
    with pytest.raises(OutOfScope):
        service.get(me, other.code)
    with pytest.raises(OutOfScope):
        service.fire(me, other.code, "citizen_rate", {"satisfaction": "satisfied"})
    with pytest.raises(OutOfScope):
        service.remark(me, mine.code, "xin chào")
    with pytest.raises(RoleNotAllowed):
        service.fire(me, mine.code, "verify", {"satisfaction": "satisfied", "note": "tự kiểm tra"})
    with pytest.raises(RoleNotAllowed):  # and no official rates in the citizen's place
        service.fire(world["lead_a"], mine.code, "citizen_rate", {"satisfaction": "satisfied"})
    before = service.get(world["off_a"], mine.code)
    after = service.fire(me, mine.code, "citizen_rate", {"satisfaction": "not_satisfied", "note": "Chưa sửa hết"})
    assert (after.state, after.due_at, after.stage_started_at) == (before.state, before.due_at,
                                                                    before.stage_started_at)
    assert after.event_count == before.event_count + 1


def test_staff_get_no_button_for_the_citizens_steps(world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Đã sửa"})
    staff = [o.trigger for o in service.allowed_actions(world["lead_a"], case.code)]
    assert "verify" in staff and not [t for t in staff if t.startswith("citizen_")]
    mine = [o.trigger for o in service.allowed_actions(citizen(case.code), case.code) if o.allowed]
    assert mine == ["citizen_rate", "citizen_recheck"]


def test_deadline_keep_is_only_for_a_step_that_stays_in_its_state() -> None:
    def rate(to: str) -> str:
        return more_transitions(f"""\
            - trigger: rate
              label: {{vi: "Đánh giá", en: "Rate"}}
              from: [open]
              to: {to}
              roles: [citizen]
              deadline: keep
            """)

    problem = only_problem(rate("done"))
    assert problem.key == "transitions[1].deadline" and "keep" in problem.message
    assert parse_workflow(rate("open"), "t.yaml").spec.transitions[1].deadline == "keep"
