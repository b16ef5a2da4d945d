"""Which kinds of unit are what: the one rule the intake, its pickers and the checks
ask. A unit's ``level`` is either a place people live in (a village: thôn, ấp, khóm,
tổ dân phố, bản), a level of government (province, district, commune) or an
organisation attached to a level (a department, the police, the Front committee).
An opinion is raised where people live, never "in" the police or the Front.
"""

from __future__ import annotations

from typing import Any

__all__ = ["VILLAGE_LEVELS", "is_village"]

VILLAGE_LEVELS = frozenset({"village"})


def is_village(unit: Any) -> bool:
    """``unit``: anything with a ``level`` (a Unit, a picker's option)."""
    return getattr(unit, "level", None) in VILLAGE_LEVELS
