"""A month of opinions in the test world, built through the real services, with the
figures a report must show worked out by hand. Shared by the report, export, web and
audit tests (this module holds no tests itself).

October 2026 (Thursday 1 to Saturday 31, no public holiday), clock set per action:

====  ====  ===================  ==============================================  =========================
case  unit  topic / programme    history                                         status at 31/10 24:00
====  ====  ===================  ==============================================  =========================
c1    A1    dien_nuoc            recv 05/10, on the spot, verified 😊, resolved   resolved on time
c2    A2    dat_dai              recv 06/10, escalated to A-KT, answered,        resolved on time
                                 verified ☹, resolved
c3    A1    giao_thong           recv **01/10 00:30 local** (30/09 UTC),          escalated, still overdue
                                 escalated 02/10 with appointment 09/10
c4    B1    dien_nuoc            recv **30/09 23:30 local** (30/09 UTC)           September, not October
c5    A1    y_te                 recv 12/10 (due 26/10), extended +3 wd on 20/10, resolved, extended
                                 answered on the spot 28/10, verified 😊, resolved
c6    A2    moi_truong           recv 01/10 (due 14/10), on the spot 16/10 (late) resolved late
                                 verified 😊, resolved
c7    B1    an_ninh_trat_tu      recv 20/10, withdrawn 21/10                     closed otherwise
c8    B1    dien_nuoc (mỗi tuần) recv 30/10, on the spot 30/10, closed 02/11      answered, open
c9    P-SO  khac                 recv 26/10 (due 09/11)                          received, open
====  ====  ===================  ==============================================  =========================

Meetings: A1 05/10 nghe-dan-noi 40 people, A2 05/10 nghe-dan-noi 35, A1 19/10 mỗi tuần
10, B 06/10 nghe-dan-noi 50; outside October: B1 28/09 (20), A1 02/11 (15).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from engine.services.meetings import MeetingService, NewMeeting

from .conftest import HCM

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
NDN, MT = "nghe-dan-noi", "moi-tuan-mot-diem-den"


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=HCM)


@dataclass
class October:
    codes: dict[str, str]
    meetings: list[int]


def build_october(world, service, clock, workflows) -> October:  # type: ignore[no-untyped-def]
    w = world
    codes: dict[str, str] = {}

    def new(name: str, when: datetime, who: str, unit: str, topic: str, received: datetime | None = None,
            **kw: object) -> str:
        clock.set(when)
        snap = w.new_case(who, unit, topic=topic, received_at=(received or when).isoformat(), **kw)
        codes[name] = snap.code
        return snap.code

    def fire(when: datetime, who: str, name: str, trigger: str, **data: object) -> None:
        clock.set(when)
        service.fire(w[who], codes[name], trigger, data)

    new("c1", at(2026, 10, 5), "off_a", "A1", "dien_nuoc")
    fire(at(2026, 10, 5, 10), "off_a", "c1", "answer_on_site", answer="Đã cho thau rửa bể lọc")
    fire(at(2026, 10, 6), "lead_a", "c1", "verify", satisfaction="satisfied", note="Dân đồng ý")
    fire(at(2026, 10, 7), "off_a", "c1", "resolve")

    new("c2", at(2026, 10, 6), "off_a", "A2", "dat_dai")
    fire(at(2026, 10, 7), "off_a", "c2", "escalate", target_unit="A-KT", reason="Thuộc thẩm quyền phòng")
    fire(at(2026, 10, 8), "off_kt", "c2", "answer", answer="Đã đo đạc lại ranh đất")
    fire(at(2026, 10, 9), "lead_a", "c2", "verify", satisfaction="not_satisfied", note="Dân chưa đồng ý")
    fire(at(2026, 10, 12), "off_a", "c2", "resolve")

    new("c3", at(2026, 10, 1, 8), "off_a", "A1", "giao_thong", received=at(2026, 10, 1, 0, 30))
    fire(at(2026, 10, 2), "off_a", "c3", "escalate", target_unit="A-KT", reason="Cần khảo sát",
         appointment=at(2026, 10, 9, 17).isoformat())

    new("c4", at(2026, 10, 1, 8), "off_b", "B1", "dien_nuoc", received=at(2026, 9, 30, 23, 30))

    new("c5", at(2026, 10, 12), "off_a", "A1", "y_te")
    clock.set(at(2026, 10, 20))
    service.extend(w["lead_a"], codes["c5"], 3, "Chờ kết quả xét nghiệm")
    fire(at(2026, 10, 28), "off_a", "c5", "answer_on_site", answer="Trạm y tế đã bố trí thuốc")
    fire(at(2026, 10, 28, 10), "lead_a", "c5", "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 10, 28, 11), "off_a", "c5", "resolve")

    new("c6", at(2026, 10, 1), "off_a", "A2", "moi_truong")
    fire(at(2026, 10, 16), "off_a", "c6", "answer_on_site", answer="Đã nhắc hộ chăn nuôi")
    fire(at(2026, 10, 16, 10), "lead_a", "c6", "verify", satisfaction="satisfied", note="Ổn")
    fire(at(2026, 10, 16, 11), "off_a", "c6", "resolve")

    new("c7", at(2026, 10, 20), "off_b", "B1", "an_ninh_trat_tu")
    fire(at(2026, 10, 21), "off_b", "c7", "withdraw", reason="Người dân tự hòa giải")

    new("c8", at(2026, 10, 30), "off_b", "B1", "dien_nuoc", workflow=MT)
    fire(at(2026, 10, 30, 10), "off_b", "c8", "answer_on_site", answer="Đã báo điện lực")
    fire(at(2026, 11, 2), "off_b", "c8", "close", note="Đã có điện")

    new("c9", at(2026, 10, 26), "off_so", "P-SO", "khac")

    clock.set(at(2026, 11, 23))
    meetings = MeetingService(service)
    ids = []
    for unit, day, programme, people, who in (
        ("A1", date(2026, 10, 5), NDN, 40, "off_a"), ("A2", date(2026, 10, 5), NDN, 35, "off_a"),
        ("A1", date(2026, 10, 19), MT, 10, "off_a"), ("B", date(2026, 10, 6), NDN, 50, "off_b"),
        ("B1", date(2026, 9, 28), NDN, 20, "off_b"), ("A1", date(2026, 11, 2), NDN, 15, "off_a"),
    ):
        ids.append(meetings.record(w[who], NewMeeting(programme=programme, held_on=day, unit=unit,
                                                      attendees=people)).meeting.id)
    return October(codes, ids)


# The October report for the province, worked out by hand from the table above.
# c2 (A2 → A-KT) and c3 (A1 → A-KT) went to a department of their own commune.
OCTOBER_TOTALS = dict(received=8, answered_on_site=4, escalated=2, transferred_within=2, proposed_higher=0, resolved=4,
                      closed_other=1, on_time=2,
                      extended=1, late=1, still_overdue=1, satisfied=3, not_satisfied=1)
OCTOBER_MEETINGS = dict(meetings=4, attendees=135, participations=0, units=3)
