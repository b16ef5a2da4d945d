"""The administrators' list of users: a search by username or name, in pages
read by key (the username after the last one shown), never all rows at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import User

__all__ = ["UserLine", "UserPage", "PAGE_SIZE", "list_users"]

PAGE_SIZE = 50


@dataclass(frozen=True)
class UserLine:
    username: str
    full_name: str
    email: str | None
    active: bool
    must_change: bool
    grants: tuple[tuple[str, str, str], ...]  # (role, unit code, unit name)


@dataclass(frozen=True)
class UserPage:
    lines: list[UserLine]
    total: int  # matching the search, all pages
    next_after: str | None  # the key of the next page


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def list_users(session: Session, *, q: str = "", after: str = "", limit: int = PAGE_SIZE) -> UserPage:
    q = q.strip()[:100]
    matching = select(User)
    if q:
        pattern = _like(q)
        matching = matching.where(or_(func.lower(User.username).like(pattern, escape="\\"),
                                      func.lower(User.full_name).like(pattern, escape="\\")))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    page = matching.order_by(User.username).limit(limit + 1)
    if after:
        page = page.where(User.username > after[:64])
    users = list(session.scalars(page))
    more = len(users) > limit
    users = users[:limit]
    lines = [UserLine(u.username, u.full_name, u.email, u.is_active, u.must_change_password,
                      tuple(sorted((g.role, g.unit.code, g.unit.name) for g in u.grants))) for u in users]
    return UserPage(lines, total, users[-1].username if more and users else None)
