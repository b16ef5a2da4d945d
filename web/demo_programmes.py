"""Demo data for the field's other programmes, on the units and people of
``web.demo``: a Tổ dân vận in every village (a member with an account in Ngãi Lợi
A), reception schedules and reception days with petitions on each route, a
dialogue per commune with a conclusion announced in Tam Ngãi, and two disputes
mediated. Idempotent: nothing is added once a reception day exists.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.clock import FrozenClock
from engine.models import ReceptionDay, User
from engine.services import directory
from engine.services.cases import NewCase
from engine.services.dialogues import Commitment, NewDialogue
from engine.services.disputes import Party
from engine.services.receptions import NewReception, Petition

from .container import Container

__all__ = ["load_programmes"]

MEMBER = ("tovien", "Phạm Thị Tổ Viên", "TAMNGAI-A")
VILLAGES = ("TAMNGAI-A", "TAMNGAI-B", "TAMNGAI-SR", "PTV-K1", "PTV-K2", "PTV-K3")


def load_programmes(c: Container, now: datetime, password: str) -> int:
    """The number of records written (0 when the demo already has them)."""
    with c.sessions() as session:
        if session.scalar(select(ReceptionDay.meeting_id).limit(1)) is not None:
            return 0
    with c.cases.uow() as uow:
        if uow.session.scalar(select(User.id).where(User.username == MEMBER[0])) is None:
            user = directory.add_user(uow.session, MEMBER[0], password, now=now, full_name=MEMBER[1])
            directory.grant_role(uow.session, user, "member", MEMBER[2])
        uow.commit()
    with c.sessions() as session:
        lead, member = directory.actor_for(session, "lanhdao"), directory.actor_for(session, MEMBER[0])
    clock = FrozenClock(now - timedelta(days=30))
    p = c.with_clock(clock).programmes
    written = 0
    for i, village in enumerate(VILLAGES):
        p.teams.set_up(lead, village, f"Tổ dân vận {village}")
        for k, role in enumerate(("leader", "deputy", "member", "member")[: 3 + i % 2]):
            p.teams.add_member(lead, village, f"Tổ viên {k + 1} – {village}", role, "2025-07-01")
            written += 1
    p.teams.add_member(lead, MEMBER[2], None, "member", "2026-01-01", username=MEMBER[0])
    p.schedules.set_schedule(lead, "lanhdao", "TAMNGAI", "party_secretary", 1, "Quy định 11-QĐi/TW")
    p.schedules.set_schedule(lead, "lanhdao", "PTV", "chair", 2, "Luật Tiếp công dân 2013")

    day = (now - timedelta(days=20)).astimezone(LOCAL_TZ).date()
    clock.set(datetime.combine(day, time(10), LOCAL_TZ))
    p.receptions.record(lead, NewReception(
        unit="TAMNGAI", held_on=day, occasion="regular", capacity="party_secretary", receiver="lanhdao",
        place="Trụ sở tiếp công dân xã", petitions=[
            Petition(kind="kien_nghi", topic="giao_thong", content="Đề nghị nâng cấp đường đal ấp Sóc Ruộng",
                     citizen_name="Thạch Văn Sóc", route="accept"),
            Petition(kind="khieu_nai", topic="dat_dai", content="Khiếu nại mức bồi thường khi mở rộng đường",
                     citizen_name="Kim Thị Ruộng", route="accept_complaint"),
            Petition(kind="to_cao", topic="khac", content="Tố cáo việc thu tiền sai quy định", route="accept_denunciation"),
            Petition(kind="phan_anh", topic="moi_truong", content="Phản ánh ô nhiễm từ cơ sở chế biến",
                     route="forward", data={"target_unit": "SO-NNMT", "reason": "Thuộc thẩm quyền của Sở"}),
            Petition(kind="kien_nghi", topic="khac", content="Hỏi về thủ tục ly hôn", route="guide",
                     data={"reason": "Hướng dẫn gửi Tòa án nhân dân khu vực"}),
        ]))
    p.receptions.record(lead, NewReception(
        unit="PTV", held_on=day, occasion="ad_hoc", capacity="chair", receiver="lanhdao", petitions=[
            Petition(kind="phan_anh", topic="an_ninh_trat_tu", content="Phản ánh tụ tập gây ồn ào ban đêm",
                     citizen_name="Lý Văn Đêm", route="accept")]))
    for unit in ("TAMNGAI", "PTV"):
        meeting_id, _ = p.dialogues.record(lead, NewDialogue(
            unit=unit, held_on=day, chair="Bí thư Đảng ủy", front_representative="Chủ tịch Ủy ban MTTQ",
            attendees=80, opinions=[Petition(kind="kien_nghi", topic="dien_nuoc", content="Nước sạch cho khu dân cư",
                                             citizen_name="Công dân đối thoại", route="answer_on_site",
                                             data={"answer": "Đã đưa vào kế hoạch năm sau."})]))
        if unit == "TAMNGAI":
            due = datetime.combine(day + timedelta(days=60), time(17), LOCAL_TZ)
            p.dialogues.conclude(lead, meeting_id, "Kết luận hội nghị đối thoại xã Tam Ngãi",
                                 "Đảng ủy, UBND xã tiếp thu các ý kiến của nhân dân và cam kết thực hiện các nội dung sau.",
                                 [Commitment("Nạo vét kênh nội đồng ấp Ngãi Lợi B", due, topic="nong_nghiep"),
                                  Commitment("Lắp đèn chiếu sáng tuyến đường ấp Sóc Ruộng", due + timedelta(days=30),
                                             topic="dien_nuoc")])
    settled = p.disputes.record(member, NewCase(
        workflow="to-dan-van", unit=MEMBER[2], topic="dat_dai", kind="kien_nghi", channel="to_dan_van",
        content="Tranh chấp ranh giới đất giữa hai hộ"), [Party("Hộ ông Mười"), Party("Hộ bà Tư")])
    failed = p.disputes.record(member, NewCase(
        workflow="to-dan-van", unit=MEMBER[2], topic="an_ninh_trat_tu", kind="phan_anh", channel="to_dan_van",
        content="Mâu thuẫn về lối đi chung"), [Party("Hộ ông Năm"), Party("Hộ ông Sáu")])
    cases = p.cases
    clock.set(clock.now() + timedelta(days=1))
    for code in (settled, failed):
        cases.fire(member, code, "start_mediation", {"note": "Tổ trưởng phân công hòa giải viên"})
    clock.set(clock.now() + timedelta(days=2))
    cases.fire(member, settled, "hold_session", {"note": "Buổi hòa giải thứ nhất, hai bên có mặt"})
    cases.fire(member, settled, "settle", {"answer": "Hai hộ thống nhất cắm lại mốc giới theo bản đồ địa chính"})
    cases.fire(member, failed, "fail", {"reason": "Một bên không đồng ý"})
    cases.fire(member, failed, "escalate", {"target_unit": "TAMNGAI", "reason": "Hòa giải không thành"})
    return written + 7
