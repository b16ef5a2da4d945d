"""What the programmes record beyond cases — reception days, dialogues and their
announced conclusions, Tổ dân vận teams, reception schedules, dispute parties — and
the figures computed from them, each figure recomputed here from what was entered."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine.actors import SYSTEM
from engine.disclosure import EXPORT, FULL, MASKED
from engine.errors import InvalidField, InvalidTransition, NotFound, OutOfScope, RoleNotAllowed
from engine.models import Case, CaseParty, Meeting, OutboxMessage, PublicDocument, ReceptionDay, Unit
from engine.reports.programmes import dialogue_coverage, reception_figures, team_figures
from engine.services.cases import NewCase
from engine.services.dialogues import Commitment, NewDialogue
from engine.services.disputes import Party
from engine.services.receptions import NewReception, Petition
from engine.services.schedules import ALERT_KIND

from .conftest import HCM
from .programme_support import add_user


@pytest.fixture
def programmes(container):
    return container.programmes


def count(service, model) -> int:
    with service.uow(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def reception(day: str = "2026-11-23", **kw) -> NewReception:
    fields = dict(unit="A", held_on=day, occasion="regular", capacity="chair", receiver="lead_a", petitions=[
        Petition(kind="kien_nghi", topic="giao_thong", content="Đường hư", citizen_name="Lê Văn A", route="accept"),
        Petition(kind="khieu_nai", topic="dat_dai", content="Khiếu nại bồi thường", route="accept_complaint"),
        Petition(kind="to_cao", topic="khac", content="Tố cáo cán bộ", citizen_name="Người tố cáo",
                 route="forward", data={"target_unit": "P-SO", "reason": "Thuộc thẩm quyền"}),
        Petition(kind="phan_anh", topic="moi_truong", content="Ô nhiễm kênh", route="guide",
                 data={"reason": "Hướng dẫn gửi Sở"}),
        Petition(kind="kien_nghi", topic="khac", content="Chưa phân loại"),
    ])
    fields.update(kw)
    return NewReception(**fields)  # type: ignore[arg-type]


# ------------------------------------------------------------------ reception days


def test_a_reception_day_records_every_petition_on_its_route_and_the_figures_count_them(world, service, programmes):
    meeting_id, codes = programmes.receptions.record(world["lead_a"], reception())
    states = [service.get(SYSTEM, c).state for c in codes]
    assert states == ["accepted", "complaint_accepted", "forwarded", "guided", "received"]
    programmes.receptions.record(world["off_a"], reception("2026-11-20", occasion="ad_hoc", capacity="deputy",
                                                           receiver=None, receiver_name="Phó Chủ tịch Trần B",
                                                           petitions=[]))
    with service.session_factory() as session:
        figures = reception_figures(session, world["lead_a"], "A", date(2026, 11, 1), date(2026, 11, 30))
    assert figures.days == 2
    assert figures.by_receiver == {("chair", "lead_a", "regular"): 1, ("deputy", "Phó Chủ tịch Trần B", "ad_hoc"): 1}
    assert figures.petitions == 5
    assert figures.by_route == {("kien_nghi", "accepted"): 1, ("khieu_nai", "accepted"): 1,
                                ("to_cao", "forwarded"): 1, ("phan_anh", "guided"): 1, ("kien_nghi", "pending"): 1}


def test_a_reception_day_with_one_refused_route_writes_nothing(world, service, programmes):
    bad = reception(petitions=[
        Petition(kind="kien_nghi", topic="khac", content="Một", route="accept"),
        Petition(kind="kien_nghi", topic="khac", content="Hai", route="accept_complaint"),  # not a complaint
    ])
    with pytest.raises(InvalidTransition) as info:
        programmes.receptions.record(world["lead_a"], bad)
    assert info.value.params["trigger"] == "accept_complaint"
    assert (count(service, Meeting), count(service, ReceptionDay), count(service, Case)) == (0, 0, 0)
    with pytest.raises(InvalidField):
        programmes.receptions.record(world["lead_a"], reception(occasion="weekly"))
    with pytest.raises(InvalidField):
        programmes.receptions.record(world["lead_a"], reception("2026-12-01"))  # in the future
    with pytest.raises(NotFound):
        programmes.receptions.record(world["off_b"], reception())
    with pytest.raises(InvalidField):  # B's leader does not receive for A
        programmes.receptions.record(world["lead_a"], reception(receiver="lead_b"))
    assert count(service, Meeting) == 0


# ------------------------------------------------------------------ dialogues


def dialogue(unit: str, day: str = "2026-11-16") -> NewDialogue:
    return NewDialogue(unit=unit, held_on=day, chair="Bí thư Đảng ủy", front_representative="Chủ tịch UBMTTQ",
                       attendees=120, opinions=[Petition(kind="kien_nghi", topic="giao_thong", content="Làm đường",
                                                         citizen_name="Nguyễn Thị Hoa", citizen_phone="0987654321")])


def test_a_conclusion_is_announced_with_a_case_per_commitment_in_one_transaction(world, service, programmes, clock):
    meeting_id, [opinion] = programmes.dialogues.record(world["lead_a"], dialogue("A"))
    due = datetime(2027, 1, 29, 17, 0, tzinfo=HCM)
    commitments = [Commitment("Nâng cấp đường liên ấp A1–A2", due, topic="giao_thong"),
                   Commitment("Lắp đèn chiếu sáng tuyến kênh", due + timedelta(days=14), topic="dien_nuoc")]
    with pytest.raises(InvalidField):  # a citizen's name would be published
        programmes.dialogues.conclude(world["lead_a"], meeting_id, "Kết luận", "Bà Nguyễn Thị Hoa kiến nghị…",
                                      commitments)
    with pytest.raises(InvalidField):  # so would a phone number
        programmes.dialogues.conclude(world["lead_a"], meeting_id, "Kết luận", "Liên hệ 0987 654 321", commitments)
    with pytest.raises(InvalidField):
        programmes.dialogues.conclude(world["lead_a"], meeting_id, "Kết luận", "Gọi 0987.654.321", commitments)
    with pytest.raises(RoleNotAllowed):
        programmes.dialogues.conclude(world["off_a"], meeting_id, "Kết luận", "Nội dung", commitments)
    assert (count(service, PublicDocument), count(service, Case)) == (0, 1)

    code = programmes.dialogues.conclude(world["lead_a"], meeting_id, "Kết luận hội nghị đối thoại tháng 11",
                                         "UBND xã tiếp thu các ý kiến, cam kết thực hiện giai đoạn 2026 - 2030.",
                                         commitments)
    public = programmes.dialogues.public(code)
    assert public.unit_name == "Xã A" and public.held_on == date(2026, 11, 16)
    assert [(i.content, i.due_at, i.state) for i in public.items] == [
        ("Nâng cấp đường liên ấp A1–A2", due.astimezone(timezone.utc), "committed"),
        ("Lắp đèn chiếu sáng tuyến kênh", (due + timedelta(days=14)).astimezone(timezone.utc), "committed")]
    with service.uow(write=False) as uow:
        follow = uow.session.scalars(select(Case).where(Case.meeting_id == meeting_id, Case.state == "committed")).all()
        assert sorted(c.due_at for c in follow) == [i.due_at for i in public.items]
    with pytest.raises(InvalidField):
        programmes.dialogues.conclude(world["lead_a"], meeting_id, "Lần hai", "Nội dung", [])
    with pytest.raises(NotFound):
        programmes.dialogues.public("nope")


def test_dialogue_coverage_is_units_that_held_one_out_of_all(world, service, programmes):
    programmes.dialogues.record(world["lead_a"], dialogue("A"))
    programmes.dialogues.record(world["lead_a"], dialogue("A", "2026-11-20"))
    programmes.dialogues.record(world["lead_b"], dialogue("B", "2026-10-01"))  # before the period
    with service.session_factory() as session:
        nov = dialogue_coverage(session, SYSTEM, "P", date(2026, 11, 1), date(2026, 11, 30))
        communes = session.scalar(select(func.count()).select_from(Unit).where(Unit.level == "commune"))
        autumn = dialogue_coverage(session, SYSTEM, "P", date(2026, 10, 1), date(2026, 11, 30))
    assert (nov.held, nov.total) == (1, communes) == (1, 2)
    assert nov.per_unit == {"A": 2, "B": 0}
    assert (autumn.held, autumn.total) == (2, 2)


# ------------------------------------------------------------------ teams


def test_teams_members_and_mediation_figures(world, service, programmes, clock):
    teams = programmes.teams
    teams.set_up(world["lead_a"], "A1", "Tổ dân vận ấp A1")
    with pytest.raises(InvalidField):
        teams.set_up(world["lead_a"], "A1", "lần hai")
    with pytest.raises(InvalidField):
        teams.set_up(world["lead_a"], "A", "xã không phải ấp")
    with pytest.raises(NotFound):
        teams.set_up(world["lead_b"], "A2", "ngoài phạm vi")
    member = add_user(service, "to_vien_a1", "member", "A1", full_name="Võ Văn Tổ")
    entered = [("Trưởng ấp", "leader", "2025-01-01", None), (None, "member", "2026-01-01", "to_vien_a1"),
               ("Bí thư chi bộ", "deputy", "2025-06-01", None), ("Đã rời", "member", "2025-01-01", None)]
    ids = [teams.add_member(world["off_a"], "A1", name, role, joined, username=user)
           for name, role, joined, user in entered]
    teams.leave(world["off_a"], "A1", ids[3], "2026-06-30")
    with pytest.raises(InvalidField):
        teams.add_member(world["off_a"], "A1", "X", "captain", "2026-01-01")
    on = date(2026, 11, 30)
    listed = teams.members(member, "A1", on)
    assert [(m.name, m.role, m.username) for m in listed] == [
        ("Trưởng ấp", "leader", None), ("Võ Văn Tổ", "member", "to_vien_a1"), ("Bí thư chi bộ", "deputy", None)]
    teams.set_up(world["lead_a"], "A2", "Tổ dân vận ấp A2")
    teams.add_member(world["off_a"], "A2", "Tổ trưởng A2", "leader", "2024-03-01")

    disputes = programmes.disputes
    settled = disputes.record(member, NewCase(workflow="to-dan-van", unit="A1", topic="dat_dai", kind="kien_nghi",
                                              channel="to_dan_van", content="Ranh giới đất"),
                              [Party("Hộ ông Mười", "0911000111"), Party("Hộ bà Tư", "0911000222", "Ấp A1")])
    failed = disputes.record(member, NewCase(workflow="to-dan-van", unit="A1", topic="khac", kind="kien_nghi",
                                             content="Lối đi"), [Party("Hộ X"), Party("Hộ Y")])
    service.fire(member, settled, "start_mediation", {"note": "Bắt đầu"})
    service.fire(member, settled, "settle", {"answer": "Hai bên thống nhất"})
    service.fire(member, failed, "start_mediation", {"note": "Bắt đầu"})
    service.fire(member, failed, "fail", {"reason": "Không thống nhất"})
    service.fire(member, failed, "escalate", {"target_unit": "A", "reason": "Chuyển xã"})
    with pytest.raises(InvalidField):
        disputes.record(member, NewCase(workflow="to-dan-van", unit="A1", topic="khac", kind="kien_nghi",
                                        content="Một bên"), [Party("Hộ Z")])
    assert count(service, Case) == 2 and count(service, CaseParty) == 4

    with service.session_factory() as session:
        figures = team_figures(session, world["lead_a"], "A", date(2026, 11, 1), on)
    assert (figures.villages, figures.with_team) == (2, 2)
    assert figures.members == len([e for e in entered if e[0] != "Đã rời"]) + 1 == 4
    assert figures.members_per_village == {"A1": 3, "A2": 1}
    assert (figures.disputes, figures.settled, figures.failed, figures.sent_up) == (2, 1, 1, 1)
    assert figures.success_rate == 0.5


def test_dispute_parties_follow_the_disclosure_rule(world, service, programmes):
    member = add_user(service, "to_vien_a1", "member", "A1")
    code = programmes.disputes.record(member, NewCase(workflow="to-dan-van", unit="A1", topic="dat_dai",
                                                      kind="kien_nghi", content="Ranh giới"),
                                      [Party("Nguyễn Văn Mười", "0911000111"), Party("Trần Thị Tư", "0911000222")])
    full = programmes.disputes.parties(member, code)
    assert [(p.disclosure, p.name, p.phone) for p in full] == [(FULL, "Nguyễn Văn Mười", "0911000111"),
                                                                (FULL, "Trần Thị Tư", "0911000222")]
    masked = programmes.disputes.parties(world["aud_p"], code)
    assert [(p.disclosure, p.name, p.phone) for p in masked] == [(MASKED, "N.V.M.", "*******111"),
                                                                  (MASKED, "T.T.T.", "*******222")]
    assert programmes.disputes.parties(world["off_a"], code, purpose=EXPORT)[0].disclosure == MASKED
    with pytest.raises(OutOfScope):
        programmes.disputes.parties(world["off_b"], code)


# ------------------------------------------------------------------ schedules and the alert


def test_the_alert_before_month_end_goes_to_a_head_short_of_reception_days(world, service, programmes, clock):
    schedules = programmes.schedules
    schedules.set_schedule(world["lead_a"], "lead_a", "A", "party_secretary", 1, "Quy định 11-QĐi/TW")
    schedules.set_schedule(world["lead_b"], "lead_b", "B", "chair", 2)
    with pytest.raises(RoleNotAllowed):
        schedules.set_schedule(world["off_a"], "off_a", "A", "chair", 1)
    with pytest.raises(InvalidField):
        schedules.set_schedule(world["lead_a"], "lead_a", "A", "chair", 0)

    def alerts() -> list[tuple[str, int | None]]:
        with service.uow(write=False) as uow:
            rows = uow.session.execute(select(OutboxMessage.dedup_key, OutboxMessage.recipient_user_id)
                                       .where(OutboxMessage.kind == ALERT_KIND).order_by(OutboxMessage.id)).all()
            return [tuple(r) for r in rows]

    # Mon 23/11: eight days before the month ends, nobody is told yet.
    assert schedules.alert_before_month_end() == 0
    programmes.receptions.record(world["lead_a"], reception(petitions=[]))  # lead_a holds their one day
    programmes.receptions.record(world["lead_b"], reception(unit="B", receiver="lead_b", petitions=[]))
    clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=HCM))  # five days before 30/11
    assert schedules.alert_before_month_end() == 2  # lead_b (1 of 2) and off_b, B's office
    lead_b, off_b = world["lead_b"].user_id, world["off_b"].user_id
    assert sorted(uid for _, uid in alerts()) == sorted([lead_b, off_b])
    assert all(key.endswith(f":2026-11:user:{uid}") for key, uid in alerts())
    clock.advance(timedelta(days=1))
    assert schedules.alert_before_month_end() == 0  # told once a month
    with service.uow(write=False) as uow:
        payload = uow.session.scalar(select(OutboxMessage.payload).where(OutboxMessage.recipient_user_id == lead_b))
    assert (payload["held"], payload["required"]) == (1, 2) and "lead_b" not in str(payload)
    # December: a new month, told again only near its end.
    clock.set(datetime(2026, 12, 28, 7, 0, tzinfo=HCM))
    assert schedules.alert_before_month_end() == 4
