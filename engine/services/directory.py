"""Units and people: importing the administrative tree, adding users and their grants."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ..actors import Actor, Grant
from ..errors import InvalidField, NotFound
from ..models import RoleGrant, Unit, User
from ..passwords import hash_password, verify_password
from ..succession import inherited_grants
from ..vocab import ROLES, UNIT_LEVELS
from .fields import clean_text

__all__ = [
    "UnitRow", "read_units_csv", "import_units", "unit_by_code", "add_user",
    "grant_role", "actor_for", "authenticate", "MAX_PASSWORD", "MIN_PASSWORD",
]

MAX_PASSWORD = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD = 8  # for passwords people choose; the CLI's initial ones are the operator's call


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    successor_code: str | None = None


def _date(text: str | None, line: int, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(field=column, problem_vi=f"dòng {line}: ngày “{text}” không đúng dạng YYYY-MM-DD",
                           problem_en=f"line {line}: date “{text}” is not YYYY-MM-DD") from None


def read_units_csv(stream: IO[str]) -> list[UnitRow]:
    """CSV with a header: code, name, level, parent_code[, valid_from, valid_to, successor_code]."""
    reader = csv.DictReader(stream)
    missing = {"code", "name", "level", "parent_code"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidField(field="header", problem_vi=f"thiếu cột {', '.join(sorted(missing))}",
                           problem_en=f"missing column(s) {', '.join(sorted(missing))}")
    rows = []
    for line, raw in enumerate(reader, start=2):
        code = (raw.get("code") or "").strip()
        level = (raw.get("level") or "").strip()
        if not code or len(code) > 32:
            raise InvalidField(field="code", problem_vi=f"dòng {line}: mã đơn vị trống hoặc quá dài",
                               problem_en=f"line {line}: unit code empty or longer than 32")
        if level not in UNIT_LEVELS:
            raise InvalidField(field="level", problem_vi=f"dòng {line}: cấp “{level}” không hợp lệ",
                               problem_en=f"line {line}: unknown level “{level}” (use {', '.join(UNIT_LEVELS)})")
        rows.append(UnitRow(
            code=code,
            name=(raw.get("name") or "").strip()[:200] or code,
            level=level,
            parent_code=(raw.get("parent_code") or "").strip() or None,
            valid_from=_date(raw.get("valid_from"), line, "valid_from"),
            valid_to=_date(raw.get("valid_to"), line, "valid_to"),
            successor_code=(raw.get("successor_code") or "").strip() or None,
        ))
    return rows


def unit_by_code(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(what="đơn vị / unit", key=code)
    return unit


def _cycle(chain: str) -> InvalidField:
    return InvalidField(field="parent_code", problem_vi=f"cây đơn vị bị vòng lặp: {chain}",
                        problem_en=f"the unit tree has a cycle: {chain}")


def import_units(session: Session, rows: Iterable[UnitRow]) -> tuple[int, int]:
    """Insert or update units by code; parents may come after children in the file.
    Returns (created, updated). Does not commit."""
    pending = {r.code: r for r in rows}
    existing = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(list(pending))))}
    created = updated = 0
    placed: set[str] = set()

    def place(code: str, trail: tuple[str, ...]) -> Unit:
        nonlocal created, updated
        if code in placed:
            return existing[code]
        if code in trail:
            raise _cycle(" → ".join(trail + (code,)))
        row = pending[code]
        parent = None
        if row.parent_code:
            parent = place(row.parent_code, trail + (code,)) if row.parent_code in pending \
                else unit_by_code(session, row.parent_code)
        unit = existing.get(code)
        # A known unit put under one of its own descendants (in the tree, not only in
        # the file) would make every path below it endless.
        ancestor = parent
        while unit is not None and ancestor is not None:
            if ancestor is unit:
                raise _cycle(f"{code} → {row.parent_code}")
            ancestor = ancestor.parent
        if unit is None:
            unit = Unit(code=code, path="")
            session.add(unit)
            existing[code] = unit
            created += 1
        else:
            updated += 1
        unit.name, unit.level = row.name, row.level
        unit.valid_from, unit.valid_to = row.valid_from, row.valid_to
        unit.parent = parent
        session.flush()  # the id is part of the path
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        placed.add(code)
        return unit

    for code in pending:
        place(code, ())
    for row in pending.values():
        if row.successor_code:
            existing[row.code].successor_id = unit_by_code(session, row.successor_code).id
    # A moved unit moves its whole subtree: recompute descendants' paths, down to
    # the villages under a moved district's communes.
    level = sorted(existing.values(), key=lambda u: len(u.path))
    while level:
        moved = []
        for unit in level:
            for child in session.scalars(select(Unit).where(Unit.parent_id == unit.id)):
                want = f"{unit.path}{child.id}/"
                if child.path != want:
                    child.path = want
                    moved.append(child)
        level = moved
    return created, updated


def add_user(session: Session, username: str, password: str, *, now: datetime, full_name: str = "",
             email: str | None = None, language: str = "vi", password_hash: str | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise InvalidField(field="username", problem_vi="chỉ gồm chữ, số, dấu chấm, gạch; tối đa 64 ký tự",
                           problem_en="letters, digits, dot, dash, underscore; at most 64 characters")
    if not password or len(password) > MAX_PASSWORD:
        raise InvalidField(field="password", problem_vi="mật khẩu trống hoặc quá dài",
                           problem_en="password empty or too long")
    full_name = clean_text("citizen_name", full_name, required=False)  # a person's name: the same 200 and checks
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise InvalidField(field="email", problem_vi="địa chỉ email không đúng dạng (ví dụ ten@xa.gov.vn)",
                           problem_en="not an email address (e.g. name@commune.gov.vn)")
    if language not in ("vi", "en"):
        raise InvalidField(field="language", problem_vi="ngôn ngữ phải là tiếng Việt hoặc tiếng Anh",
                           problem_en="the language must be Vietnamese or English")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidField(field="username", problem_vi=f"tên đăng nhập “{username}” đã có người dùng",
                           problem_en=f"the username “{username}” is taken")
    # A hash made beforehand (a temporary password) keeps the slow hashing out of the transaction.
    user = User(username=username, password_hash=password_hash or hash_password(password), full_name=full_name,
                email=email, language=language, created_at=now)
    session.add(user)
    session.flush()
    return user


def grant_role(session: Session, user: User, role: str, unit_code: str) -> RoleGrant:
    if role not in ROLES:
        raise InvalidField(field="role", problem_vi=f"vai trò “{role}” không có",
                           problem_en=f"unknown role “{role}” (use {', '.join(ROLES)})")
    unit = unit_by_code(session, unit_code)
    for grant in user.grants:
        if grant.role == role and grant.unit_id == unit.id:
            return grant
    grant = RoleGrant(role=role, unit=unit)
    user.grants.append(grant)
    session.flush()
    return grant


def actor_for(session: Session, username: str, *, on: date | None = None) -> Actor:
    user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    if user is None:
        raise NotFound(what="người dùng / user", key=username)
    return to_actor(user, on=on)


def to_actor(user: User, *, on: date | None = None) -> Actor:
    """The user as an actor; ``on`` (the local day of the request) adds the grants
    held through successors on that day (engine.succession)."""
    grants = tuple(Grant(g.role, g.unit_id, g.unit.code, g.unit.path) for g in user.grants)
    session = object_session(user)
    if on is not None and grants and session is not None:
        grants += inherited_grants(session, grants, on)
    return Actor(user_id=user.id, username=user.username, grants=grants, language=user.language, on=on)


def authenticate(session: Session, username: str, password: str, *, now: datetime | None = None) -> User | None:
    """The user if the password matches; upgrades an outdated hash in place (caller
    commits). A temporary password (a reset) no longer matches from ``temporary_until``
    on; ``now`` is required to accept one."""
    user = session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    if user is None or len(password) > MAX_PASSWORD:
        # Hash anyway so a missing user takes as long as a wrong password.
        verify_password(password[:MAX_PASSWORD], _dummy_hash())
        return None
    ok, new_hash = verify_password(password, user.password_hash)
    if not ok:
        return None
    if user.temporary_until is not None and (now is None or now >= user.temporary_until):
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
