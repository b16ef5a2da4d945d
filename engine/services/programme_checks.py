"""Checks the programme services (teams, schedules, receptions, dialogues, disputes)
share: who may manage a unit's programme records, a unit by code, a day as typed,
a choice from a closed list — each refused in the user's words."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import InvalidField, NotFound, RoleNotAllowed
from ..models import Unit, User
from .fields import choice

__all__ = ["MANAGE_ROLES", "managed_unit", "parse_day", "choice", "user_by_name", "whole"]

# Officials and leaders keep their unit's programme records; the Front supervises them.
MANAGE_ROLES = ("official", "leader")


def managed_unit(session: Session, actor: Actor, code: Any, *, level: str | None = None,
                 roles: tuple[str, ...] = MANAGE_ROLES, action: str = "manage") -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code)) if isinstance(code, str) else None
    if unit is None or not (actor.is_system or actor.covers(unit.path)):
        raise NotFound(what="đơn vị / unit", key=str(code)[:40])
    if not actor.is_system and not actor.roles_over(unit.path) & set(roles):
        raise RoleNotAllowed(trigger=action, roles=list(roles))
    if level is not None and unit.level != level:
        raise InvalidField(field="unit", problem_vi=f"“{unit.code}” không phải cấp {level}",
                           problem_en=f"“{unit.code}” is not a {level}")
    return unit


def parse_day(field: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else date.fromisoformat("")
    except ValueError:
        raise InvalidField(field=field, problem_vi="phải là ngày dạng YYYY-MM-DD",
                           problem_en="must be a date as YYYY-MM-DD") from None


def whole(field: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value) if not isinstance(value, bool) and str(value).strip().isdigit() else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise InvalidField(field=field, problem_vi=f"phải là số nguyên từ {low} đến {high}",
                           problem_en=f"must be a whole number from {low} to {high}")
    return number


def user_by_name(session: Session, field: str, username: Any) -> User:
    user = session.scalar(select(User).where(User.username == username)) if isinstance(username, str) else None
    if user is None:
        raise InvalidField(field=field, problem_vi="không có người dùng này", problem_en="no such user")
    return user
