"""Who is acting, and over which units.

An ``Actor`` is a plain value loaded once per request or command, so scope checks
are pure functions over unit paths and never hit the database again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["Grant", "Actor", "SYSTEM", "CITIZEN_ROLE", "citizen"]


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_code: str
    unit_path: str
    # Held through a successor (engine.succession): the grant's unit took over this
    # one's work on the day of a merger. It widens what the person sees and acts
    # on; it is not a grant of its own (reports' roots, user lists ignore it).
    inherited: bool = False

    def covers(self, unit_path: str) -> bool:
        # Paths are "/1/4/9/": a prefix match is "this unit or below it".
        return unit_path.startswith(self.unit_path)


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    grants: tuple[Grant, ...] = field(default=())
    language: str = "vi"
    # A citizen has no account: the PIN on their receipt makes them the actor of that
    # one case only (engine.authz), and of nothing else.
    case_code: str | None = None
    # The local day the grants were read for (successors' grants depend on it).
    on: date | None = None

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.case_code is None

    @property
    def is_citizen(self) -> bool:
        return self.case_code is not None

    def roles_over(self, *unit_paths: str) -> set[str]:
        """Roles the actor holds on any grant covering at least one of the units."""
        return {g.role for g in self.grants if any(g.covers(p) for p in unit_paths)}

    def covers(self, *unit_paths: str) -> bool:
        return bool(self.roles_over(*unit_paths))

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.grants)

    def scope_paths(self) -> tuple[str, ...]:
        """The roots of every subtree the actor may read, without nested duplicates."""
        paths = sorted({g.unit_path for g in self.grants}, key=len)
        roots: list[str] = []
        for p in paths:
            if not any(p.startswith(r) for r in roots):
                roots.append(p)
        return tuple(roots)


# Deadline sweeps and imports act as the system; they are in the history like anyone.
SYSTEM = Actor(user_id=None, username="system")


CITIZEN_ROLE = "citizen"


def citizen(case_code: str, language: str = "vi") -> Actor:
    """The citizen who holds ``case_code``'s receipt and PIN (checked by the caller)."""
    return Actor(user_id=None, username=CITIZEN_ROLE, language=language, case_code=case_code)
