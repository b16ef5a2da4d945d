"""The demo's month of "Làm dân tin" and "Mỗi tuần một điểm đến": the Monday
collections into each commune's fund, the afternoons' gifts, a house repair and
volunteer labour (gifts paid from the fund), and weekly home visits — one village
left short this week, so the leader's board has something to show. Replayed on a
frozen clock through the services, like the rest of the demo; loaded once."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from engine.calendar import LOCAL_TZ
from engine.clock import FrozenClock
from engine.models import Meeting, SupportActivity
from engine.services import directory
from engine.services.fund import NewIncome
from engine.services.support import NewActivity
from engine.services.visits import NewVisit, VisitOpinion

from .container import Container

__all__ = ["load_support_demo"]

COMMUNES = {"TAMNGAI": ("TAMNGAI-A", "TAMNGAI-B", "TAMNGAI-SR"), "PTV": ("PTV-K1", "PTV-K2", "PTV-K3")}
VISIT_OPINIONS = [("dien_nuoc", "Đường dây điện vào xóm bị võng thấp."),
                  ("an_sinh_xa_hoi", "Hỏi thủ tục trợ cấp cho người cao tuổi."),
                  ("giao_thong", "Đường đal vào xóm bị sụt lún một đoạn.")]


def _mondays(today: date, weeks: int) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=w) for w in range(weeks, -1, -1) if monday - timedelta(weeks=w) < today]


def load_support_demo(c: Container, now: datetime, rng: random.Random) -> int:
    """Records written (activities, fund entries and visits); 0 when already loaded."""
    with c.sessions() as session:
        if session.scalar(select(func.count()).select_from(SupportActivity)):
            return 0
        canbo = directory.actor_for(session, "canbo")
        meetings = {(m.unit.code, m.held_on): m.id for m in session.scalars(select(Meeting))}
    clock = FrozenClock(now)
    demo = c.with_clock(clock)
    today = now.astimezone(LOCAL_TZ).date()
    this_monday = today - timedelta(days=today.weekday())
    written = 0
    for monday in _mondays(today, 4):
        clock.set(datetime.combine(monday, time(14), LOCAL_TZ))
        if clock.now() > now:
            continue
        for commune, villages in COMMUNES.items():
            demo.fund.record_income(canbo, NewIncome(commune, monday, rng.randint(15, 30) * 100_000,
                                                     note="Thu tại lễ chào cờ sáng thứ Hai"))
            meeting = meetings.get((commune, monday))
            demo.support.record(canbo, NewActivity(
                kind="gift", unit=rng.choice(villages), held_on=monday, category=rng.choice(["poor", "policy"]),
                households=rng.randint(1, 2), value=rng.randint(3, 6) * 100_000, source="fund", meeting_id=meeting,
                beneficiaries="Hộ ông Thạch Văn Sơn"))
            demo.support.record(canbo, NewActivity(
                kind="cleaning", unit=rng.choice(villages), held_on=monday, participations=rng.randint(30, 80),
                length_km=f"{rng.randint(1, 4)},{rng.randint(0, 9)}", source="budget", meeting_id=meeting,
                description="Phát quang, dọn vệ sinh tuyến đường liên ấp"))
            written += 3
            # Visits in the week: every village but the last one of the current week.
            for i, village in enumerate(villages):
                day = monday + timedelta(days=2 + i)
                if day >= today or (monday == this_monday and i == len(villages) - 1):
                    continue
                clock.set(datetime.combine(day, time(9), LOCAL_TZ))
                topic, text = VISIT_OPINIONS[(i + monday.day) % len(VISIT_OPINIONS)]
                demo.visits.record(canbo, NewVisit(
                    village=village, visited_on=day, households={"poor": 1, "elderly_alone": rng.randint(1, 2)},
                    officials=["canbo", "lanhdao", "Chủ tịch UBMTTQ xã"],
                    opinions=(VisitOpinion(topic=topic, content=f"{text} ({day:%d/%m})"),) if rng.random() < 0.5 else ()))
                written += 1
    commune = "TAMNGAI"
    clock.set(now)
    demo.support.record(canbo, NewActivity(kind="house_repair", unit="TAMNGAI-SR", held_on=today - timedelta(days=3),
                                           houses=1, value="18,5 triệu", source="socialised", category="elderly_alone",
                                           description=f"Sửa mái nhà, xã {commune} vận động"))
    return written + 1
