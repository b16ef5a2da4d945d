"""Taking access away, and giving it: deactivating and reactivating a user, adding
a user or a grant, removing a grant, resetting and changing a password.

Every change is one transaction that also ends the user's web sessions, revokes
their API tokens where the change calls for it, and appends an ``access_changes``
row (who, when, what, on whom). What each change ends:

| change | web sessions | API tokens |
|---|---|---|
| deactivate | ended | revoked (reactivation does not revive them) |
| remove a grant | ended | kept: a token's grants are read afresh on every request |
| reset / change password | ended | revoked |
| reactivate, add a user or a grant | — | — |

A confirmation form passes its one-time nonce as ``key``: a replayed form finds the
change it already made and changes nothing again. Only administrators (or the CLI,
run by whoever holds the server) make these changes; nobody may deactivate
themselves, so an administrator cannot lock the last door by accident.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..actors import Actor
from ..clock import Clock
from ..errors import InvalidField, NotFound, RoleNotAllowed
from ..models import User
from ..models.access import AccessChange
from ..models.tokens import ApiToken
from ..models.web_sessions import WebSession
from ..passwords import hash_password
from ..uow import UnitOfWork
from . import directory
from .directory import MAX_PASSWORD, MIN_PASSWORD, authenticate, unit_by_code

__all__ = ["AccessService", "AccessResult", "ChangeInfo", "TEMPORARY_LENGTH", "TEMPORARY_VALID"]

TEMPORARY_LENGTH = 14
# Long enough to reach someone over a weekend, short enough that a lost note expires.
TEMPORARY_VALID = timedelta(days=3)
# No 0/O, 1/l/I: a temporary password is read aloud or copied from a screen.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_KEY = 100


@dataclass(frozen=True)
class AccessResult:
    """What a change did. ``temporary_password`` exists only in the answer to the
    reset that made it; a replay of the same form has none."""

    action: str
    username: str
    at: datetime
    detail: str
    sessions_ended: int = 0
    tokens_revoked: int = 0
    replayed: bool = False
    temporary_password: str | None = None


@dataclass(frozen=True)
class _Done:
    """What one change cut off, for its record and its answer."""

    sessions_ended: int = 0
    tokens_revoked: int | None = None
    grant: str = ""
    cut: bool = True  # whether sessions were ended at all (not on reactivation)

    @property
    def detail(self) -> str:
        parts = [self.grant] if self.grant else []
        if self.cut:
            parts.append(f"{self.sessions_ended} session(s) ended")
        if self.cut and self.tokens_revoked is not None:
            parts.append(f"{self.tokens_revoked} token(s) revoked")
        return ", ".join(parts)


@dataclass(frozen=True)
class ChangeInfo:
    at: datetime
    by_name: str
    username: str
    action: str
    detail: str


_Change = Callable[[Session, User, datetime], _Done]


def _by_name(by: Actor | str) -> str:
    return (by.username if isinstance(by, Actor) else by)[:80]


class AccessService:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions, self.clock = sessions, clock

    # -- the changes -------------------------------------------------------------

    def deactivate(self, by: Actor | str, username: str, *, key: str | None = None) -> AccessResult:
        def change(session: Session, user: User, now: datetime) -> _Done:
            if isinstance(by, Actor) and by.user_id == user.id:
                raise InvalidField(field="username", problem_vi="không thể tự khóa tài khoản của mình",
                                   problem_en="you cannot deactivate yourself")
            if not user.is_active:
                raise InvalidField(field="username", problem_vi="người dùng đã bị khóa",
                                   problem_en="the user is already deactivated")
            user.is_active = False
            return _Done(*self._cut_off(session, user, now, tokens=True))
        return self._apply(by, username, "deactivate", change, key)

    def reactivate(self, by: Actor | str, username: str, *, key: str | None = None) -> AccessResult:
        def change(session: Session, user: User, now: datetime) -> _Done:
            if user.is_active:
                raise InvalidField(field="username", problem_vi="người dùng đang hoạt động",
                                   problem_en="the user is already active")
            user.is_active = True
            return _Done(cut=False)
        return self._apply(by, username, "reactivate", change, key)

    def add_user(self, by: Actor | str, username: str, password: str | None, role: str, unit_code: str, *,
                 full_name: str = "", email: str | None = None, language: str = "vi",
                 key: str | None = None) -> AccessResult:
        """A new user with their first grant (``nghedan users add``, the admin page).
        Without ``password`` they get a temporary one, in the answer only, that they
        must replace at their first sign-in (as after a reset)."""
        if isinstance(by, Actor) and not by.has_role("admin"):
            raise RoleNotAllowed(trigger="add_user", roles=["admin"])
        temporary = None if password is not None else self._temporary()
        hashed = hash_password(temporary) if temporary else None
        key = key[:MAX_KEY] if key else None
        now = self.clock.now()
        with UnitOfWork(self.sessions, write=True) as uow:
            if key is not None and (first := self._replay(uow.session, key)) is not None:
                return first  # the same form again: the user it added, no second password
            user = directory.add_user(uow.session, username, password or "-", now=now, full_name=full_name,
                                      email=email, language=language, password_hash=hashed)
            if temporary:
                user.must_change_password, user.temporary_until = True, now + TEMPORARY_VALID
            directory.grant_role(uow.session, user, role, unit_code)
            done = _Done(grant=f"{role} @ {unit_code}", cut=False)
            uow.session.add(AccessChange(at=now, by_name=_by_name(by), user_id=user.id, username=user.username,
                                         action="add_user", detail=done.detail, request_key=key))
            uow.commit()
        return AccessResult("add_user", user.username, now, done.detail, temporary_password=temporary)

    def grant(self, by: Actor | str, username: str, role: str, unit_code: str, *,
              key: str | None = None) -> AccessResult:
        """Another role on a unit subtree; holding it already is a refusal, not a second record."""
        def change(session: Session, user: User, now: datetime) -> _Done:
            held = len(user.grants)
            directory.grant_role(session, user, role, unit_code[:32])
            if len(user.grants) == held:
                raise InvalidField(field="role", problem_vi="người dùng đã có quyền này",
                                   problem_en="the user already holds this grant")
            return _Done(grant=f"{role} @ {unit_code[:32]}", cut=False)
        return self._apply(by, username, "grant", change, key)

    def revoke_grant(self, by: Actor | str, username: str, role: str, unit_code: str, *,
                     key: str | None = None) -> AccessResult:
        def change(session: Session, user: User, now: datetime) -> _Done:
            unit = unit_by_code(session, unit_code[:32])
            grant = next((g for g in user.grants if g.role == role and g.unit_id == unit.id), None)
            if grant is None:
                raise NotFound(what="quyền / grant", key=f"{role[:16]} @ {unit.code}")
            user.grants.remove(grant)  # delete-orphan: the row goes at the flush
            session.flush()
            ended, _ = self._cut_off(session, user, now, tokens=False)
            return _Done(ended, None, f"{role} @ {unit.code}")
        return self._apply(by, username, "revoke_grant", change, key)

    def reset_password(self, by: Actor | str, username: str, *, key: str | None = None) -> AccessResult:
        """A temporary password the user must replace at their next sign-in, valid
        for ``TEMPORARY_VALID``."""
        temporary = self._temporary()
        hashed = hash_password(temporary)  # slow on purpose: outside the write transaction

        def change(session: Session, user: User, now: datetime) -> _Done:
            user.password_hash = hashed
            user.must_change_password = True
            user.temporary_until = now + TEMPORARY_VALID
            return _Done(*self._cut_off(session, user, now, tokens=True))
        result = self._apply(by, username, "reset_password", change, key)
        if result.replayed:
            return result
        return AccessResult(result.action, result.username, result.at, result.detail, result.sessions_ended,
                            result.tokens_revoked, temporary_password=temporary)

    def change_password(self, user_id: int, current: str, new: str) -> AccessResult:
        """The user's own change: ``current`` must match. Ends every session (the
        caller starts a fresh one for this browser) and revokes every token."""
        if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
            raise InvalidField(field="new", problem_vi=f"mật khẩu mới cần {MIN_PASSWORD}–{MAX_PASSWORD} ký tự",
                               problem_en=f"the new password needs {MIN_PASSWORD}–{MAX_PASSWORD} characters")
        now = self.clock.now()
        with UnitOfWork(self.sessions, write=True) as uow:
            session = uow.session
            username = session.scalar(select(User.username).where(User.id == user_id))
            user = authenticate(session, username, current, now=now) if username and current else None
            if user is None:
                raise InvalidField(field="current", problem_vi="mật khẩu hiện tại không đúng",
                                   problem_en="the current password is wrong")
            if new == current:
                raise InvalidField(field="new", problem_vi="mật khẩu mới trùng mật khẩu cũ",
                                   problem_en="the new password is the old one")
            user.password_hash = hash_password(new)
            user.must_change_password, user.temporary_until = False, None
            done = _Done(*self._cut_off(session, user, now, tokens=True))
            session.add(AccessChange(at=now, by_name=user.username, user_id=user.id, username=user.username,
                                     action="change_password", detail=done.detail))
            uow.commit()
        return AccessResult("change_password", user.username, now, done.detail, done.sessions_ended,
                            done.tokens_revoked or 0)

    # -- reading -----------------------------------------------------------------

    def log(self, *, limit: int = 100, username: str | None = None) -> list[ChangeInfo]:
        """The newest changes first."""
        query = select(AccessChange).order_by(AccessChange.id.desc()).limit(max(1, min(limit, 10_000)))
        if username:
            query = query.where(AccessChange.username == username[:64])
        with self.sessions() as session:
            return [ChangeInfo(r.at, r.by_name, r.username, r.action, r.detail) for r in session.scalars(query)]

    # -- how ---------------------------------------------------------------------

    @staticmethod
    def _temporary() -> str:
        return "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_LENGTH))

    @staticmethod
    def _cut_off(session: Session, user: User, now: datetime, *, tokens: bool) -> tuple[int, int | None]:
        """(sessions ended, tokens revoked or None when tokens are kept)."""
        ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id)).rowcount
        if not tokens:
            return ended, None
        live = (ApiToken.user_id == user.id) & ApiToken.revoked_at.is_(None)
        revoked = session.execute(update(ApiToken).where(live).values(revoked_at=now)).rowcount
        return ended, revoked

    def _apply(self, by: Actor | str, username: str, action: str, change: _Change, key: str | None) -> AccessResult:
        if isinstance(by, Actor) and not by.has_role("admin"):
            raise RoleNotAllowed(trigger=action, roles=["admin"])
        key = key[:MAX_KEY] if key else None
        now = self.clock.now()
        try:
            with UnitOfWork(self.sessions, write=True) as uow:
                # The user's row is locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE
                # already serialises writers): two admins deactivating one user at
                # once make one change, and the other is told it is done ...
                user = uow.session.scalar(select(User).where(User.username == username.strip()[:64])
                                          .with_for_update())
                # ... and a form submitted twice at once then finds the first
                # submission's change (committed before the lock was granted).
                if key is not None and (first := self._replay(uow.session, key)) is not None:
                    return first
                if user is None:
                    raise NotFound(what="người dùng / user", key=username.strip()[:64])
                done: _Done = change(uow.session, user, now)
                uow.session.add(AccessChange(at=now, by_name=_by_name(by), user_id=user.id, username=user.username,
                                             action=action, detail=done.detail, request_key=key))
                uow.commit()
                return AccessResult(action, user.username, now, done.detail, done.sessions_ended,
                                    done.tokens_revoked or 0)
        except IntegrityError:
            # The same form, submitted twice at once: the other submission won.
            if key is not None:
                with self.sessions() as session:
                    if (first := self._replay(session, key)) is not None:
                        return first
            raise

    @staticmethod
    def _replay(session: Session, key: str) -> AccessResult | None:
        row = session.scalar(select(AccessChange).where(AccessChange.request_key == key))
        if row is None:
            return None
        return AccessResult(row.action, row.username, row.at, row.detail, replayed=True)
