"""DESIGN.md's Cầu Kè district, first six months of 2024: 55 meetings in 11 communes,
1,146 attendees, 252 opinions, all resolved — recorded through the real services
(meetings, opinions heard at them, answered on the spot, checked and closed), and
the report shows exactly those figures in JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from engine.actors import SYSTEM
from engine.clock import FrozenClock
from engine.models import RoleGrant, User
from engine.reports import Period, ReportRequest, build_report
from engine.reports.export import report_csv, report_json, report_xlsx
from engine.services import directory
from engine.services.cases import CaseService, NewCase
from engine.services.meetings import MeetingService, NewMeeting

from .conftest import HCM
from .world import _password_hash

COMMUNES = ["Thị trấn Cầu Kè", "Hòa Ân", "Châu Điền", "An Phú Tân", "Hòa Tân", "Ninh Thới", "Phong Phú",
            "Phong Thạnh", "Tam Ngãi", "Thông Hòa", "Thạnh Phú"]
TOPICS = ["giao_thong", "dat_dai", "moi_truong", "an_sinh_xa_hoi", "dien_nuoc", "nguoi_co_cong", "y_te"]


def test_cau_ke_first_half_of_2024(sessions, workflows):
    clock = FrozenClock(datetime(2024, 1, 2, 8, 0, tzinfo=HCM))
    service = CaseService(sessions, workflows, clock)
    units = "code,name,level,parent_code\nTV,Tỉnh Trà Vinh,province,\nCK,Huyện Cầu Kè,district,TV\n" + "".join(
        f"CK{i:02d},{name},commune,CK\n" for i, name in enumerate(COMMUNES, start=1))
    with service.uow() as uow:
        directory.import_units(uow.session, directory.read_units_csv(io.StringIO(units)))
        user = User(username="canbo_ck", password_hash=_password_hash(), created_at=clock.now())
        boss = User(username="lanhdao_ck", password_hash=_password_hash(), created_at=clock.now())
        uow.session.add_all([user, boss])
        uow.session.flush()
        ck = directory.unit_by_code(uow.session, "CK").id
        uow.session.add_all([RoleGrant(user_id=user.id, role="official", unit_id=ck),
                             RoleGrant(user_id=boss.id, role="leader", unit_id=ck)])
        uow.commit()
    with sessions() as s:
        official, leader = directory.actor_for(s, "canbo_ck"), directory.actor_for(s, "lanhdao_ck")
    meetings = MeetingService(service)

    # 55 meetings, five per commune, on first Mondays (none in May);
    # 1,146 people (20 or 21 each) and 252 opinions (4 or 5 each).
    attendees = [21 if i < 46 else 20 for i in range(55)]
    opinions = [5 if i < 32 else 4 for i in range(55)]
    assert (sum(attendees), sum(opinions)) == (1146, 252)
    first_mondays = [date(2024, 1, 8), date(2024, 2, 5), date(2024, 3, 4), date(2024, 4, 1), date(2024, 5, 6),
                     date(2024, 6, 3)]
    n = 0
    for i in range(55):
        commune = f"CK{i % 11 + 1:02d}"
        held = first_mondays[i // 11 + (1 if i >= 44 else 0)]
        clock.set(datetime.combine(held, datetime.min.time(), HCM) + timedelta(hours=8))
        meeting = meetings.record(official, NewMeeting(programme="nghe-dan-noi", held_on=held, unit=commune,
                                                       attendees=attendees[i], place="Hội trường ấp")).meeting
        clock.advance(timedelta(hours=1))
        snaps = service.create_many(official, [
            NewCase(workflow="nghe-dan-noi", unit=commune, topic=TOPICS[(n + k) % len(TOPICS)], kind="kien_nghi",
                    content=f"Ý kiến số {n + k + 1}", meeting_id=meeting.id, citizen_name="Thạch Thị Sa Rết")
            for k in range(opinions[i])])
        n += len(snaps)
        for snap in snaps:  # the whole mission: answered at once, checked, closed
            clock.advance(timedelta(minutes=5))
            service.fire(official, snap.code, "answer_on_site", {"answer": "Đã giải thích chính sách"})
            service.fire(leader, snap.code, "verify", {"satisfaction": "satisfied", "note": "Dân đồng tình"})
            service.fire(official, snap.code, "resolve")
    clock.set(datetime(2024, 7, 5, 9, 0, tzinfo=HCM))

    with service.uow(write=False) as uow:
        rep = build_report(uow.session, SYSTEM, ReportRequest(Period.preset("2024-H1"), "CK"), now=clock.now())

    data = json.loads(report_json(rep))
    assert data["meetings"] == {"meetings": 55, "attendees": 1146, "participations": 0, "units": 11}
    assert (data["totals"]["received"], data["totals"]["resolved"], data["totals"]["share_resolved"]) == (252, 252, 100.0)
    assert (data["totals"]["answered_on_site"], data["totals"]["on_time"], data["totals"]["still_overdue"]) == (252, 252, 0)
    assert len(data["by_unit"]) == 11 and sum(r["meetings"]["meetings"] for r in data["by_unit"]) == 55
    assert [r["received"] for r in data["by_month"]] == [sum(opinions[i] for i in range(55) if month(i) == m)
                                                         for m in range(1, 7)]

    rows = list(csv.reader(io.StringIO(report_csv(rep).encode("utf-8").decode("utf-8-sig"))))
    total = dict(zip(rows[0], rows[1]))
    # Vietnamese numbers: a dot between thousands, a decimal comma (engine.numbers).
    assert (total["Số buổi tiếp xúc, đối thoại"], total["Số lượt người dân dự"], total["Số đơn vị tổ chức"]) == (
        "55", "1.146", "11")
    assert (total["Số ý kiến tiếp nhận"], total["Đã giải quyết xong – cuối kỳ"],
            total["Tỷ lệ giải quyết (%) – cuối kỳ"]) == ("252", "252", "100,0")

    sheet = load_workbook(io.BytesIO(report_xlsx(rep)))["Tổng hợp"]
    figures = {sheet.cell(r, 2).value: (sheet.cell(r, 3).value, sheet.cell(r, 4).value)
               for r in range(1, sheet.max_row + 1)}
    assert figures["Số buổi tiếp xúc, đối thoại"][0] == 55
    assert figures["Số lượt người dân tham dự"][0] == 1146
    assert figures["Số đơn vị tổ chức"][0] == 11
    assert figures["Tổng số ý kiến, kiến nghị tiếp nhận"] == (252, 100.0)
    assert figures["Đã giải quyết xong"] == (252, 100.0)
    assert "Đơn vị: Huyện Cầu Kè" in [sheet.cell(r, 1).value for r in range(1, 10)]


def month(i: int) -> int:
    return i // 11 + (1 if i >= 44 else 0) + 1
