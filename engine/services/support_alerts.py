"""Targets of the programmes and the alerts when they are not met.

* **Gifts** ("Làm dân tin"): each commune should give ``gift_target`` gifts a month
  (default 2, ``NGHEDAN_SUPPORT_GIFT_TARGET``). From ``GIFT_ALERT_DAYS`` days before the
  month ends, a commune still short gets an alert to its leaders.
* **Coverage** ("Mỗi tuần một điểm đến"): every village should have ``minimum``
  households visited a week, Monday to Sunday (default 2,
  ``NGHEDAN_VISIT_MIN_HOUSEHOLDS``). From Friday ``COVERAGE_ALERT_FROM`` (local), a
  commune with villages short gets an alert naming them.

An alert is an outbox row per leader (``recipient_user_id``), written in one
transaction with a dedup key per commune, period and leader: the worker runs these
jobs every hour and each alert is written once. The time comes from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..calendar import LOCAL_TZ
from ..models import OutboxMessage, RoleGrant, SupportActivity, Unit, User, path_under
from ..support.vocab import GIFT
from .fund import FundService
from .visits import VisitService, week_of

__all__ = ["GIFT_ALERT_DAYS", "COVERAGE_ALERT_FROM", "GiftProgress", "gift_progress", "alert_gift_targets",
           "alert_coverage"]

GIFT_ALERT_DAYS = 5
COVERAGE_ALERT_FROM = time(13, 0)  # Friday afternoon


@dataclass(frozen=True)
class GiftProgress:
    commune: str
    name: str
    gifts: int
    target: int

    @property
    def met(self) -> bool:
        return self.gifts >= self.target


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def _communes(session: Session, under: str | None, day: date) -> list[Unit]:
    stmt = select(Unit).where(Unit.level == "commune").order_by(Unit.code)
    if under is not None:
        stmt = stmt.where(path_under(Unit.path, under))
    return [u for u in session.scalars(stmt) if u.is_valid_on(day)]


def gift_progress(session: Session, day: date, target: int, under: str | None = None) -> list[GiftProgress]:
    """Gifts of ``day``'s month in every commune (under the path ``under``)."""
    first, last = _month(day)
    gifts = dict(session.execute(
        select(SupportActivity.commune_id, func.sum(SupportActivity.households))
        .where(SupportActivity.kind == GIFT, SupportActivity.held_on >= first, SupportActivity.held_on <= last)
        .group_by(SupportActivity.commune_id)).tuples().all())
    return [GiftProgress(c.code, c.name, int(gifts.get(c.id) or 0), target) for c in _communes(session, under, day)]


def _leaders(session: Session, commune: Unit) -> list[int]:
    return list(session.scalars(select(RoleGrant.user_id).join(User, User.id == RoleGrant.user_id)
                                .where(RoleGrant.role == "leader", RoleGrant.unit_id == commune.id,
                                       User.is_active.is_(True)).order_by(RoleGrant.user_id)))


def _alert(session: Session, key: str, kind: str, commune: Unit, payload: dict[str, object], now) -> int:  # type: ignore[no-untyped-def]
    written = 0
    for user_id in _leaders(session, commune):
        dedup = f"{key}:{user_id}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup)) is None:
            session.add(OutboxMessage(dedup_key=dedup, kind=kind, recipient_user_id=user_id, unit_id=commune.id,
                                      payload={"unit": commune.code, **payload}, created_at=now))
            written += 1
    return written


def alert_gift_targets(fund: FundService, target: int) -> int:
    """Alerts for communes short of their gifts in the last days of the month."""
    now = fund.cases.clock.now()
    today = now.astimezone(LOCAL_TZ).date()
    first, last = _month(today)
    if (last - today).days >= GIFT_ALERT_DAYS or target <= 0:
        return 0

    def work(uow) -> int:  # type: ignore[no-untyped-def]
        session, written = uow.session, 0
        communes = {c.code: c for c in _communes(session, None, today)}
        for p in gift_progress(session, today, target):
            if not p.met:
                written += _alert(session, f"support:gifts:{p.commune}:{first:%Y-%m}", "support.gift_target",
                                  communes[p.commune], {"month": f"{first:%Y-%m}", "gifts": p.gifts,
                                                        "target": target}, now)
        return written
    return fund.cases.within(work)


def alert_coverage(visits: VisitService, minimum: int) -> int:
    """On Friday afternoon, alerts for communes with villages visited too little this week."""
    now = visits.cases.clock.now()
    local = now.astimezone(LOCAL_TZ)
    if local.weekday() < 4 or (local.weekday() == 4 and local.time() < COVERAGE_ALERT_FROM) or minimum <= 0:
        return 0
    monday, _ = week_of(local.date())

    def work(uow) -> int:  # type: ignore[no-untyped-def]
        session, written = uow.session, 0
        for commune in _communes(session, None, local.date()):
            short = [v.code for v in visits.coverage_within(session, commune, local.date(), minimum) if v.short]
            if short:
                written += _alert(session, f"support:coverage:{commune.code}:{monday}", "support.coverage",
                                  commune, {"week": monday.isoformat(), "villages": short, "minimum": minimum}, now)
        return written
    return visits.cases.within(work)
