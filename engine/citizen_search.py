"""Finding cases by the citizen who raised them (name or phone), for those who may
see that citizen — the rule is ``engine.disclosure``'s, turned into SQL here.

Finding a case by its author tells who its author is, so the search reaches exactly
the cases whose identity ``disclosure(actor, …, SHOW)`` gives the reader in full: an
ordinary opinion to the officials, leaders and team members over its origin or
handling unit; a denunciation (tố cáo) only to the leaders over the unit that now
handles it. The Front's auditors and administrators see initials, not a name, and
find nobody; nor does the system actor. A test compares this with ``disclosure``
case by case.

Nothing of the identity is copied for this: the name is folded in SQL
(``engine.search.folded``) and the phone compared by its digits, on the rows the
reader's scope and the other filters leave.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from .actors import Actor
from .disclosure import CONFIDENTIAL_KINDS, identity_grants
from .models import Case, Unit, in_units, path_under
from .search import matches_all

__all__ = ["citizen_matches", "may_search_citizens", "MIN_PHONE_DIGITS", "PHONE_SUFFIX"]

MIN_PHONE_DIGITS = 6
# A Vietnamese subscriber number is its last nine digits, whether typed 09…, +849… or 849….
PHONE_SUFFIX = 9
_PHONE_TYPED = re.compile(r"^\+?[0-9 .\-()]+$")
_SEPARATORS = (" ", ".", "-", "(", ")", "+")


def may_search_citizens(actor: Actor) -> bool:
    """Would a search by citizen find anything at all for ``actor``?"""
    ordinary, resolving = identity_grants(actor)
    return bool(ordinary or resolving)


def _under(column: object, roots: tuple[str, ...]) -> ColumnElement[bool]:
    unit = aliased(Unit)
    inside = select(unit.id).where(or_(*[path_under(unit.path, r) for r in roots]))
    return in_units(column, inside)  # type: ignore[arg-type]


def _visible_identity(actor: Actor) -> ColumnElement[bool]:
    ordinary, resolving = identity_grants(actor)
    confidential = Case.kind.in_(sorted(CONFIDENTIAL_KINDS))
    parts = []
    if ordinary:
        parts.append(and_(~confidential, or_(_under(Case.origin_unit_id, ordinary),
                                             _under(Case.handling_unit_id, ordinary))))
    if resolving:
        parts.append(and_(confidential, _under(Case.handling_unit_id, resolving)))
    return or_(*parts) if parts else false()


def _digits(column: object) -> ColumnElement[str]:
    out = column
    for sep in _SEPARATORS:
        out = func.replace(out, sep, "")
    return out  # type: ignore[return-value]


def citizen_matches(session: Session, actor: Actor, typed: str) -> ColumnElement[bool] | None:
    """Cases whose citizen ``typed`` names (every word of the name, accents
    ignored) or whose phone it is (a number of at least ``MIN_PHONE_DIGITS``
    digits: its last ``PHONE_SUFFIX``), among those whose citizen ``actor`` may see
    in full; ``None`` when nothing was typed."""
    typed = typed.strip()
    if not typed:
        return None
    visible = _visible_identity(actor)
    digits = "".join(ch for ch in typed if ch.isdigit())
    if _PHONE_TYPED.match(typed) and len(digits) >= MIN_PHONE_DIGITS:
        found: ColumnElement[bool] = _digits(Case.citizen_phone).like(f"%{digits[-PHONE_SUFFIX:]}")
    else:
        name = matches_all(session, Case.citizen_name, typed)
        if name is None:
            return None
        found = name
    return and_(visible, Case.citizen_phone.is_not(None) if digits else Case.citizen_name.is_not(None), found)
