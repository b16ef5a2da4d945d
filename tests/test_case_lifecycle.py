"""The default workflow end to end, through the real service and database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from sqlalchemy import func, select

from engine.audit import verify_all
from engine.errors import InvalidField
from engine.models import Case, CaseEvent, Unit
from engine.services.cases import NewCase

from .conftest import HCM


def local(y: int, m: int, d: int, h: int = 17) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=HCM).astimezone(timezone.utc)


def test_received_case_gets_code_and_working_day_deadline(world):
    case = world.new_case()
    assert case.state == "received"
    assert case.code.startswith("P-2026-") and len(case.code) == len("P-2026-") + 7
    # Mon 23/11 + 10 working days, skipping the holiday on Tue 24/11 → Tue 08/12 17:00.
    assert case.due_at == local(2026, 12, 8)
    assert case.version == 1 and case.event_count == 1
    assert case.handling_unit == case.origin_unit == "A1"


def test_full_lifecycle_escalate_answer_verify_resolve(world, service, clock):
    case = world.new_case()
    clock.advance(timedelta(hours=2))
    case = service.fire(world["off_a"], case.code, "escalate",
                        {"target_unit": "A-KT", "reason": "Cần khảo sát nguồn nước"})
    assert (case.state, case.handling_unit) == ("escalated", "A-KT")
    # Fallback of the appointment rule: 10 working days from Mon 23/11 → Tue 08/12.
    assert case.due_at == local(2026, 12, 8)

    clock.advance(timedelta(days=3))
    case = service.fire(world["off_kt"], case.code, "answer", {"answer": "Đã súc rửa đường ống, nước trong trở lại"})
    assert case.state == "answered" and case.answer.startswith("Đã súc rửa")
    # Thu 26/11 + 5 working days → Thu 03/12.
    assert case.due_at == local(2026, 12, 3)

    clock.advance(timedelta(days=1))
    case = service.fire(world["lead_a"], case.code, "verify", {"satisfaction": "satisfied", "note": "Đã kiểm tra tại hộ dân"})
    assert (case.state, case.satisfaction) == ("verified", "satisfied")

    case = service.fire(world["off_a"], case.code, "resolve")
    assert case.state == "resolved" and case.due_at is None
    assert case.version == 5 and case.event_count == 5  # one version per event

    history = service.history(world["lead_a"], case.code)
    assert [(e.trigger, e.from_state, e.to_state) for e in history] == [
        ("receive", None, "received"),
        ("escalate", "received", "escalated"),
        ("answer", "escalated", "answered"),
        ("verify", "answered", "verified"),
        ("resolve", "verified", "resolved"),
    ]
    assert history[1].data["target_unit"] == "A-KT" and history[1].actor == "off_a"
    assert history[3].note == "Đã kiểm tra tại hộ dân"
    assert [e.prev_hash for e in history[1:]] == [e.hash for e in history[:-1]]


def test_answer_on_site_path(world, service):
    case = world.new_case()
    case = service.fire(world["off_a"], case.code, "answer_on_site", {"answer": "Giải thích ngay tại buổi họp"})
    assert case.state == "answered_on_site" and case.answer == "Giải thích ngay tại buổi họp"
    case = service.fire(world["lead_a"], case.code, "verify", {"satisfaction": "not_satisfied", "note": "Dân chưa đồng ý"})
    assert case.satisfaction == "not_satisfied"


def test_reopen_sends_case_back_to_handling(world, service, clock):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    service.fire(world["off_kt"], case.code, "answer", {"answer": "Xong"})
    clock.advance(timedelta(days=2))
    case = service.fire(world["lead_a"], case.code, "reopen", {"reason": "Kiểm tra thực tế chưa đạt"})
    assert case.state == "escalated" and case.handling_unit == "A-KT"
    # A new stage: the deadline counts again from the reopening (Wed 25/11 + 10).
    assert case.due_at == local(2026, 12, 9)


def test_escalate_again_to_a_higher_level_with_appointment(world, service):
    case = world.new_case()
    service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    promised = datetime(2026, 12, 4, 15, 0, tzinfo=HCM)
    case = service.fire(world["lead_kt"], case.code, "escalate",
                        {"target_unit": "P-SO", "reason": "Vượt thẩm quyền xã", "appointment": promised.isoformat()})
    assert case.handling_unit == "P-SO"
    assert case.due_at == promised.astimezone(timezone.utc) == case.appointment_at
    # The handling department answers; the commune that raised it still sees it.
    case = service.fire(world["off_so"], case.code, "answer", {"answer": "Sở đã bố trí kinh phí"})
    assert service.get(world["off_a"], case.code).state == "answered"


def test_merge_and_withdraw_from_open_states(world, service):
    original = world.new_case()
    dup = world.new_case(content="Nước đục, có mùi")
    merged = service.fire(world["lead_a"], dup.code, "merge", {"duplicate_of": original.code.lower()})
    assert merged.state == "merged" and merged.duplicate_of == original.code and merged.due_at is None
    # Merging into a merged case points at the surviving original.
    third = world.new_case()
    assert service.fire(world["lead_a"], third.code, "merge", {"duplicate_of": dup.code}).duplicate_of == original.code
    other = world.new_case()
    service.fire(world["off_a"], other.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    assert service.fire(world["off_a"], other.code, "withdraw", {"reason": "Dân rút ý kiến"}).state == "withdrawn"


def test_allowed_actions_list_refusals_with_reasons(world, service):
    case = world.new_case()
    by_official = {o.trigger: o for o in service.allowed_actions(world["off_a"], case.code)}
    assert set(by_official) == {"answer_on_site", "escalate", "merge", "withdraw"}
    assert by_official["escalate"].allowed and by_official["escalate"].requires == ("target_unit", "reason")
    assert not by_official["merge"].allowed
    assert "leader" in by_official["merge"].refusal.message("en")
    auditor = service.allowed_actions(world["aud_p"], case.code)
    assert auditor and not any(o.allowed for o in auditor)


def test_auditor_remark_is_in_history_and_changes_no_state(world, service, sessions):
    case = world.new_case()
    after = service.remark(world["aud_p"], case.code, "Đề nghị trả lời trước kỳ họp tới", kind="urge")
    assert after.state == "received" and after.event_count == 2 and after.version == 2
    with sessions() as s:
        trig = s.scalars(select(CaseEvent.trigger).order_by(CaseEvent.seq)).all()
        assert trig == ["receive", "urge"]
        assert list(verify_all(s)) == []


def test_other_programme_uses_its_own_deadlines(world, service):
    weekly = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    default = world.new_case()
    # Same day, same engine: 5 working days here (Tue 01/12) against 10 there.
    assert weekly.due_at == local(2026, 12, 1)
    assert default.due_at == local(2026, 12, 8)


def test_notebook_entry_recorded_later_keeps_its_received_time(world, clock):
    raised = datetime(2026, 11, 2, 8, 30, tzinfo=HCM)  # the first-Monday meeting
    case = world.new_case(received_at=raised.isoformat())
    assert case.received_at == raised.astimezone(timezone.utc)
    # 02/11 + 10 working days → Mon 16/11: already overdue on 23/11.
    assert case.due_at == local(2026, 11, 16)
    assert case.due_at < clock.now()


def test_deadline_across_tet_2027(world, clock):
    clock.set(datetime(2027, 2, 3, 9, 0, tzinfo=HCM))  # Wed, the day before the Tết holiday starts
    case = world.new_case()
    # 11, 12, 15, 16, 17, 18, 19, 22, 23, 24 February: Tết (4–10/02) is skipped.
    assert case.due_at == local(2027, 2, 24)


def test_deadline_across_the_make_up_saturday_2026(world, clock):
    clock.set(datetime(2026, 8, 20, 9, 0, tzinfo=HCM))  # Thu
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    # 5 working days: Fri 21, Sat 22 (make-up), Mon 24, Tue 25, Wed 26 August.
    assert case.due_at == local(2026, 8, 26)


def test_admin_override_moves_a_live_deadline(world, service, clock):
    from engine.services.calendars import set_override
    from datetime import date
    with service.uow() as uow:
        set_override(uow.session, date(2026, 11, 25), "day_off", "Nghỉ bù")
        uow.commit()
    assert world.new_case().due_at == local(2026, 12, 9)


def test_calendar_day_limit_ending_on_a_sunday_moves_to_monday(world, service, clock):
    clock.set(datetime(2026, 11, 6, 10, 0, tzinfo=HCM))  # Fri
    case = world.new_case(workflow="moi-tuan-mot-diem-den", channel="home_visit")
    case = service.fire(world["off_a"], case.code, "escalate", {"target_unit": "A-KT", "reason": "r"})
    # 30 calendar days from Fri 06/11, start day not counted → Sun 06/12 → Mon 07/12,
    # ending at 24:00 (Civil Code Art. 148), i.e. 00:00 on Tue 08/12.
    assert case.due_at == local(2026, 12, 8, 0)


def test_a_batch_never_gives_two_opinions_the_same_code(world, service, monkeypatch):
    # The batch's codes are not flushed while it is built, so a code drawn twice in
    # one batch must be caught by the batch itself, not only by the database.
    from engine.services import cases as cases_module

    drawn = iter(["P-2026-AAAAAAA", "P-2026-AAAAAAA", "P-2026-BBBBBBB"])
    monkeypatch.setattr(cases_module, "new_code", lambda prefix, year: next(drawn))
    item = NewCase(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="Đèn đường hỏng")
    made = service.create_many(world["off_a"], [item, item])
    assert [c.code for c in made] == ["P-2026-AAAAAAA", "P-2026-BBBBBBB"]


def test_a_batch_refuses_a_unit_not_in_force_on_one_opinions_day(world, service, sessions, clock):
    # Units are looked up once per batch, but whether one is in force depends on
    # the day each opinion was received; a refusal leaves nothing written.
    with sessions() as s, s.begin():
        s.scalars(select(Unit).where(Unit.code == "A1")).one().valid_to = date(2026, 11, 20)
    fields = dict(workflow="nghe-dan-noi", unit="A1", topic="khac", kind="kien_nghi", content="Cống tắc")
    items = [NewCase(**fields, received_at=local(2026, 11, 19, 9).isoformat()),
             NewCase(**fields, received_at=local(2026, 11, 21, 9).isoformat())]
    with pytest.raises(InvalidField) as refused:
        service.create_many(world["off_a"], items)
    assert "A1" in refused.value.message("en")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
