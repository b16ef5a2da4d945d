"""Home visits ("Mỗi tuần một điểm đến"): a team visits households of a village and
notes what they hear; every opinion becomes a case on channel ``home_visit``.

``record`` writes the visit, its opinions (created through the case service's
``create_within``, so each has its history, deadline and timers) and their link in
one transaction of the case service, or nothing. The officials who took part are
users (by username) or names of people without an account. ``coverage`` is the
weekly board: villages with fewer households visited this week (Monday to Sunday,
local) than the programme's minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..calendar import LOCAL_TZ
from ..errors import InvalidField, NotFound, UnitNotAllowed
from ..models import Case, HomeVisit, HomeVisitCase, Unit, User, path_under
from ..queries import scope_clause
from ..support.amounts import parse_count
from ..support.vocab import CATEGORIES
from ..uow import UnitOfWork
from .cases import NewCase
from .fields import clean_text, optional_text
from .fund import FundService, parse_day
from .support_scope import commune_of, may_record, readable_unit, unit_for

__all__ = ["VISIT_WORKFLOW", "NewVisit", "VisitOpinion", "VisitView", "VillageCoverage", "VisitService",
           "week_of", "MAX_OFFICIALS", "MAX_VISIT_OPINIONS"]

VISIT_WORKFLOW = "moi-tuan-mot-diem-den"
MAX_OFFICIALS = 30
MAX_VISIT_OPINIONS = 30
VISIT_TIME = time(8, 0)


@dataclass(frozen=True)
class VisitOpinion:
    topic: str
    content: str
    kind: str = "kien_nghi"
    citizen_name: str | None = None
    citizen_phone: str | None = None


@dataclass(frozen=True)
class NewVisit:
    village: str
    visited_on: date | str
    households: Mapping[str, Any]  # category → households
    officials: Sequence[str]  # usernames, or names of people without an account
    opinions: Sequence[VisitOpinion] = field(default=())
    note: str | None = None


@dataclass(frozen=True)
class VisitView:
    id: int
    visited_on: date
    village: str
    village_name: str
    commune: str
    households: dict[str, int]
    officials: tuple[str, ...]
    cases: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class VillageCoverage:
    code: str
    name: str
    households: int
    minimum: int

    @property
    def short(self) -> bool:
        return self.households < self.minimum


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


class VisitService:
    def __init__(self, fund: FundService) -> None:
        self.fund = fund
        self.cases = fund.cases

    def _officials(self, session: Session, given: Any) -> list[dict[str, Any]]:
        if isinstance(given, str) or not isinstance(given, (list, tuple)):
            raise InvalidField(field="officials", problem_vi="danh sách cán bộ tham gia", problem_en="a list of officials")
        out: list[dict[str, Any]] = []
        for item in given:
            text = optional_text("official", item)
            if text is None:
                continue
            user = session.scalar(select(User).where(User.username == text, User.is_active.is_(True))) \
                if len(text) <= 64 else None
            entry = {"user": user.username, "name": user.full_name or user.username} if user else {"user": None, "name": text}
            if entry not in out:
                out.append(entry)
        if not out:
            raise InvalidField(field="officials", problem_vi="cần ít nhất một cán bộ tham gia",
                               problem_en="at least one official took part")
        if len(out) > MAX_OFFICIALS:
            raise InvalidField(field="officials", problem_vi=f"tối đa {MAX_OFFICIALS} người",
                               problem_en=f"at most {MAX_OFFICIALS} people")
        return out

    @staticmethod
    def _households(given: Any) -> dict[str, int]:
        if not isinstance(given, Mapping):
            raise InvalidField(field="households", problem_vi="số hộ theo từng nhóm", problem_en="households by category")
        out: dict[str, int] = {}
        for key, value in given.items():
            if key not in CATEGORIES:
                raise InvalidField(field="households", problem_vi=f"nhóm hộ phải là một trong: {', '.join(CATEGORIES)}",
                                   problem_en=f"a category is one of: {', '.join(CATEGORIES)}")
            count = parse_count(f"households.{key}", value, maximum=500)
            if count:
                out[key] = count
        if not 1 <= sum(out.values()) <= 500:
            raise InvalidField(field="households", problem_vi="cần từ 1 đến 500 hộ được thăm",
                               problem_en="1 to 500 households visited")
        return out

    def record_within(self, uow: UnitOfWork, actor: Actor, new: NewVisit) -> tuple[HomeVisit, list[str]]:
        session, now = uow.session, self.cases.clock.now()
        today = now.astimezone(LOCAL_TZ).date()
        visited_on = parse_day("visited_on", new.visited_on, today)
        village = unit_for(session, "village", new.village, visited_on)
        if village.level != "village":
            raise InvalidField(field="village", problem_vi="phải là thôn, ấp, khóm, tổ dân phố", problem_en="must be a village")
        if not may_record(actor, village):
            raise UnitNotAllowed(field="village", problem_vi="bạn không được ghi thăm hộ cho đơn vị này",
                                 problem_en="you may not record visits for this unit")
        households = self._households(new.households)
        officials = self._officials(session, new.officials)
        opinions = list(new.opinions) if isinstance(new.opinions, (list, tuple)) else None
        if opinions is None or len(opinions) > MAX_VISIT_OPINIONS:
            raise InvalidField(field="opinions", problem_vi=f"tối đa {MAX_VISIT_OPINIONS} ý kiến",
                               problem_en=f"at most {MAX_VISIT_OPINIONS} opinions")
        visit = HomeVisit(visited_on=visited_on, village_id=village.id, commune_id=commune_of(session, "village", village).id,
                          households_by_category=households, households=sum(households.values()), officials=officials,
                          official_count=len(officials), opinion_count=len(opinions),
                          note=optional_text("note", new.note) or "", created_at=now, created_by_id=actor.user_id)
        session.add(visit)
        session.flush()
        received_at = min(now, datetime.combine(visited_on, VISIT_TIME, LOCAL_TZ))
        items = []
        for row, o in enumerate(opinions, start=1):
            if not isinstance(o, VisitOpinion):
                raise InvalidField(field=f"opinions.{row}", problem_vi="ý kiến không hợp lệ", problem_en="not an opinion")
            items.append(NewCase(workflow=VISIT_WORKFLOW, unit=village.code, topic=o.topic, kind=o.kind,
                                 content=clean_text("content", o.content), channel="home_visit",
                                 citizen_name=o.citizen_name, citizen_phone=o.citizen_phone, received_at=received_at))
        created = self.cases.create_within(uow, actor, items) if items else []
        codes = [snap.code for snap in created]
        if codes:
            ids = dict(session.execute(select(Case.code, Case.id).where(Case.code.in_(codes))).all())
            session.add_all([HomeVisitCase(visit_id=visit.id, case_id=ids[c]) for c in codes])
            session.flush()
        return visit, codes

    def record(self, actor: Actor, new: NewVisit) -> VisitView:
        def work(uow: UnitOfWork) -> VisitView:
            visit, codes = self.record_within(uow, actor, new)
            return self.view(uow.session, visit, tuple(codes))
        return self.cases.within(work)

    @staticmethod
    def view(session: Session, visit: HomeVisit, codes: tuple[str, ...]) -> VisitView:
        commune = session.get(Unit, visit.commune_id)
        assert commune is not None
        return VisitView(id=visit.id, visited_on=visit.visited_on, village=visit.village.code,
                         village_name=visit.village.name, commune=commune.code,
                         households=dict(visit.households_by_category), officials=tuple(o["name"] for o in visit.officials),
                         cases=codes, note=visit.note)

    def get(self, actor: Actor, visit_id: Any) -> VisitView:
        with self.cases.uow(write=False) as uow:
            session = uow.session
            visit = session.get(HomeVisit, visit_id) if isinstance(visit_id, int) and 0 < visit_id < 2**31 else None
            if visit is None or not (actor.is_system or actor.covers(visit.village.path)):
                raise NotFound(what="chuyến thăm / visit", key=str(visit_id)[:12])
            codes = tuple(session.scalars(select(Case.code).join(HomeVisitCase, HomeVisitCase.case_id == Case.id)
                                          .where(HomeVisitCase.visit_id == visit.id, scope_clause(actor))
                                          .order_by(Case.id)))
            return self.view(session, visit, codes)

    def coverage_within(self, session: Session, unit: Unit, day: date, minimum: int) -> list[VillageCoverage]:
        monday, sunday = week_of(day)
        visited = (select(HomeVisit.village_id, func.sum(HomeVisit.households).label("n"))
                   .where(HomeVisit.visited_on >= monday, HomeVisit.visited_on <= sunday)
                   .group_by(HomeVisit.village_id).subquery())
        rows = session.execute(
            select(Unit, func.coalesce(visited.c.n, 0)).outerjoin(visited, visited.c.village_id == Unit.id)
            .where(path_under(Unit.path, unit.path), Unit.level == "village").order_by(Unit.code))
        return [VillageCoverage(v.code, v.name, int(n), minimum) for v, n in rows if v.is_valid_on(day)]

    def coverage(self, actor: Actor, unit_code: Any, day: date, minimum: int) -> list[VillageCoverage]:
        """Every village under the unit with the households visited in ``day``'s week."""
        with self.cases.uow(write=False) as uow:
            return self.coverage_within(uow.session, readable_unit(uow.session, actor, unit_code), day, minimum)
