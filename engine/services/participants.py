"""The officials who took part in a meeting, as typed with it: checked here, written
with the meeting (``engine.services.meetings``), counted by the report as "lượt cán
bộ, công chức tham gia".

Each entry names a user of the application (by username) or a person without an
account (by name). A user must work at the meeting's level or above it, or inside
it: one of their grants is on a unit whose administrative level unit
(``engine.escalation_direction.level_unit``) is the meeting's commune, one of its
ancestors, or a unit below the commune — an official of another commune did not
take part in this one's meeting, and naming them is a slip. Names are text like
any other (control characters removed, at most ``MAX_NAME`` characters): shown
escaped on pages and neutralised in files (``engine.tabular``), never interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidField
from ..escalation_direction import level_unit
from ..models import Unit, User
from .fields import clean_text

__all__ = ["Participant", "CheckedParticipant", "check_participants", "MAX_PARTICIPANTS", "MAX_NAME"]

# A meeting is a few dozen people on the authorities' side; a longer list is a paste gone wrong.
MAX_PARTICIPANTS = 200
MAX_NAME = 200
_FIELD = "participants"


@dataclass(frozen=True)
class Participant:
    """One person who took part: ``user`` (a username) or ``name``, not both."""

    user: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class CheckedParticipant:
    user_id: int | None
    name: str


def _refuse(vi: str, en: str) -> InvalidField:
    return InvalidField(field=_FIELD, problem_vi=vi, problem_en=en)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _works_here(user: User, unit: Unit) -> bool:
    commune = level_unit(unit)
    for grant in user.grants:
        own = level_unit(grant.unit)
        if commune.path.startswith(own.path) or grant.unit.path.startswith(commune.path):
            return True
    return False


def check_participants(session: Session, raw: Any, unit: Unit | None) -> tuple[list[CheckedParticipant],
                                                                                list[InvalidField]]:
    """The participants to write, and every problem (each naming its line). With
    ``unit`` None (the meeting's unit was refused) users are looked up but not
    matched to it."""
    if raw is None:
        return [], []
    if not isinstance(raw, (list, tuple)):
        return [], [_refuse("phải là một danh sách", "must be a list")]
    if len(raw) > MAX_PARTICIPANTS:
        return [], [_refuse(f"tối đa {MAX_PARTICIPANTS} người", f"at most {MAX_PARTICIPANTS} people")]
    out: list[CheckedParticipant] = []
    problems: list[InvalidField] = []
    seen_users: set[int] = set()
    seen_names: set[str] = set()
    for line, item in enumerate(raw, start=1):
        if not isinstance(item, Participant) or _blank(item.user) == _blank(item.name):
            problems.append(_refuse(f"dòng {line}: ghi tài khoản hoặc họ tên (một trong hai)",
                                    f"line {line}: give an account or a name (one of them)"))
            continue
        if not _blank(item.user):
            username = item.user.strip() if isinstance(item.user, str) else ""
            user = (session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
                    if 0 < len(username) <= 64 and username.isprintable() else None)
            if user is None:
                problems.append(_refuse(f"dòng {line}: không có tài khoản “{username[:40]}”",
                                        f"line {line}: no account “{username[:40]}”"))
                continue
            if unit is not None and not _works_here(user, unit):
                problems.append(_refuse(f"dòng {line}: “{username}” không công tác tại đơn vị này hoặc cấp trên",
                                        f"line {line}: “{username}” works neither here nor at a level above"))
                continue
            if user.id in seen_users:
                problems.append(_refuse(f"dòng {line}: “{username}” đã có trong danh sách",
                                        f"line {line}: “{username}” is listed already"))
                continue
            seen_users.add(user.id)
            out.append(CheckedParticipant(user.id, (user.full_name or user.username)[:MAX_NAME]))
            continue
        if not isinstance(item.name, str) or len(item.name.strip()) > MAX_NAME:
            problems.append(_refuse(f"dòng {line}: họ tên dài quá {MAX_NAME} ký tự",
                                    f"line {line}: a name longer than {MAX_NAME} characters"))
            continue
        try:
            name = clean_text(_FIELD, item.name, required=False)
        except InvalidField as err:  # control or bidi characters: the one text rule says which
            problems.append(_refuse(f"dòng {line}: {err.params['problem_vi']}",
                                    f"line {line}: {err.params['problem_en']}"))
            continue
        key = " ".join(name.casefold().split())
        if not name:
            problems.append(_refuse(f"dòng {line}: họ tên trống", f"line {line}: the name is empty"))
            continue
        if key in seen_names:
            problems.append(_refuse(f"dòng {line}: “{name[:40]}” đã có trong danh sách",
                                    f"line {line}: “{name[:40]}” is listed already"))
            continue
        seen_names.add(key)
        out.append(CheckedParticipant(None, name))
    return out, problems
