"""The officials' case work in the engine: assignment to a person (who may assign
whom, the chain, the notice, a move to another unit), a workflow step that needs an
assignee, the extension room a form shows, and lateness that stays visible (the
"late below" list and the report of the level where it was late)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.actors import SYSTEM
from engine.assignment import AssigneeRequired, AssignmentNotAllowed, AssignmentRefused, eligible_people
from engine.audit import verify_case
from engine.deadline_rules import sweep
from engine.deadline_rules.extensions import room
from engine.errors import InvalidField, OutOfScope, StaleVersion
from engine.listing import CaseQuery, page_cases
from engine.models import Case, CaseEvent, InboxItem, User
from engine.reports import Period, ReportRequest, build_report
from engine.services import directory
from engine.workflow import final_states
from notifications.fanout import fan_out

from .conftest import HCM
from .reform_support import apply_reform, build_reform, local as reform_local


def add_person(service, username: str, role: str, unit: str, full_name: str = "", active: bool = True) -> None:
    with service.uow() as uow:
        user = directory.add_user(uow.session, username, "mật-khẩu-thử", now=service.clock.now(), full_name=full_name)
        directory.grant_role(uow.session, user, role, unit)
        user.is_active = active
        uow.commit()


def actor(service, username: str):
    with service.uow(write=False) as uow:
        return directory.actor_for(uow.session, username)


def row(service, code: str) -> tuple[int, int, int | None]:
    with service.uow(write=False) as uow:
        case = uow.session.scalar(select(Case).where(Case.code == code))
        return case.version, case.event_count, case.assignee_id


def events(service, code: str) -> list[Any]:
    with service.uow(write=False) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.code == code))
        return list(uow.session.execute(select(CaseEvent.trigger, CaseEvent.from_state, CaseEvent.to_state,
                                               CaseEvent.data).where(CaseEvent.case_id == case_id)
                                        .order_by(CaseEvent.seq)))


def chain_ok(service, code: str) -> bool:
    with service.uow(write=False) as uow:
        return verify_case(uow.session, uow.session.scalar(select(Case).where(Case.code == code))) is None


# ------------------------------------------------------------------ assignment


def test_a_leader_assigns_reassigns_and_releases_each_step_in_the_chain(world, service, sessions, clock):
    add_person(service, "off_a2", "official", "A", full_name="Trần Thị Hai")
    case = world.new_case()  # handled by village A1: the commune's people work it
    snap = service.assign(world["lead_a"], case.code, "assign", "off_a", expected_version=case.version)
    assert (snap.assignee, snap.version, snap.event_count) == ("off_a", case.version + 1, case.event_count + 1)
    snap = service.assign(world["lead_a"], case.code, "assign", "off_a2")
    assert (snap.assignee, snap.assignee_name) == ("off_a2", "Trần Thị Hai")
    snap = service.assign(world["lead_a"], case.code, "release")
    assert snap.assignee is None
    steps = [(e.trigger, e.from_state, e.to_state, e.data["how"], e.data["assignee"], e.data["previous"])
             for e in events(service, case.code)[1:]]
    assert steps == [("assign", "received", "received", "assign", "off_a", None),
                     ("assign", "received", "received", "assign", "off_a2", "off_a"),
                     ("assign", "received", "received", "release", None, "off_a2")]
    assert chain_ok(service, case.code)
    # Each assignee is told (the previous one that it was taken away); the generic
    # event row of the step reaches nobody else.
    with sessions() as s:
        fan_out(s, clock.now())
        s.commit()
        got = s.execute(select(User.username, InboxItem.kind).join(User, User.id == InboxItem.user_id)
                        .where(InboxItem.kind.in_(("case.assigned", "case.unassigned", "case.transitioned")),
                               InboxItem.case_code == case.code).order_by(InboxItem.id)).all()
    assert [tuple(r) for r in got] == [("off_a", "case.assigned"), ("off_a2", "case.assigned"),
                                       ("off_a", "case.unassigned"), ("off_a2", "case.unassigned")]


def test_an_official_takes_a_case_and_releases_it_but_does_not_take_anothers(world, service):
    add_person(service, "off_a2", "official", "A")
    case = world.new_case()
    snap = service.assign(world["off_a"], case.code, "take")
    assert snap.assignee == "off_a"
    with pytest.raises(AssignmentRefused):  # already someone's: only a leader reassigns
        service.assign(actor(service, "off_a2"), case.code, "take")
    with pytest.raises(AssignmentNotAllowed):
        service.assign(actor(service, "off_a2"), case.code, "release")
    assert service.assign(world["off_a"], case.code, "release").assignee is None
    assert service.assign(actor(service, "off_a2"), case.code, "take").assignee == "off_a2"
    assert chain_ok(service, case.code)


@pytest.mark.parametrize(
    ("who", "action", "target", "error"),
    [
        ("off_a", "assign", "off_a", AssignmentNotAllowed),  # officials take; they do not assign
        ("aud_p", "take", None, AssignmentNotAllowed),  # the Front watches
        ("admin", "assign", "off_a", AssignmentNotAllowed),
        ("lead_b", "assign", "off_b", OutOfScope),  # another commune's case
        ("lead_a", "assign", "off_b", AssignmentRefused),  # a person of another commune
        ("lead_a", "assign", "off_kt", AssignmentRefused),  # a department's official works there, not here
        ("lead_a", "assign", "off_so", AssignmentRefused),  # the province is not the commune
        ("lead_a", "assign", "aud_p", AssignmentRefused),  # not an official or leader
        ("lead_a", "assign", "gone", AssignmentRefused),  # deactivated
        ("lead_a", "assign", "nobody", AssignmentRefused),  # no such user
        ("lead_a", "assign", "", InvalidField),
        ("lead_a", "assign", "x" * 5000, InvalidField),
        ("lead_a", "assign", "off\u202ea", AssignmentRefused),
        ("lead_a", "assign", 7, InvalidField),
        ("lead_a", "delegate", "off_a", InvalidField),
        ("lead_a", "release", None, AssignmentRefused),  # nobody to release
        ("off_kt", "take", None, OutOfScope),
    ],
)
def test_hostile_assignments_change_nothing(world, service, who, action, target, error):
    add_person(service, "gone", "official", "A", active=False)
    case = world.new_case()
    before = row(service, case.code)
    with pytest.raises(error) as info:
        service.assign(world[who], case.code, action, target)
    assert info.value.message("vi") and info.value.message("en")
    assert row(service, case.code) == before


def test_a_stale_version_and_a_closed_case_are_refused(world, service):
    case = world.new_case()
    with pytest.raises(StaleVersion):
        service.assign(world["lead_a"], case.code, "assign", "off_a", expected_version=case.version + 1)
    service.fire(world["off_a"], case.code, "withdraw", {"reason": "Người dân rút"})
    with pytest.raises(AssignmentRefused):
        service.assign(world["lead_a"], case.code, "assign", "off_a")


def test_who_may_be_assigned_follows_the_handling_unit(world, service):
    case = world.new_case()
    with service.uow(write=False) as uow:
        c = uow.session.scalar(select(Case).where(Case.code == case.code))
        assert [p.username for p in eligible_people(uow.session, c.handling_unit, date(2026, 12, 1))] == \
            ["lead_a", "off_a"]
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "Thuộc phòng Kinh tế"})
    snap = service.assign(world["lead_kt"], case.code, "assign", "off_kt")
    assert snap.assignee == "off_kt"
    with pytest.raises(AssignmentRefused):  # the commune's official does not work in its department
        service.assign(world["lead_a"], case.code, "assign", "off_a")
    with pytest.raises(AssignmentRefused):  # nor take it there
        service.assign(world["off_a"], case.code, "take")


def test_a_move_to_another_unit_releases_the_assignee(world, service, clock):
    case = world.new_case()
    service.assign(world["lead_a"], case.code, "assign", "off_a")
    moved = service.fire(world["off_a"], case.code, "escalate", {"target_unit": "P-SO", "reason": "Thuộc Sở"})
    assert moved.assignee is None
    assert events(service, case.code)[-1].data["released_assignee"] == "off_a"
    # The sweep's auto-escalation too.
    other = world.new_case()
    service.assign(world["off_a"], other.code, "take")
    due = service.get(world["off_a"], other.code).due_at
    assert sweep(service, due + timedelta(days=10)).escalations >= 1
    snap = service.get(world["lead_a"], other.code)
    assert (snap.state, snap.handling_unit, snap.assignee) == ("escalated", "A", None)
    assert events(service, other.code)[-1].data["released_assignee"] == "off_a"
    assert chain_ok(service, case.code) and chain_ok(service, other.code)


def test_a_step_that_needs_an_assignee_says_so_until_one_is_assigned(world, service):
    case = world.new_case(workflow="tiep-cong-dan", unit="A", topic="dat_dai")
    service.fire(world["off_a"], case.code, "forward", {"target_unit": "P-SO", "reason": "Thuộc Sở"})
    [answer] = [o for o in service.allowed_actions(world["off_so"], case.code) if o.trigger == "answer"]
    assert isinstance(answer.refusal, AssigneeRequired)
    assert "giao" in answer.refusal.message("vi") and "assigned" in answer.refusal.message("en")
    before = row(service, case.code)
    with pytest.raises(AssigneeRequired):
        service.fire(world["off_so"], case.code, "answer", {"answer": "Đã trả lời"})
    assert row(service, case.code) == before
    service.assign(world["off_so"], case.code, "take")
    assert service.fire(world["off_so"], case.code, "answer", {"answer": "Đã trả lời"}).state == "answered"


def test_my_cases_are_the_open_ones_assigned_to_me_most_urgent_first(world, service, clock):
    first, second, closed, others = (world.new_case() for _ in range(4))
    clock.set(clock.now() + timedelta(hours=2))
    later = world.new_case()
    for c in (later, first, closed):
        service.assign(world["off_a"], c.code, "take")
    service.assign(world["lead_a"], second.code, "assign", "lead_a")
    service.fire(world["off_a"], closed.code, "withdraw", {"reason": "rút"})
    query = CaseQuery(assignee_id=world["off_a"].user_id, open_only=True, final_states=final_states(service.workflows),
                      order="due")
    with service.uow(write=False) as uow:
        page = page_cases(uow.session, world["off_a"], query)
    assert [r.code for r in page.items] == [first.code, later.code]
    assert {r.assignee for r in page.items} == {"off_a"}


# ------------------------------------------------------------------ extensions


def test_the_room_a_form_offers_is_the_workflows_limit(world, service, clock):
    case = world.new_case()
    with service.uow(write=False) as uow:
        c = uow.session.scalar(select(Case).where(Case.code == case.code))
        lead, off = room(service, uow.session, world["lead_a"], c), room(service, uow.session, world["off_a"], c)
    assert (lead.allowed, lead.days_left, lead.times_left) == (True, 5, 1)
    assert not off.allowed and off.refusal is not None
    service.extend(world["lead_a"], case.code, 2, "Chờ xác minh")
    with service.uow(write=False) as uow:
        c = uow.session.scalar(select(Case).where(Case.code == case.code))
        after = room(service, uow.session, world["lead_a"], c)
    assert not after.allowed and "1" in after.refusal.message("vi")  # once per stage in this programme


# ------------------------------------------------------------------ lateness


def test_a_case_late_below_stays_on_the_receiving_board_until_answered(world, service, clock):
    case = world.new_case()  # handled by village A1
    due = service.get(world["off_a"], case.code).due_at
    assert sweep(service, due + timedelta(days=10)).escalations == 1  # overdue, the system moved it to A
    clock.set(due + timedelta(days=10, hours=1))
    snap = service.get(world["lead_a"], case.code)
    assert snap.due_at > clock.now()  # a fresh deadline: it left the overdue list ...
    finals = final_states(service.workflows)

    def below(who: str) -> list[str]:
        with service.uow(write=False) as uow:
            return [r.code for r in page_cases(uow.session, world[who], CaseQuery(late_below=True,
                                                                                   final_states=finals)).items]

    assert below("lead_a") == [case.code]  # ... but not the board
    assert below("lead_b") == [] and below("off_kt") == []
    service.fire(world["off_a"], case.code, "answer", {"answer": "Đã sửa đường ống"})
    assert below("lead_a") == []


def local(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=HCM)


def test_late_at_the_commune_and_on_time_at_the_province_counts_once_each(world, service, clock):
    """The property of docs/reports.md: a stage missed at the commune counts late for the
    commune; the province's own stage, answered in time, counts on time for the province."""
    clock.set(local(2026, 10, 5))
    late = world.new_case(unit="A1", handling_unit="A")
    in_time = world.new_case(unit="A1", handling_unit="A")
    due = service.get(world["off_a"], late.code).due_at
    clock.set(due + timedelta(hours=1))  # after the commune's deadline: it passes the case on late
    service.fire(world["off_a"], late.code, "escalate", {"target_unit": "P-SO", "reason": "Thuộc Sở"})
    service.fire(world["off_a"], in_time.code, "escalate", {"target_unit": "P-SO", "reason": "Thuộc Sở"})
    clock.set(clock.now() + timedelta(days=1))
    for c in (late, in_time):
        service.fire(world["off_so"], c.code, "answer", {"answer": "Sở đã trả lời"})
    # in_time was also passed on after the commune's deadline: both commune stages missed.
    clock.set(local(2026, 11, 20))

    def at_level(unit: str):
        with service.uow(write=False) as uow:
            rep = build_report(uow.session, SYSTEM, ReportRequest(Period(date(2026, 10, 1), date(2026, 10, 31)), unit),
                               now=clock.now())
        return rep.at_level

    commune, province = at_level("A"), at_level("P")
    assert (commune.late, commune.extended, commune.on_time) == (2, 0, 0)
    assert (province.late, province.extended, province.on_time) == (0, 0, 2)
    assert at_level("A1") is None  # a village is no level of its own


def test_a_stage_met_at_the_commune_is_on_time_there(world, service, clock):
    clock.set(local(2026, 10, 5))
    case = world.new_case(unit="A1", handling_unit="A")
    service.extend(world["lead_a"], case.code, 2, "Chờ ý kiến Sở")
    due = service.get(world["off_a"], case.code).due_at
    clock.set(due - timedelta(hours=1))  # in time only thanks to the extension
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "P-SO", "reason": "Thuộc Sở"})
    clock.set(local(2026, 11, 20))
    with service.uow(write=False) as uow:
        rep = build_report(uow.session, SYSTEM, ReportRequest(Period(date(2026, 10, 1), date(2026, 10, 31)), "A"),
                           now=clock.now())
    assert (rep.at_level.late, rep.at_level.extended, rep.at_level.on_time) == (0, 1, 0)
    assert rep.as_dict()["at_level"] == {"unit": "A", "on_time": 0, "extended": 1, "late": 0}


def test_a_successors_people_work_their_predecessors_cases(service, clock):
    """Commune A merged into C: C's people are assigned A's open case (a grant on the
    in-force successor); another commune's official is not."""
    r = build_reform(service, clock)
    apply_reform(r)
    clock.set(reform_local(2025, 7, 10))
    code = r.codes["a_open"]
    snap = service.assign(r.actor("lead_c"), code, "assign", "off_c")
    assert (snap.assignee, snap.handling_unit) == ("off_c", "A")  # the case keeps its unit
    with pytest.raises(AssignmentRefused):
        service.assign(r.actor("lead_c"), code, "assign", "off_b")
    assert service.assign(r.actor("off_c"), code, "release").assignee is None
    assert service.assign(r.actor("off_c"), code, "take").assignee == "off_c"
    assert chain_ok(service, code)


# ------------------------------------------------------------------ the workflow key


def _tiep_cong_dan(replace_from: str, replace_to: str) -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "workflows" / "tiep-cong-dan.yaml").read_text(encoding="utf-8")
    assert replace_from in text
    return text.replace(replace_from, replace_to, 1)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("    requires_assignee: true\n", "    requires_assignee: \"yes\"\n", "requires_assignee"),
        ("    roles: [official, leader]\n    scope: handling\n    requires: [answer]\n    requires_assignee: true\n",
         "    roles: [citizen]\n    scope: handling\n    requires: [answer]\n    requires_assignee: true\n",
         "only the citizen"),
    ],
)
def test_the_loader_checks_requires_assignee(old, new, says):
    from engine.workflow import WorkflowDefinitionError, parse_workflow

    with pytest.raises(WorkflowDefinitionError) as info:
        parse_workflow(_tiep_cong_dan(old, new), "tiep-cong-dan.yaml")
    assert says in str(info.value)


def test_the_sweep_may_not_fire_a_step_that_needs_an_assignee():
    from pathlib import Path

    from engine.workflow import WorkflowDefinitionError, parse_workflow

    text = (Path(__file__).resolve().parent.parent / "workflows" / "nghe-dan-noi.yaml").read_text(encoding="utf-8")
    marker = "  - trigger: escalate\n"
    assert marker in text
    start = text.index(marker)
    end = text.index("\n\n", start)
    block = text[start:end]
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_workflow(text.replace(block, block + "\n    requires_assignee: true", 1), "nghe-dan-noi.yaml")
    assert "the system is nobody's assignee" in str(info.value)
