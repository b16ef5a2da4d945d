"""API tokens: issue (shown once), list, revoke, and authenticate a presented token.

A token is ``nd_`` + 43 URL-safe characters (256 random bits). The database keeps
only its SHA-256, so the plain text exists in exactly one place: wherever the
administrator pasted it. Authentication looks the hash up by its unique index;
there is no per-user secret to compare in a loop and nothing to time.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import InvalidField, NotFound
from ..models import ApiToken, User
from .directory import to_actor

__all__ = ["PREFIX", "TokenInfo", "hash_token", "issue_token", "list_tokens", "revoke_token", "authenticate_token",
           "touch_token", "Authenticated", "TOUCH_EVERY"]

PREFIX = "nd_"
MAX_TOKEN_LENGTH = 200
MAX_LABEL = 100
# last_used_at is for "is this integration still alive?", not an access log:
# writing it at most once a minute keeps reads from becoming writes.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.id, row.user.username, row.label, row.created_at, row.last_used_at, row.revoked_at)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(what="người dùng / user", key=username[:64])
    return user


def issue_token(session: Session, username: str, *, label: str = "", now: datetime) -> tuple[TokenInfo, str]:
    """A new token for an active user; returns its record and the plain text (the
    only time it is ever available). Does not commit."""
    label = (label or "").strip()
    if len(label) > MAX_LABEL:
        raise InvalidField(field="label", problem_vi=f"dài quá {MAX_LABEL} ký tự",
                           problem_en=f"longer than {MAX_LABEL} characters")
    user = _user(session, username)
    if not user.is_active:
        raise InvalidField(field="username", problem_vi="người dùng đã bị khóa", problem_en="the user is deactivated")
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, label=label, token_hash=hash_token(plain), created_at=now)
    session.add(row)
    session.flush()
    return _info(row), plain


def list_tokens(session: Session, username: str) -> list[TokenInfo]:
    user = _user(session, username)
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [_info(r) for r in rows]


def revoke_token(session: Session, token_id: int, *, now: datetime) -> TokenInfo:
    """Revoke by id; revoking twice keeps the first revocation time. Does not commit."""
    row = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if row is None:
        raise NotFound(what="token", key=str(token_id))
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return _info(row)


@dataclass(frozen=True)
class Authenticated:
    token_id: int
    actor: Actor
    last_used_at: datetime | None

    def due_for_touch(self, now: datetime) -> bool:
        return self.last_used_at is None or now - self.last_used_at >= TOUCH_EVERY


def authenticate_token(session: Session, token: str, *, on: date | None = None) -> Authenticated | None:
    """The token's user as an actor, or ``None`` for an unknown, revoked or
    malformed token or a deactivated user. Reads only."""
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    return Authenticated(row.id, to_actor(row.user, on=on), row.last_used_at)


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    """Record use. A plain UPDATE, not an ORM flush, so two requests touching the
    same token at once cannot fail each other. Does not commit."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
