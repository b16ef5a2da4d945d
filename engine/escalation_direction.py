"""Whether passing a case to another unit went **up** a level or **across** to a
unit of the same level — what a report calls "proposed to a higher level" (đề xuất
với cấp ủy, chính quyền cấp trên) and "transferred within the commune" (chuyển
trong cấp xã: a department, the police, the Front committee, the commune itself).

Each unit answers to the administrative level it belongs to: a commune, district or
province is its own level; a village, department, police station or Front committee
belongs to the nearest of those above it. A move is **up** when the target's level
unit is a strict ancestor of the source's, and **across** otherwise (same level unit,
or a unit of another branch that is not above). It is decided once, from the units
as they stand when the case moves, and recorded in the event (``data.escalation``),
so a later re-parenting or merger does not rewrite what a past report said.
"""

from __future__ import annotations

from typing import Literal

from .models import Unit

__all__ = ["ADMINISTRATIVE_LEVELS", "UP", "ACROSS", "level_unit", "escalation_direction"]

ADMINISTRATIVE_LEVELS = frozenset({"province", "district", "commune"})
UP: Literal["up"] = "up"
ACROSS: Literal["across"] = "across"
# A unit tree is a handful of levels deep; a longer chain is a loop in bad data.
_MAX_DEPTH = 16


def level_unit(unit: Unit) -> Unit:
    """The commune, district or province ``unit`` belongs to (itself if it is one);
    the top of its tree if none is above it."""
    current = unit
    for _ in range(_MAX_DEPTH):
        if current.level in ADMINISTRATIVE_LEVELS or current.parent is None:
            return current
        current = current.parent
    return current


def escalation_direction(source: Unit, target: Unit) -> Literal["up", "across"]:
    """``"up"`` when ``target`` belongs to a level above ``source``'s, else ``"across"``."""
    a, b = level_unit(source), level_unit(target)
    if a.id != b.id and a.path.startswith(b.path):
        return UP
    return ACROSS
