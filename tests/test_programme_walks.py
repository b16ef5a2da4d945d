"""The three field programmes (tiếp công dân, đối thoại, Tổ dân vận) end to end
through the case service: every transition, the refusals (kind, role, scope, fields)
and the deadlines each stage gets from the law or the programme."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import get_args

import pytest

from engine.assignment import AssigneeRequired
from engine.audit import verify_all
from engine.deadline_rules import ExtensionRefused, sweep
from engine.errors import InvalidField, InvalidTransition, MissingField, OutOfScope, RoleNotAllowed
from engine.services.cases import NewCase
from engine.vocab import KINDS, ROLES
from engine.workflow import WorkflowDefinitionError, parse_workflow
from engine.workflow.spec import Kind, Role

from .conftest import HCM
from .programme_support import add_user


def local(y: int, m: int, d: int, h: int = 17, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=HCM).astimezone(timezone.utc)


def petition(world, kind: str, *, who: str = "off_a", unit: str = "A", workflow: str = "tiep-cong-dan", **kw):
    return world.service.create(world[who], NewCase(
        workflow=workflow, unit=unit, topic="dat_dai", kind=kind, content=f"Đơn {kind}",
        citizen_name="Trần Thị Đơn", citizen_phone="0912345678", **kw))


def test_the_vocabularies_the_files_use_are_the_engines() -> None:
    assert set(get_args(Kind)) == set(KINDS)
    # Every grantable role is a workflow role; "citizen" is the receipt's PIN, never a grant.
    assert set(get_args(Role)) == set(ROLES) | {"citizen"}


# ------------------------------------------------------------------ tiếp công dân


def test_a_petition_takes_only_the_routes_of_its_kind(world, service):
    case = petition(world, "kien_nghi")
    assert case.due_at == local(2026, 12, 8)  # 10 working days (Tue 24/11 is off in the test calendar)
    offered = [a.trigger for a in service.allowed_actions(world["off_a"], case.code)]
    assert offered == ["accept", "guide", "forward", "withdraw"]
    with pytest.raises(InvalidTransition):
        service.fire(world["lead_a"], case.code, "accept_complaint")
    with pytest.raises(InvalidTransition):
        service.fire(world["lead_a"], case.code, "accept_denunciation")
    case = service.fire(world["off_a"], case.code, "accept")
    # No appointment: the programme's 15 working days.
    assert case.state == "accepted" and case.due_at == local(2026, 12, 15)
    case = service.fire(world["off_a"], case.code, "answer", {"answer": "Đã đo đạc lại ranh giới"})
    assert case.state == "answered"
    with pytest.raises(RoleNotAllowed):
        service.fire(world["off_a"], case.code, "close", {"note": "xong"})
    with pytest.raises(MissingField):
        service.fire(world["lead_a"], case.code, "close", {})
    case = service.fire(world["lead_a"], case.code, "close", {"note": "Công dân đồng ý"})
    assert case.state == "resolved" and case.due_at is None


def test_a_complaint_is_accepted_by_a_leader_with_the_complaints_laws_limit(world, service):
    case = petition(world, "khieu_nai")
    with pytest.raises(InvalidTransition):
        service.fire(world["lead_a"], case.code, "accept")
    with pytest.raises(RoleNotAllowed):
        service.fire(world["off_a"], case.code, "accept_complaint")
    case = service.fire(world["lead_a"], case.code, "accept_complaint")
    # 30 calendar days, the start day not counted, ending at 24:00 (Wed 23/12).
    assert case.state == "complaint_accepted" and case.due_at == local(2026, 12, 24, 0)
    case = service.extend(world["lead_a"], case.code, 11, "Vụ việc phức tạp")
    with pytest.raises(ExtensionRefused):
        service.extend(world["lead_a"], case.code, 1, "Lần nữa")
    case = service.fire(world["lead_a"], case.code, "answer", {"answer": "Quyết định giải quyết khiếu nại lần đầu"})
    assert case.state == "answered"


def test_a_denunciation_keeps_its_author_confidential_and_may_be_extended_twice(world, service):
    case = petition(world, "to_cao")
    assert service.get(world["off_a"], case.code).citizen.withheld
    assert service.get(world["lead_a"], case.code).citizen.name == "Trần Thị Đơn"
    case = service.fire(world["lead_a"], case.code, "accept_denunciation")
    assert case.state == "denunciation_accepted" and case.due_at == local(2026, 12, 24, 0)
    service.extend(world["lead_a"], case.code, 22, "Gia hạn lần 1")
    service.extend(world["lead_a"], case.code, 22, "Gia hạn lần 2")
    with pytest.raises(ExtensionRefused):
        service.extend(world["lead_a"], case.code, 1, "Lần 3")


def test_guided_and_forwarded_petitions(world, service, clock):
    guided = service.fire(world["off_a"], petition(world, "phan_anh").code, "guide",
                          {"reason": "Thuộc thẩm quyền Tòa án nhân dân khu vực"})
    assert guided.state == "guided" and guided.due_at is None
    with pytest.raises(InvalidTransition):
        service.fire(world["off_a"], guided.code, "withdraw", {"reason": "x"})

    case = petition(world, "kien_nghi")
    with pytest.raises(MissingField):
        service.fire(world["off_a"], case.code, "forward", {"target_unit": "A-KT"})
    case = service.fire(world["off_a"], case.code, "forward", {"target_unit": "P-SO", "reason": "Thuộc thẩm quyền của Sở"})
    assert (case.state, case.handling_unit) == ("forwarded", "P-SO")
    assert case.due_at == local(2026, 12, 8)
    with pytest.raises(RoleNotAllowed):  # scope: handling — only the unit it went to answers
        service.fire(world["off_a"], case.code, "answer", {"answer": "x"})
    # A forwarded petition is answered only once someone at the receiving unit is made
    # responsible for it (requires_assignee in tiep-cong-dan.yaml).
    with pytest.raises(AssigneeRequired):
        service.fire(world["off_so"], case.code, "answer", {"answer": "Đã trả lời công dân"})
    service.assign(world["off_so"], case.code, "take")
    case = service.fire(world["off_so"], case.code, "answer", {"answer": "Đã trả lời công dân"})
    assert case.state == "answered"
    withdrawn = service.fire(world["off_a"], petition(world, "kien_nghi").code, "withdraw", {"reason": "Đã tự thỏa thuận"})
    assert withdrawn.state == "withdrawn"
    with service.uow(write=False) as uow:
        assert list(verify_all(uow.session)) == []


# ------------------------------------------------------------------ đối thoại


def test_a_dialogue_commitment_runs_to_its_promised_date(world, service, clock):
    case = petition(world, "kien_nghi", workflow="doi-thoai", unit="A1")
    promised = local(2027, 1, 15)
    with pytest.raises(RoleNotAllowed):
        service.fire(world["off_a"], case.code, "commit", {"appointment": promised.isoformat(), "reason": "x"})
    with pytest.raises(InvalidField):  # beyond the 90 working days a conclusion may promise
        service.fire(world["lead_a"], case.code, "commit",
                     {"appointment": local(2027, 12, 1).isoformat(), "reason": "Nâng cấp đường"})
    case = service.fire(world["lead_a"], case.code, "commit",
                        {"appointment": promised.isoformat(), "reason": "Nâng cấp đường liên ấp"})
    assert case.state == "committed" and case.due_at == promised
    clock.advance(timedelta(days=10))
    case = service.fire(world["off_a"], case.code, "answer", {"answer": "Đã khởi công"})
    case = service.fire(world["lead_a"], case.code, "reopen", {"reason": "Chưa xong"})
    assert case.state == "committed"
    case = service.fire(world["off_a"], case.code, "answer", {"answer": "Đã hoàn thành"})
    case = service.fire(world["lead_a"], case.code, "verify", {"satisfaction": "satisfied", "note": "MTTQ xác nhận"})
    case = service.fire(world["off_a"], case.code, "resolve")
    assert case.state == "resolved"

    on_site = service.fire(world["off_a"], petition(world, "phan_anh", workflow="doi-thoai", unit="A1").code,
                           "answer_on_site", {"answer": "Đã giải thích chính sách"})
    assert on_site.state == "answered_on_site"
    assert service.fire(world["lead_a"], on_site.code, "verify",
                        {"satisfaction": "not_satisfied", "note": "Dân chưa đồng ý"}).state == "verified"
    raised = petition(world, "kien_nghi", workflow="doi-thoai", unit="A1")
    assert raised.due_at == local(2026, 12, 17)  # Thu 03/12 + 10 working days to tell the citizen
    assert service.fire(world["off_a"], raised.code, "withdraw", {"reason": "Đã tự giải quyết"}).state == "withdrawn"


# ------------------------------------------------------------------ Tổ dân vận


def test_a_team_member_mediates_a_dispute_to_an_agreement(world, service, clock):
    member = add_user(service, "to_vien_a1", "member", "A1")
    case = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="dat_dai", kind="kien_nghi",
                                          channel="to_dan_van", content="Tranh chấp ranh giới đất giữa hai hộ"))
    assert case.due_at == local(2026, 11, 27)  # 3 working days
    with pytest.raises(OutOfScope):  # a member's grant is their village only
        service.create(member, NewCase(workflow="to-dan-van", unit="A2", topic="dat_dai", kind="kien_nghi",
                                       content="x"))
    case = service.fire(member, case.code, "start_mediation", {"note": "Phân công hòa giải viên"})
    assert case.state == "mediating"
    for n in (1, 2):
        clock.advance(timedelta(days=2))
        case = service.fire(member, case.code, "hold_session", {"note": f"Buổi hòa giải {n}: hai bên có mặt"})
        assert case.state == "mediating"
    case = service.fire(member, case.code, "settle", {"answer": "Hai hộ thống nhất mốc giới theo bản đồ 2015"})
    assert (case.state, case.answer) == ("mediated", "Hai hộ thống nhất mốc giới theo bản đồ 2015")
    triggers = [e.trigger for e in service.history(member, case.code)]
    assert triggers == ["receive", "start_mediation", "hold_session", "hold_session", "settle"]


def test_a_failed_mediation_goes_to_the_commune_which_a_member_cannot_answer(world, service):
    member = add_user(service, "to_vien_a1", "member", "A1")
    case = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="an_ninh_trat_tu", kind="phan_anh",
                                          channel="to_dan_van", content="Mâu thuẫn lối đi chung"))
    case = service.fire(member, case.code, "start_mediation", {"note": "Bắt đầu"})
    assert case.due_at == local(2026, 12, 8)  # 10 working days between sessions (Tue 24/11 is off)
    case = service.fire(member, case.code, "fail", {"reason": "Một bên không đồng ý"})
    assert case.state == "not_mediated" and case.due_at == local(2026, 12, 1)  # 5 working days
    case = service.fire(member, case.code, "escalate", {"target_unit": "A", "reason": "Hòa giải không thành"})
    assert (case.state, case.handling_unit) == ("escalated", "A")
    assert case.due_at == local(2026, 12, 15)  # no appointment: 15 working days
    with pytest.raises(RoleNotAllowed):
        service.fire(member, case.code, "answer", {"answer": "x"})
    case = service.fire(world["off_a"], case.code, "answer", {"answer": "UBND xã đã giải quyết"})
    case = service.fire(world["lead_a"], case.code, "close", {"note": "Xong"})
    assert case.state == "resolved"

    other = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="khac", kind="kien_nghi",
                                           content="Tiếng ồn"))
    other = service.fire(member, other.code, "start_mediation", {"note": "Bắt đầu"})
    other = service.fire(member, other.code, "fail", {"reason": "Không thành"})
    assert service.fire(member, other.code, "close_unsettled", {"reason": "Các bên khởi kiện"}).state == "unsettled"
    dropped = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="khac", kind="kien_nghi",
                                             content="Cây lấn ranh"))
    assert service.fire(member, dropped.code, "withdraw", {"reason": "Hai bên tự thỏa thuận"}).state == "withdrawn"


def test_an_untouched_dispute_goes_to_the_commune_by_itself(world, service, clock):
    member = add_user(service, "to_vien_a1", "member", "A1")
    case = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="khac", kind="kien_nghi",
                                          content="Chó thả rông"))
    # Due Fri 27/11 17:00; 2 working days later: Tue 01/12 17:00.
    sweep(service, local(2026, 12, 1, 16))
    assert service.get(world["lead_a"], case.code).state == "received"
    sweep(service, local(2026, 12, 1, 17, 1))
    after = service.get(world["lead_a"], case.code)
    assert (after.state, after.handling_unit) == ("escalated", "A")
    assert [e.trigger for e in service.history(world["lead_a"], case.code)][-1] == "auto_escalate"


# ------------------------------------------------------------------ the loader


KINDED = """
key: t
name: {vi: "T", en: "T"}
initial: open
states:
  open:
    label: {vi: "Mở", en: "Open"}
    deadline: {working_days: 5}
    rules:
      overdue: {notify: {leader: [handling]}}
      auto_escalate: {after: {working_days: 1}, to: parent, notify: {leader: [handling]}}
  done:
    label: {vi: "Xong", en: "Done"}
    final: true
transitions:
  - trigger: pass_on
    label: {vi: "Chuyển", en: "Pass on"}
    from: [open]
    to: open
    roles: [official]
    requires: [target_unit, reason]
    kinds: KINDS
  - trigger: finish
    label: {vi: "Xong", en: "Finish"}
    from: [open]
    to: done
    roles: [member]
"""


def test_the_loader_checks_kinds() -> None:
    with pytest.raises(WorkflowDefinitionError, match="unknown kind 'bogus'"):
        parse_workflow(KINDED.replace("KINDS", "[bogus]"), "<t>")
    with pytest.raises(WorkflowDefinitionError, match="listed twice"):
        parse_workflow(KINDED.replace("KINDS", "[to_cao, to_cao]"), "<t>")
    # The system escalates every kind, so its transition may not be limited to some.
    with pytest.raises(WorkflowDefinitionError, match="applies only to some kinds"):
        parse_workflow(KINDED.replace("KINDS", "[to_cao]"), "<t>")
    ok = parse_workflow(KINDED.replace("KINDS", "[]"), "<t>")
    assert ok.transition("finish", "open").roles == ("member",)
