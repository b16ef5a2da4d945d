"""Which sections of the application a person works in, by their roles: the one
rule the menu is computed from (``web.pages.navigation``), so no template decides
who sees what.

A section is open to a person holding any of its roles on any unit. The pages
still check their own scope (a case outside the person's units stays out of
reach); this only says where each role's daily work is. Reports and the audit
are the supervisors' (leaders and the Front, with the administrators who may
open them: ``engine.reports.scope.AUDIT_ROLES``); an official reads their unit's
figures from the report page's address, which the menu does not crowd.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actors import Actor
from .reports.scope import AUDIT_ROLES

__all__ = ["Section", "SECTIONS", "sections_for", "may_open", "WORK_ROLES"]

# Those who record and handle opinions (a village team member records too).
WORK_ROLES = ("official", "leader", "member")
_SUPERVISORS = tuple(r for r in AUDIT_ROLES if r != "admin")


@dataclass(frozen=True)
class Section:
    key: str
    path: str
    roles: tuple[str, ...]  # empty: every signed-in person


SECTIONS: tuple[Section, ...] = (
    Section("board", "/", WORK_ROLES),
    Section("cases", "/cases", WORK_ROLES),
    Section("my_cases", "/my-cases", ("official", "leader")),
    Section("intake", "/meetings/new", WORK_ROLES),
    Section("meetings", "/meetings", WORK_ROLES),
    Section("support", "/support", ("official", "leader")),
    # Reception days, dialogues, Tổ dân vận: recorded by staff, their figures read by the Front.
    Section("programmes", "/programmes", ("official", "leader", *_SUPERVISORS)),
    Section("reports", "/reports", _SUPERVISORS),
    Section("audit", "/audit", _SUPERVISORS),
    Section("admin", "/admin", ("admin",)),
    Section("inbox", "/inbox", ()),
)


def may_open(actor: Actor, section: Section) -> bool:
    return actor.user_id is not None and (not section.roles or any(actor.has_role(r) for r in section.roles))


def sections_for(actor: Actor) -> tuple[Section, ...]:
    """The sections of ``actor``'s menu, in the menu's order."""
    return tuple(s for s in SECTIONS if may_open(actor, s))
