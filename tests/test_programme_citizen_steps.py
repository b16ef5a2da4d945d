"""The citizen's own steps in the three field programmes: with the PIN of the receipt
(the actor ``citizen(code)``), rate a recorded result without moving the case or its
deadline, and ask for a re-check where the programme sends the case back; never on
another case, never an official in the citizen's place, and a complaint is not
re-checked (a second complaint goes to the level above)."""

from __future__ import annotations

import pytest

from engine.actors import citizen
from engine.audit import verify_all
from engine.errors import InvalidTransition, MissingField, OutOfScope, RoleNotAllowed
from engine.services.cases import NewCase
from engine.services.tracking import citizen_options

from .programme_support import add_user
from .test_programme_walks import local, petition


def _mine(service, code: str) -> list[str]:
    return [o.trigger for o in citizen_options(service, code) if o.allowed]


def _rate_keeps_the_case(service, code: str) -> None:
    before = service.get(citizen(code), code)
    after = service.fire(citizen(code), code, "citizen_rate", {"satisfaction": "not_satisfied", "note": "Chưa thỏa đáng"})
    assert (after.state, after.due_at, after.stage_started_at) == (before.state, before.due_at, before.stage_started_at)
    assert after.event_count == before.event_count + 1


def test_a_reception_petitions_answer_is_rated_and_sent_back_by_its_citizen(world, service):
    case = petition(world, "kien_nghi")
    assert _mine(service, case.code) == []  # nothing to rate before a result
    with pytest.raises(RoleNotAllowed):
        service.fire(citizen(case.code), case.code, "accept")
    service.fire(world["off_a"], case.code, "accept", {"appointment": local(2026, 12, 4).isoformat()})
    service.fire(world["off_a"], case.code, "answer", {"answer": "Đã sửa đường"})
    assert _mine(service, case.code) == ["citizen_rate", "citizen_recheck"]
    with pytest.raises(RoleNotAllowed):  # no official rates in the citizen's place
        service.fire(world["lead_a"], case.code, "citizen_rate", {"satisfaction": "satisfied"})
    other = petition(world, "phan_anh")
    with pytest.raises(OutOfScope):
        service.fire(citizen(other.code), case.code, "citizen_rate", {"satisfaction": "satisfied"})
    _rate_keeps_the_case(service, case.code)
    with pytest.raises(MissingField):
        service.fire(citizen(case.code), case.code, "citizen_recheck", {})
    again = service.fire(citizen(case.code), case.code, "citizen_recheck", {"reason": "Đường vẫn ngập"})
    assert again.state == "accepted" and again.due_at is not None
    assert [e.actor for e in service.history(world["off_a"], case.code)][-2:] == ["citizen", "citizen"]
    with service.uow(write=False) as uow:
        assert list(verify_all(uow.session)) == []


def test_a_complaints_citizen_rates_but_does_not_reopen_it(world, service):
    case = petition(world, "khieu_nai")
    service.fire(world["lead_a"], case.code, "accept_complaint")
    service.fire(world["lead_a"], case.code, "answer", {"answer": "Quyết định giải quyết khiếu nại lần đầu"})
    assert _mine(service, case.code) == ["citizen_rate"]
    with pytest.raises(InvalidTransition):
        service.fire(citizen(case.code), case.code, "citizen_recheck", {"reason": "Không đồng ý"})
    _rate_keeps_the_case(service, case.code)


def test_a_dialogue_commitment_not_kept_goes_back_to_be_carried_out(world, service):
    case = petition(world, "kien_nghi", workflow="doi-thoai", unit="A1")
    service.fire(world["lead_a"], case.code, "commit", {"appointment": local(2027, 1, 15).isoformat(),
                                                         "reason": "Nâng cấp đường liên ấp"})
    assert _mine(service, case.code) == []
    service.fire(world["off_a"], case.code, "answer", {"answer": "Đã hoàn thành"})
    _rate_keeps_the_case(service, case.code)
    back = service.fire(citizen(case.code), case.code, "citizen_recheck", {"reason": "Mới làm một nửa"})
    assert back.state == "committed"

    on_site = petition(world, "phan_anh", workflow="doi-thoai", unit="A1")
    service.fire(world["off_a"], on_site.code, "answer_on_site", {"answer": "Đã giải thích"})
    assert service.fire(citizen(on_site.code), on_site.code, "citizen_recheck",
                        {"reason": "Chưa rõ"}).state == "received"
    verified = petition(world, "kien_nghi", workflow="doi-thoai", unit="A1")
    service.fire(world["off_a"], verified.code, "answer_on_site", {"answer": "Đã giải thích"})
    service.fire(world["lead_a"], verified.code, "verify", {"satisfaction": "satisfied", "note": "MTTQ xác nhận"})
    assert _mine(service, verified.code) == ["citizen_rate"]
    _rate_keeps_the_case(service, verified.code)


def test_a_party_asks_the_commune_to_reconsider_a_dispute_it_answered(world, service):
    member = add_user(service, "to_vien_a1", "member", "A1")
    case = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="dat_dai", kind="kien_nghi",
                                          channel="to_dan_van", content="Tranh chấp lối đi"))
    service.fire(member, case.code, "start_mediation", {"note": "Bắt đầu"})
    service.fire(member, case.code, "settle", {"answer": "Hai bên thống nhất"})
    assert _mine(service, case.code) == []  # a mediation that ended is final
    sent = service.create(member, NewCase(workflow="to-dan-van", unit="A1", topic="dat_dai", kind="kien_nghi",
                                          channel="to_dan_van", content="Tranh chấp ranh đất"))
    service.fire(member, sent.code, "escalate", {"target_unit": "A", "reason": "Ngoài khả năng hòa giải"})
    service.fire(world["off_a"], sent.code, "answer", {"answer": "UBND xã đã đo đạc lại"})
    _rate_keeps_the_case(service, sent.code)
    back = service.fire(citizen(sent.code), sent.code, "citizen_recheck", {"reason": "Đo sai mốc"})
    assert (back.state, back.handling_unit) == ("escalated", "A")
