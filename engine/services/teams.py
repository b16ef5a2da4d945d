"""Tổ dân vận: one team per village and its members over time (role, joined, left).

A member may be a user of the application holding the limited ``member`` role on
the village (engine.authz), or only a name: the province counts every member
(2,071 teams, 14,589 members), not only those with an account. The commune's
officials and leaders keep these records; every write commits through the case
service's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from ..actors import Actor
from ..errors import InvalidField, NotFound
from ..models import Team, TeamMember, User
from ..uow import UnitOfWork
from .cases import CaseService
from .fields import clean_text
from .programme_checks import choice, managed_unit, parse_day, user_by_name

__all__ = ["TEAM_ROLES", "MemberView", "TeamService"]

# Who may read a team's roster: its commune's staff, the Front, admins and the members.
READ_ROLES = ("official", "leader", "auditor", "admin", "member")
TEAM_ROLES: dict[str, tuple[str, str]] = {
    "leader": ("Tổ trưởng", "Team leader"),
    "deputy": ("Tổ phó", "Deputy leader"),
    "member": ("Tổ viên", "Member"),
}


@dataclass(frozen=True)
class MemberView:
    id: int
    name: str
    role: str
    joined_on: date
    left_on: date | None
    username: str | None


class TeamService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def set_up(self, actor: Actor, village: str, name: Any) -> int:
        """The village's team (its id); set up once per village."""
        return self.cases.within(lambda uow: self.set_up_within(uow, actor, village, name))

    def set_up_within(self, uow: UnitOfWork, actor: Actor, village: str, name: Any) -> int:
        unit = managed_unit(uow.session, actor, village, level="village", action="team")
        if uow.session.scalar(select(Team.id).where(Team.unit_id == unit.id)) is not None:
            raise InvalidField(field="unit", problem_vi="thôn, ấp này đã có Tổ dân vận",
                               problem_en="this village already has a team")
        team = Team(unit_id=unit.id, name=clean_text("name", name), created_at=self.cases.clock.now())
        uow.session.add(team)
        uow.session.flush()
        return team.id

    def add_member(self, actor: Actor, village: str, name: Any, role: Any, joined_on: Any,
                   *, username: str | None = None) -> int:
        return self.cases.within(lambda uow: self.add_member_within(uow, actor, village, name, role, joined_on,
                                                                    username=username))

    def add_member_within(self, uow: UnitOfWork, actor: Actor, village: str, name: Any, role: Any, joined_on: Any,
                          *, username: str | None = None) -> int:
        team = self._team(uow, actor, village)
        user: User | None = user_by_name(uow.session, "username", username) if username else None
        member = TeamMember(team_id=team.id, user_id=user.id if user else None,
                            name=clean_text("name", name if name else (user.full_name if user else name)),
                            role=choice("role", role, TEAM_ROLES), joined_on=parse_day("joined_on", joined_on))
        uow.session.add(member)
        uow.session.flush()
        return member.id

    def leave(self, actor: Actor, village: str, member_id: int, left_on: Any) -> None:
        self.cases.within(lambda uow: self.leave_within(uow, actor, village, member_id, left_on))

    def leave_within(self, uow: UnitOfWork, actor: Actor, village: str, member_id: int, left_on: Any) -> None:
        team = self._team(uow, actor, village)
        member = uow.session.get(TeamMember, member_id) if isinstance(member_id, int) else None
        if member is None or member.team_id != team.id:
            raise NotFound(what="tổ viên / member", key=str(member_id)[:20])
        day = parse_day("left_on", left_on)
        if day < member.joined_on or member.left_on is not None:
            raise InvalidField(field="left_on", problem_vi="ngày rời tổ không hợp lệ",
                               problem_en="not a valid leaving day for this member")
        member.left_on = day

    def members(self, actor: Actor, village: str, on: date) -> list[MemberView]:
        """Who was on the team on ``on`` (joined by then, not yet left)."""
        found = self.roster(actor, village, on)
        if found is None:
            raise NotFound(what="Tổ dân vận / team", key=str(village)[:40])
        return found

    def roster(self, actor: Actor, village: str, on: date) -> list[MemberView] | None:
        """``members``, or None when the village (which the reader may see) has no team yet."""
        with self.cases.uow(write=False) as uow:
            unit = managed_unit(uow.session, actor, village, level="village", roles=READ_ROLES, action="team")
            team = uow.session.scalar(select(Team).where(Team.unit_id == unit.id))
            if team is None:
                return None
            rows = uow.session.execute(
                select(TeamMember, User.username).outerjoin(User, User.id == TeamMember.user_id)
                .where(TeamMember.team_id == team.id, TeamMember.joined_on <= on,
                       or_(TeamMember.left_on.is_(None), TeamMember.left_on > on))
                .order_by(TeamMember.id)).all()
            return [MemberView(m.id, m.name, m.role, m.joined_on, m.left_on, username) for m, username in rows]

    @staticmethod
    def _team(uow: UnitOfWork, actor: Actor, village: str,
              roles: tuple[str, ...] = ("official", "leader")) -> Team:
        unit = managed_unit(uow.session, actor, village, level="village", roles=roles, action="team")
        team = uow.session.scalar(select(Team).where(Team.unit_id == unit.id))
        if team is None:
            raise NotFound(what="Tổ dân vận / team", key=unit.code)
        return team
