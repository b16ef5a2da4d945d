"""Who may record and read support activities, the fund and home visits, and the
unit lookups they share.

Recording is what recording opinions is: an ``official`` or ``leader`` over the unit
(a village's activities count for its commune's fund and target). Reading needs any
grant over the unit (the Front's auditors read everything in their scope); correcting
the fund by reversal is a ``leader``'s. For anyone else a commune's records do not
exist: the answer is the same "not found" as for a unit that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import InvalidField, NotFound
from ..models import Unit

__all__ = ["RECORD_ROLES", "unit_for", "commune_of", "may_record", "may_correct", "may_read", "readable_unit"]

RECORD_ROLES = frozenset({"official", "leader"})


def unit_for(session: Session, field: str, code: Any, day: date) -> Unit:
    unit = _by_code(session, code)
    if unit is None:
        raise InvalidField(field=field, problem_vi=f"không có đơn vị “{str(code)[:40]}”",
                           problem_en=f"no unit “{str(code)[:40]}”")
    if not unit.is_valid_on(day):
        raise InvalidField(field=field, problem_vi=f"đơn vị “{unit.code}” không còn hiệu lực vào {day:%d/%m/%Y}",
                           problem_en=f"unit “{unit.code}” is not in force on {day:%d/%m/%Y}")
    return unit


def commune_of(session: Session, field: str, unit: Unit) -> Unit:
    """The commune a unit belongs to (itself, for a commune)."""
    node: Unit | None = unit
    while node is not None and node.level != "commune":
        node = node.parent
    if node is None:
        raise InvalidField(field=field, problem_vi="phải là một xã, phường hoặc đơn vị thuộc xã",
                           problem_en="must be a commune or a unit within one")
    return node


def may_record(actor: Actor, unit: Unit) -> bool:
    return not actor.is_system and bool(actor.roles_over(unit.path) & RECORD_ROLES)


def may_correct(actor: Actor, commune: Unit) -> bool:
    return not actor.is_system and "leader" in actor.roles_over(commune.path)


def _by_code(session: Session, code: Any) -> Unit | None:
    # A code that cannot exist is not looked up: PostgreSQL refuses a NUL in text outright.
    if not (isinstance(code, str) and 0 < len(code) <= 32 and code.isprintable()):
        return None
    return session.scalar(select(Unit).where(Unit.code == code))


def may_read(actor: Actor, unit: Unit) -> bool:
    return actor.is_system or actor.covers(unit.path)


def readable_unit(session: Session, actor: Actor, code: Any) -> Unit:
    """A unit the actor may read, or "not found" (codes cannot be probed)."""
    unit = _by_code(session, code)
    if unit is None or not may_read(actor, unit):
        raise NotFound(what="đơn vị / unit", key=str(code)[:32])
    return unit
