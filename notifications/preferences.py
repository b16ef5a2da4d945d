"""How each user wants to hear: immediately or in a daily digest, and in which language.

A user without a stored preference gets email at once, in the language of their
account; a digest comes at 07:30 Asia/Ho_Chi_Minh unless they chose another time.
Functions take a session and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidField, NotFound
from engine.models import NotificationPreference, User
from engine.models.notifications import DIGEST_DEFAULT_TIME

__all__ = ["Preference", "MODES", "LANGUAGES", "get_preference", "preferences_for", "set_preference",
           "digest_slot"]

MODES = ("immediate", "digest")
LANGUAGES = ("vi", "en")
DEFAULT_TZ = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Preference:
    user_id: int
    mode: str = "immediate"
    digest_time: time = DIGEST_DEFAULT_TIME
    timezone: str = DEFAULT_TZ
    language: str = "vi"
    email_enabled: bool = True


def _view(user: User, row: NotificationPreference | None) -> Preference:
    user_language = user.language if user.language in LANGUAGES else "vi"
    if row is None:
        return Preference(user_id=user.id, language=user_language)
    return Preference(user_id=user.id, mode=row.mode, digest_time=row.digest_time, timezone=row.timezone,
                      language=row.language or user_language, email_enabled=row.email_enabled)


def get_preference(session: Session, user_id: int) -> Preference:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(what="người dùng / user", key=str(user_id))
    return _view(user, session.get(NotificationPreference, user_id))


def preferences_for(session: Session, user_ids: Iterable[int]) -> dict[int, Preference]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(ids))).all()
    rows = {r.user_id: r for r in session.scalars(select(NotificationPreference)
                                                  .where(NotificationPreference.user_id.in_(ids)))}
    return {u.id: _view(u, rows.get(u.id)) for u in users}


def set_preference(session: Session, user_id: int, *, now: datetime, mode: str | None = None,
                   digest_time: time | None = None, timezone: str | None = None, language: str | None = None,
                   email_enabled: bool | None = None) -> Preference:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(what="người dùng / user", key=str(user_id))
    if mode is not None and mode not in MODES:
        raise InvalidField(field="mode", problem_vi="phải là immediate hoặc digest",
                           problem_en="must be immediate or digest")
    if language is not None and language not in LANGUAGES:
        raise InvalidField(field="language", problem_vi="phải là vi hoặc en", problem_en="must be vi or en")
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidField(field="timezone", problem_vi=f"không biết múi giờ “{timezone[:64]}”",
                               problem_en=f"unknown time zone “{timezone[:64]}”") from None
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id, mode="immediate", digest_time=DIGEST_DEFAULT_TIME,
                                     timezone=DEFAULT_TZ, language=None, email_enabled=True, updated_at=now)
        session.add(row)
    if mode is not None:
        row.mode = mode
    if digest_time is not None:
        row.digest_time = digest_time.replace(tzinfo=None, second=0, microsecond=0)
    if timezone is not None:
        row.timezone = timezone
    if language is not None:
        row.language = language
    if email_enabled is not None:
        row.email_enabled = email_enabled
    row.updated_at = now
    session.flush()
    return _view(user, row)


def digest_slot(pref: Preference, now: datetime) -> datetime:
    """The latest digest time at or before ``now`` in the user's zone (an aware instant)."""
    tz = ZoneInfo(pref.timezone)
    local_now = now.astimezone(tz)
    slot = datetime.combine(local_now.date(), pref.digest_time, tzinfo=tz)
    if slot > local_now:
        slot = datetime.combine(local_now.date() - timedelta(days=1), pref.digest_time, tzinfo=tz)
    return slot
