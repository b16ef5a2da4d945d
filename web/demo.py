"""Demo data: a province, two communes, their villages, the people and 30+ cases
spread over states and topics, some of them overdue. Idempotent.

The demo replays history: a frozen clock walks from each opinion's meeting day
through its answers, so deadlines and the hash-chained history are what the
engine would have produced had it been used on those days.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from engine.calendar import LOCAL_TZ
from engine.clock import FrozenClock
from engine.errors import DomainError
from engine.models import Case, Meeting, User
from engine.services import directory
from engine.services.cases import NewCase

from .container import Container
from .demo_programmes import load_programmes
from .demo_support import load_support_demo

__all__ = ["DEMO_PASSWORD", "load_demo", "DemoResult"]

DEMO_PASSWORD = "demo"

UNITS_CSV = """code,name,level,parent_code,valid_from,valid_to,successor_code
TVH,Tỉnh Trà Vinh,province,,,,
CAUKE,Huyện Cầu Kè,district,TVH,,2025-07-01,
SO-NNMT,Sở Nông nghiệp và Môi trường,department,TVH,,,
SO-XD,Sở Xây dựng,department,TVH,,,
TAMNGAI,Xã Tam Ngãi,commune,TVH,2025-07-01,,
TAMNGAI-A,Ấp Ngãi Lợi A,village,TAMNGAI,,,
TAMNGAI-B,Ấp Ngãi Lợi B,village,TAMNGAI,,,
TAMNGAI-SR,Ấp Sóc Ruộng,village,TAMNGAI,,,
TAMNGAI-KT,Phòng Kinh tế xã Tam Ngãi,department,TAMNGAI,,,
TAMNGAI-CA,Công an xã Tam Ngãi,police,TAMNGAI,,,
TAMNGAI-MT,Ủy ban MTTQ xã Tam Ngãi,front,TAMNGAI,,,
PTV,Phường Trà Vinh,commune,TVH,2025-07-01,,
PTV-K1,Khóm 1,village,PTV,,,
PTV-K2,Khóm 2,village,PTV,,,
PTV-K3,Khóm 3,village,PTV,,,
PTV-KT,Phòng Kinh tế – Hạ tầng và Đô thị phường Trà Vinh,department,PTV,,,
PTV-MT,Ủy ban MTTQ phường Trà Vinh,front,PTV,,,
"""

USERS = {
    "canbo": ("Nguyễn Văn Cán", [("official", "TAMNGAI"), ("official", "PTV"), ("official", "SO-NNMT")]),
    "lanhdao": ("Trần Thị Lãnh", [("leader", "TAMNGAI"), ("leader", "PTV"), ("leader", "SO-NNMT")]),
    "giamsat": ("Lê Văn Sát", [("auditor", "TVH")]),
    "admin": ("Quản trị hệ thống", [("admin", "TVH")]),
}

# (village, topic, kind, content, path). A path is the actions taken after the
# meeting, each (days later, actor, trigger, data).
OPINIONS = [
    ("TAMNGAI-A", "dien_nuoc", "kien_nghi", "Nước sinh hoạt ở ấp Ngãi Lợi A bị đục, có mùi phèn vào mùa khô."),
    ("TAMNGAI-A", "giao_thong", "kien_nghi", "Đường đal liên ấp xuống cấp, nhiều ổ gà, trẻ em đi học khó khăn."),
    ("TAMNGAI-B", "moi_truong", "phan_anh", "Kênh Ngãi Lợi bị ô nhiễm nước thải từ trại heo đầu kênh."),
    ("TAMNGAI-B", "y_te", "kien_nghi", "Đề nghị hướng dẫn gia hạn thẻ bảo hiểm y tế cho hộ cận nghèo."),
    ("TAMNGAI-SR", "an_ninh_trat_tu", "phan_anh", "Tình trạng lừa đảo qua điện thoại mạo danh công an xã."),
    ("TAMNGAI-SR", "an_ninh_trat_tu", "phan_anh", "Trộm gà, trộm xe đạp ban đêm ở ấp Sóc Ruộng."),
    ("TAMNGAI-A", "dat_dai", "khieu_nai", "Khiếu nại việc đo đạc lại ranh giới thửa đất giáp kênh."),
    ("TAMNGAI-B", "nguoi_co_cong", "kien_nghi", "Xem xét chế độ cho thân nhân liệt sĩ chưa được hưởng trợ cấp."),
    ("TAMNGAI-SR", "nong_nghiep", "kien_nghi", "Hỗ trợ giống lúa chịu mặn cho vụ Đông Xuân."),
    ("TAMNGAI-A", "an_sinh_xa_hoi", "kien_nghi", "Hộ bà Thạch Thị S. khó khăn về nhà ở, đề nghị hỗ trợ nhà đại đoàn kết."),
    ("TAMNGAI-B", "giao_duc", "kien_nghi", "Điểm trường ấp Ngãi Lợi B thiếu nhà vệ sinh cho học sinh."),
    ("TAMNGAI-SR", "xay_dung", "phan_anh", "Công trình xây dựng lấn chiếm hành lang lộ giới đường huyện."),
    ("TAMNGAI-A", "thu_tuc_hanh_chinh", "kien_nghi", "Thủ tục cấp giấy chứng nhận quyền sử dụng đất còn chậm."),
    ("TAMNGAI-B", "dien_nuoc", "kien_nghi", "Đề nghị kéo điện lưới vào xóm cuối ấp Ngãi Lợi B."),
    ("TAMNGAI-SR", "thu_tuc_hanh_chinh", "to_cao", "Tố cáo việc thu tiền sai quy định khi làm hồ sơ vay vốn."),
    ("TAMNGAI-A", "moi_truong", "phan_anh", "Rác thải đổ bừa bãi ven đường tỉnh lộ."),
    ("PTV-K1", "xay_dung", "kien_nghi", "Công khai quy hoạch mở rộng đường Nguyễn Đáng."),
    ("PTV-K1", "giao_thong", "kien_nghi", "Mở đường vào hẻm 12 khóm 1 để xe cứu hỏa vào được."),
    ("PTV-K2", "moi_truong", "phan_anh", "Nước thải sinh hoạt chảy ra kênh thủy lợi khóm 2 gây mùi hôi."),
    ("PTV-K2", "nguoi_co_cong", "kien_nghi", "Chính sách cho người có công: điều chỉnh trợ cấp hằng tháng."),
    ("PTV-K3", "an_sinh_xa_hoi", "kien_nghi", "Hỗ trợ vay vốn ưu đãi cho hộ mới thoát nghèo."),
    ("PTV-K3", "an_ninh_trat_tu", "phan_anh", "Thanh niên tụ tập đua xe ban đêm trên đường vành đai."),
    ("PTV-K1", "an_ninh_trat_tu", "kien_nghi", "Trang bị bình chữa cháy cho các hộ kinh doanh trong hẻm."),
    ("PTV-K2", "dien_nuoc", "kien_nghi", "Đèn chiếu sáng công cộng khóm 2 hư hỏng nhiều tháng."),
    ("PTV-K3", "xay_dung", "kien_nghi", "Nạo vét cống thoát nước, nhà dân bị ngập khi mưa lớn."),
    ("PTV-K1", "y_te", "kien_nghi", "Phun thuốc diệt muỗi phòng sốt xuất huyết tại khóm 1."),
    ("PTV-K2", "dat_dai", "khieu_nai", "Khiếu nại giá bồi thường giải phóng mặt bằng dự án kè sông."),
    ("PTV-K3", "giao_duc", "kien_nghi", "Bổ sung giáo viên tiếng Khmer cho trường tiểu học."),
    ("PTV-K1", "thu_tuc_hanh_chinh", "kien_nghi", "Hướng dẫn đăng ký thường trú trực tuyến cho người cao tuổi."),
    ("PTV-K2", "khac", "kien_nghi", "Đề nghị tổ chức sinh hoạt văn hóa cuối tuần cho người cao tuổi."),
    ("PTV-K3", "moi_truong", "phan_anh", "Mùi hôi từ bãi tập kết rác tạm phía sau chợ phường."),
    ("TAMNGAI-B", "giao_thong", "kien_nghi", "Cầu khỉ bắc qua rạch Ngãi Lợi B cần thay bằng cầu bê tông."),
    ("TAMNGAI-SR", "y_te", "kien_nghi", "Trạm y tế xã thiếu thuốc điều trị huyết áp cho người cao tuổi."),
]


@dataclass
class DemoResult:
    units_created: int
    users_created: int
    meetings_created: int
    cases_created: int
    support_created: int = 0  # activities, fund entries and visits (web.demo_support)


def _paths(commune_dept: str) -> list[list[tuple[int, str, str, dict[str, str]]]]:
    answer = {"answer": "Đã kiểm tra thực tế, giải thích và hướng dẫn cho bà con ngay tại buổi tiếp xúc."}
    escalate = {"target_unit": commune_dept, "reason": "Vượt thẩm quyền trả lời tại chỗ, chuyển bộ phận chuyên môn."}
    return [
        [],  # still received (becomes overdue if old)
        [(0, "canbo", "answer_on_site", answer)],
        [(0, "canbo", "answer_on_site", answer), (3, "lanhdao", "verify", {"satisfaction": "satisfied", "note": "Người dân hài lòng."})],
        [(0, "canbo", "answer_on_site", answer), (2, "lanhdao", "verify", {"satisfaction": "satisfied", "note": "Đã kiểm tra."}), (1, "canbo", "resolve", {})],
        [(1, "canbo", "escalate", escalate)],
        [(1, "canbo", "escalate", escalate), (6, "canbo", "answer", {"answer": "Bộ phận chuyên môn đã khảo sát và bố trí kinh phí trong quý tới."})],
        [(1, "canbo", "escalate", escalate), (5, "canbo", "answer", {"answer": "Đã xử lý xong, có biên bản kèm theo."}),
         (2, "lanhdao", "verify", {"satisfaction": "satisfied", "note": "Kiểm tra thực địa đạt."}), (1, "lanhdao", "resolve", {})],
        [(1, "canbo", "escalate", {"target_unit": "SO-NNMT", "reason": "Thuộc thẩm quyền cấp tỉnh."})],
        [(1, "canbo", "escalate", escalate), (4, "canbo", "answer", {"answer": "Đã nhắc nhở hộ vi phạm."}),
         (2, "lanhdao", "reopen", {"reason": "Người dân phản ánh vẫn còn vi phạm."})],
    ]


def load_demo(c: Container, *, now: datetime | None = None, seed: int = 2026) -> DemoResult:
    now = now or c.clock.now()
    units_created = users_created = meetings_created = cases_created = 0
    with c.cases.uow() as uow:
        created, _ = directory.import_units(uow.session, directory.read_units_csv(io.StringIO(UNITS_CSV)))
        units_created = created
        for username, (full_name, grants) in USERS.items():
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                user = directory.add_user(uow.session, username, DEMO_PASSWORD, now=now, full_name=full_name)
                users_created += 1
            for role, unit in grants:
                directory.grant_role(uow.session, user, role, unit)
        uow.commit()
    meetings_created, cases_created = _replay(c, now, random.Random(seed))
    support = load_support_demo(c, now, random.Random(seed))
    # Reception days, dialogues, Tổ dân vận teams and disputes (web.demo_programmes).
    load_programmes(c, now, DEMO_PASSWORD)
    return DemoResult(units_created, users_created, meetings_created, cases_created, support)


def _replay(c: Container, now: datetime, rng: random.Random) -> tuple[int, int]:
    clock = FrozenClock(now)
    service = c.with_clock(clock).cases
    with c.sessions() as session:
        actors = {u: directory.actor_for(session, u) for u in USERS}
    with c.sessions() as session:
        done = set(session.scalars(select(Case.content).where(Case.content.in_([o[3] for o in OPINIONS]))))
        if len(done) == len(OPINIONS):
            return 0, 0
        old = list(session.scalars(select(Meeting).where(Meeting.place.like("Nhà văn hóa %")).order_by(Meeting.id)))
    meetings = 0
    # Two first-Monday meetings per commune, about seven and three weeks ago.
    held = {commune: [now - timedelta(days=d + rng.randint(0, 3)) for d in (42, 6)] for commune in ("TAMNGAI", "PTV")}
    meeting_ids: dict[str, list[int]] = {}
    for m in old:
        commune = "TAMNGAI" if "Ngãi Lợi" in m.place else "PTV"
        meeting_ids.setdefault(commune, []).append(m.id)
        held[commune][len(meeting_ids[commune]) - 1] = datetime.combine(m.held_on, time(8), LOCAL_TZ)
    with c.cases.uow() as uow:
        for commune, days in held.items():
            if commune in meeting_ids:
                continue
            for when in days:
                m = Meeting(programme="nghe-dan-noi", held_on=when.astimezone(LOCAL_TZ).date(),
                            unit_id=directory.unit_by_code(uow.session, commune).id,
                            place="Nhà văn hóa " + ("ấp Ngãi Lợi A" if commune == "TAMNGAI" else "khóm 1"),
                            hosts="Bí thư Đảng ủy, Chủ tịch UBND", attendees=rng.randint(35, 90), created_at=now)
                uow.session.add(m)
                uow.session.flush()
                meeting_ids.setdefault(commune, []).append(m.id)
                meetings += 1
        uow.commit()
    created = 0
    for i, (village, topic, kind, content) in enumerate(OPINIONS):
        if content in done:
            continue
        commune = village.split("-")[0]
        which = i % 2
        received = held[commune][which].astimezone(LOCAL_TZ).replace(hour=8, minute=30 + i % 25)
        clock.set(received)
        programme = "moi-tuan-mot-diem-den" if i % 7 == 6 else "nghe-dan-noi"
        snap = service.create(actors["canbo"], NewCase(
            workflow=programme, unit=village, topic=topic, kind=kind, content=content,
            channel="meeting" if programme == "nghe-dan-noi" else "home_visit",
            citizen_name=None if kind == "to_cao" else f"Công dân {i + 1:02d}",
            meeting_id=meeting_ids[commune][which] if programme == "nghe-dan-noi" else None))
        created += 1
        path = _paths(f"{commune}-KT")[i % 9]
        for days, who, trigger, data in path:
            clock.set(clock.now() + timedelta(days=days, hours=2))
            if clock.now() >= now:
                break
            try:
                service.fire(actors[who], snap.code, trigger, data)
            except DomainError:
                break  # a path step the programme does not offer; the case stays where it is
    return meetings, created
