"""Support activities ("Làm dân tin"): the afternoon's gifts, houses, sanitation works
and volunteer labour, recorded by the officials over the unit.

``record_within`` is the one way in: it checks every field (``engine.support.amounts``
for money, kilometres and counts, ``engine.services.fields`` for text) and, for an
activity paid from the fund, writes its spending entry in the same transaction
(``engine.services.fund``: refused when it exceeds the balance, so the activity is
not recorded either). ``record_afternoon`` writes a meeting's afternoon — all its
activities — in one transaction of the case service, or nothing.

Beneficiaries' names are optional and private (``engine.disclosure.beneficiaries_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..disclosure import beneficiaries_for
from ..errors import InvalidField, NotFound, UnitNotAllowed
from ..models import FundEntry, Meeting, SupportActivity, Unit, path_under
from ..support.amounts import parse_count, parse_dong, parse_km
from ..support.vocab import ACTIVITY_KINDS, CATEGORIES, FUND, GIFT, HOUSE_REPAIR, LABOUR_KINDS, NEW_HOUSE, SANITATION, SOURCES
from ..uow import UnitOfWork
from .fields import choice, optional_text
from .fund import FundService, parse_day
from .support_scope import commune_of, may_record, readable_unit, unit_for

__all__ = ["NewActivity", "ActivityView", "SupportService", "MAX_AFTERNOON"]

MAX_AFTERNOON = 50  # activities one form may send


@dataclass(frozen=True)
class NewActivity:
    kind: str
    unit: str | None = None  # default: the meeting's unit
    held_on: date | str | None = None  # default: the meeting's day
    category: str = "other"
    households: Any = 0
    value: Any = 0
    source: str = FUND
    meeting_id: int | None = None
    participations: Any = 0
    length_km: Any = None
    houses: Any = 0
    description: str | None = None
    beneficiaries: str | None = None


@dataclass(frozen=True)
class ActivityView:
    id: int
    kind: str
    held_on: date
    unit: str
    commune: str
    meeting_id: int | None
    category: str
    households: int
    value: int
    source: str
    participations: int
    length_m: int
    houses: int
    description: str
    beneficiaries: str | None  # as the reader may see them
    fund_entry_seq: int | None


def _needs(field: str, vi: str, en: str) -> InvalidField:
    return InvalidField(field=field, problem_vi=vi, problem_en=en)


class SupportService:
    def __init__(self, fund: FundService) -> None:
        self.fund = fund
        self.cases = fund.cases

    def record_within(self, uow: UnitOfWork, actor: Actor, new: NewActivity) -> SupportActivity:
        session, today = uow.session, self.fund.today()
        kind = choice("kind", new.kind, ACTIVITY_KINDS)
        meeting = None
        if new.meeting_id is not None:
            meeting = session.get(Meeting, new.meeting_id) \
                if isinstance(new.meeting_id, int) and 0 < new.meeting_id < 2**31 else None
            if meeting is None or not actor.covers(meeting.unit.path):
                raise InvalidField(field="meeting_id", problem_vi="không có buổi tiếp xúc này",
                                   problem_en="no such meeting")
        held_on = parse_day("held_on", new.held_on if new.held_on is not None else
                            (meeting.held_on if meeting else None), today)
        unit = unit_for(session, "unit", new.unit if new.unit is not None else (meeting.unit.code if meeting else None),
                        held_on)
        if not may_record(actor, unit):
            raise UnitNotAllowed(field="unit", problem_vi="bạn không được ghi hoạt động cho đơn vị này",
                                 problem_en="you may not record activities for this unit")
        commune = commune_of(session, "unit", unit)
        if meeting is not None and not meeting.unit.path.startswith(commune.path):
            raise InvalidField(field="meeting_id", problem_vi="buổi tiếp xúc của xã khác",
                               problem_en="a meeting of another commune")
        activity = SupportActivity(
            kind=kind, held_on=held_on, unit_id=unit.id, commune_id=commune.id,
            meeting_id=meeting.id if meeting else None, category=choice("category", new.category, CATEGORIES),
            households=parse_count("households", new.households), value=parse_dong("value", new.value),
            source=choice("source", new.source, SOURCES), participations=parse_count("participations", new.participations),
            length_m=parse_km("length_km", new.length_km), houses=parse_count("houses", new.houses, maximum=1000),
            description=optional_text("description", new.description) or "",
            beneficiaries=optional_text("beneficiaries", new.beneficiaries),
            created_at=self.cases.clock.now(), created_by_id=actor.user_id,
        )
        self._check_shape(activity)
        session.add(activity)
        session.flush()
        if activity.source == FUND and activity.value > 0:
            self.fund.append_within(uow, actor, commune, on_date=held_on, kind="spending", amount=-activity.value,
                                    purpose=kind, meeting_id=activity.meeting_id, activity_id=activity.id,
                                    note=activity.description[:400])
        return activity

    @staticmethod
    def _check_shape(a: SupportActivity) -> None:
        """What each kind must say to count in the field's report."""
        if a.kind in (GIFT, SANITATION) and a.households < 1:
            raise _needs("households", "cần số hộ được hỗ trợ (ít nhất 1)", "give the households helped (at least 1)")
        if a.kind in (NEW_HOUSE, HOUSE_REPAIR):
            if a.houses < 1:
                raise _needs("houses", "cần số căn nhà (ít nhất 1)", "give the number of houses (at least 1)")
            if a.households < a.houses:
                a.households = a.houses  # a house is a household's
        if a.kind in LABOUR_KINDS and a.participations < 1:
            raise _needs("participations", "cần số lượt người tham gia", "give the volunteer participations")
        if a.kind not in LABOUR_KINDS and a.length_m:
            raise _needs("length_km", "chỉ lao động tình nguyện mới ghi độ dài",
                         "only volunteer labour has a length")
        if a.source == FUND and a.value <= 0 and a.kind not in LABOUR_KINDS:
            raise _needs("value", "chi từ quỹ cần số tiền", "spending from the fund needs an amount")

    def record(self, actor: Actor, new: NewActivity) -> ActivityView:
        return self.cases.within(lambda uow: self.view(uow.session, actor, self.record_within(uow, actor, new)))

    def afternoon_within(self, uow: UnitOfWork, actor: Actor, meeting_id: int,
                         items: Sequence[NewActivity]) -> list[SupportActivity]:
        """The afternoon of a meeting: every activity linked to it, or none."""
        if not items:
            raise _needs("activities", "chưa có hoạt động nào", "no activities")
        if len(items) > MAX_AFTERNOON:
            raise _needs("activities", f"tối đa {MAX_AFTERNOON} hoạt động", f"at most {MAX_AFTERNOON} activities")
        written = []
        for row, item in enumerate(items, start=1):
            try:
                written.append(self.record_within(uow, actor, replace(item, meeting_id=meeting_id)))
            except InvalidField as err:
                raise InvalidField(field=f"{row}.{err.params['field']}", problem_vi=f"dòng {row}: {err.params['problem_vi']}",
                                   problem_en=f"row {row}: {err.params['problem_en']}") from None
        return written

    def record_afternoon(self, actor: Actor, meeting_id: int, items: Sequence[NewActivity]) -> list[ActivityView]:
        def work(uow: UnitOfWork) -> list[ActivityView]:
            return [self.view(uow.session, actor, a) for a in self.afternoon_within(uow, actor, meeting_id, items)]
        return self.cases.within(work)

    # -- reading ------------------------------------------------------------------

    @staticmethod
    def view(session: Session, actor: Actor, a: SupportActivity) -> ActivityView:
        commune = session.get(Unit, a.commune_id)
        assert commune is not None
        seq = session.scalar(select(FundEntry.seq).where(FundEntry.activity_id == a.id, FundEntry.kind == "spending"))
        return ActivityView(
            id=a.id, kind=a.kind, held_on=a.held_on, unit=a.unit.code, commune=commune.code, meeting_id=a.meeting_id,
            category=a.category, households=a.households, value=a.value, source=a.source,
            participations=a.participations, length_m=a.length_m, houses=a.houses, description=a.description,
            beneficiaries=beneficiaries_for(actor, a.unit.path, a.beneficiaries), fund_entry_seq=seq)

    def list(self, actor: Actor, unit_code: Any, start: date, end: date, *, limit: int = 500) -> list[ActivityView]:
        with self.cases.uow(write=False) as uow:
            session = uow.session
            unit = readable_unit(session, actor, unit_code)
            rows = session.scalars(select(SupportActivity).join(Unit, Unit.id == SupportActivity.unit_id)
                                   .where(path_under(Unit.path, unit.path), SupportActivity.held_on >= start,
                                          SupportActivity.held_on <= end)
                                   .order_by(SupportActivity.held_on.desc(), SupportActivity.id.desc()).limit(limit))
            return [self.view(session, actor, a) for a in rows]

    def get(self, actor: Actor, activity_id: Any) -> ActivityView:
        with self.cases.uow(write=False) as uow:
            a = uow.session.get(SupportActivity, activity_id) if isinstance(activity_id, int) and 0 < activity_id < 2**31 else None
            if a is None or not (actor.is_system or actor.covers(a.unit.path)):
                raise NotFound(what="hoạt động / activity", key=str(activity_id)[:12])
            return self.view(uow.session, actor, a)
