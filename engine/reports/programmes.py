"""The figures of the field's other programmes (docs/reports.md, "Programmes"):

* reception days held, by who received (capacity and name) and occasion, and the
  petitions received at them by kind and by the route each took on the spot;
* dialogues: the units of a level under the scope that held at least one in the
  period, out of all of them in force (the "8/8 communes" figure);
* Tổ dân vận: villages with a team out of all villages, members on the period's
  last day (the "2,071/2,071 villages, 14,589 members" figure), disputes received,
  settled, failed, sent up and the success rate (settled / settled + failed).

A unit counts when it is under the scope and in force on some day of the period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..calendar import LOCAL_TZ
from ..models import Case, CaseEvent, Meeting, ReceptionDay, Team, TeamMember, Unit, path_under
from .scope import Scope, resolve_scope

__all__ = ["ROUTES", "ReceptionFigures", "Coverage", "TeamFigures", "reception_figures", "dialogue_coverage",
           "team_figures", "programme_figures"]

# The first of these a petition took is its route (the tiep-cong-dan workflow's triggers).
ROUTES = {"accept": "accepted", "accept_complaint": "accepted", "accept_denunciation": "accepted",
          "guide": "guided", "forward": "forwarded"}
_SENT_UP = ("escalate", "auto_escalate")


@dataclass(frozen=True)
class ReceptionFigures:
    scope: str
    days: int
    # (capacity, receiver's name, occasion) -> reception days
    by_receiver: dict[tuple[str, str, str], int]
    petitions: int
    # (kind, route) -> petitions; route "pending" when none was taken yet
    by_route: dict[tuple[str, str], int]


@dataclass(frozen=True)
class Coverage:
    scope: str
    level: str
    held: int
    total: int
    # unit code -> dialogues held there in the period (0 for those that held none)
    per_unit: dict[str, int]


@dataclass(frozen=True)
class TeamFigures:
    scope: str
    villages: int
    with_team: int
    members: int
    members_per_village: dict[str, int]
    disputes: int
    settled: int
    failed: int
    sent_up: int

    @property
    def success_rate(self) -> float | None:
        done = self.settled + self.failed
        return self.settled / done if done else None


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(0), tzinfo=LOCAL_TZ),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL_TZ))


def _under(scope: Scope, column: Any) -> Any:
    return or_(*(path_under(column, p) for p in scope.paths))


def _in_force(start: date, end: date) -> Any:
    return and_(or_(Unit.valid_from.is_(None), Unit.valid_from <= end),
                or_(Unit.valid_to.is_(None), Unit.valid_to > start))


def reception_figures(session: Session, actor: Actor, unit: str | None, start: date, end: date,
                      programme: str = "tiep-cong-dan") -> ReceptionFigures:
    scope = resolve_scope(session, actor, unit)
    rows = session.execute(
        select(ReceptionDay.capacity, ReceptionDay.receiver_name, ReceptionDay.occasion, func.count())
        .join(Meeting, Meeting.id == ReceptionDay.meeting_id).join(Unit, Unit.id == Meeting.unit_id)
        .where(_under(scope, Unit.path), Meeting.held_on >= start, Meeting.held_on <= end)
        .group_by(ReceptionDay.capacity, ReceptionDay.receiver_name, ReceptionDay.occasion)).all()
    by_receiver = {(c, n, o): k for c, n, o, k in rows}
    low, high = _bounds(start, end)
    cases = session.execute(
        select(Case.id, Case.kind).join(Unit, Unit.id == Case.origin_unit_id)
        .where(Case.workflow_key == programme, _under(scope, Unit.path),
               Case.received_at >= low, Case.received_at < high)).all()
    routes: dict[int, str] = {}
    for case_id, trigger in session.execute(
            select(CaseEvent.case_id, CaseEvent.trigger).where(
                CaseEvent.case_id.in_([c for c, _ in cases]), CaseEvent.trigger.in_(list(ROUTES)))
            .order_by(CaseEvent.case_id, CaseEvent.seq)):
        routes.setdefault(case_id, ROUTES[trigger])
    by_route = Counter((kind, routes.get(case_id, "pending")) for case_id, kind in cases)
    return ReceptionFigures(scope.label(), sum(by_receiver.values()), by_receiver, len(cases), dict(by_route))


def dialogue_coverage(session: Session, actor: Actor, unit: str | None, start: date, end: date, *,
                      level: str = "commune", programme: str = "doi-thoai") -> Coverage:
    scope = resolve_scope(session, actor, unit)
    units = session.scalars(select(Unit.code).where(Unit.level == level, _under(scope, Unit.path),
                                                    _in_force(start, end)).order_by(Unit.code)).all()
    held = dict(session.execute(
        select(Unit.code, func.count(Meeting.id)).join(Meeting, Meeting.unit_id == Unit.id)
        .where(Unit.code.in_(units), Meeting.programme == programme, Meeting.held_on >= start,
               Meeting.held_on <= end).group_by(Unit.code)).all())
    per_unit = {code: held.get(code, 0) for code in units}
    return Coverage(scope.label(), level, sum(1 for n in per_unit.values() if n), len(units), per_unit)


def team_figures(session: Session, actor: Actor, unit: str | None, start: date, end: date,
                 programme: str = "to-dan-van") -> TeamFigures:
    scope = resolve_scope(session, actor, unit)
    villages = session.scalars(select(Unit.code).where(Unit.level == "village", _under(scope, Unit.path),
                                                       _in_force(start, end))).all()
    with_team = session.scalar(select(func.count()).select_from(Team).join(Unit, Unit.id == Team.unit_id)
                               .where(Unit.code.in_(villages))) or 0
    members = dict(session.execute(
        select(Unit.code, func.count(TeamMember.id)).join(Team, Team.unit_id == Unit.id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(Unit.code.in_(villages), TeamMember.joined_on <= end,
               or_(TeamMember.left_on.is_(None), TeamMember.left_on > end)).group_by(Unit.code)).all())
    low, high = _bounds(start, end)
    disputes = session.execute(
        select(Case.id, Case.state).join(Unit, Unit.id == Case.origin_unit_id)
        .where(Case.workflow_key == programme, _under(scope, Unit.path),
               Case.received_at >= low, Case.received_at < high)).all()
    ids = [i for i, _ in disputes]
    took = set(session.execute(select(CaseEvent.case_id, CaseEvent.trigger).where(
        CaseEvent.case_id.in_(ids), CaseEvent.trigger.in_(("settle", "fail", *_SENT_UP)))).tuples())
    def count(*triggers: str) -> int:
        return len({i for i, t in took if t in triggers})
    return TeamFigures(scope.label(), len(villages), with_team, sum(members.values()), members, len(ids),
                       count("settle"), count("fail"), count(*_SENT_UP))


def programme_figures(session: Session, actor: Actor, unit: str | None, start: date, end: date) -> dict[str, Any]:
    """The three programmes' figures as one JSON-able document (the API and the page)."""
    r = reception_figures(session, actor, unit, start, end)
    d = dialogue_coverage(session, actor, unit, start, end)
    t = team_figures(session, actor, unit, start, end)
    return {
        "scope": r.scope, "period": {"from": start.isoformat(), "to": end.isoformat()},
        "receptions": {
            "days": r.days, "petitions": r.petitions,
            "by_receiver": [{"capacity": c, "receiver": n, "occasion": o, "days": k}
                            for (c, n, o), k in sorted(r.by_receiver.items())],
            "by_route": [{"kind": kind, "route": route, "petitions": k} for (kind, route), k in sorted(r.by_route.items())],
        },
        "dialogues": {"level": d.level, "held": d.held, "total": d.total, "per_unit": d.per_unit},
        "teams": {"villages": t.villages, "with_team": t.with_team, "members": t.members,
                  "members_per_village": t.members_per_village, "disputes": t.disputes, "settled": t.settled,
                  "failed": t.failed, "sent_up": t.sent_up, "success_rate": t.success_rate},
    }
