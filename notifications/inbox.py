"""The in-app inbox: one item per notification and user, read or unread.

For the web pages: ``unread_count`` for the badge, ``list_items`` for the page
(newest first), ``open_item`` when one is opened (read from then on),
``mark_all_read`` for the button.
Functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.models import InboxItem
from engine.services.meeting_notice import MEETING_RECORDED, meeting_of

from .admin import DEAD_NOTICE
from .text import StateLabel, default_state_label, event_phrase, topic_label

__all__ = ["InboxEntry", "unread_count", "list_items", "open_item", "mark_read", "mark_all_read",
           "DEAD_LETTERS_PATH"]

DEAD_LETTERS_PATH = "/admin#dead-letters"  # where the web app lists dead letters


@dataclass(frozen=True)
class InboxEntry:
    id: int
    kind: str
    case_code: str | None
    created_at: datetime
    read_at: datetime | None
    text: str  # one line in the requested language: what happened, topic, lateness
    link: str | None  # path inside the app, e.g. /cases/P-2026-…
    data: dict[str, Any]

    @property
    def unread(self) -> bool:
        return self.read_at is None


def unread_count(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(InboxItem)
                              .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))) or 0)


def _entry(item: InboxItem, lang: str, state_label: StateLabel) -> InboxEntry:
    data = dict(item.data or {})
    late = data.get("days_late") if isinstance(data.get("days_late"), int) else None
    phrase = event_phrase(item.kind, data, lang, state_label, days_late=late,
                          unit_name=data.get("escalated_to") or data.get("handling_unit"))
    topic = topic_label(data.get("topic"), lang)
    text = " · ".join(part for part in (item.case_code, topic, phrase) if part)
    link = f"/cases/{item.case_code}" if item.case_code else _link(item.kind, data)
    return InboxEntry(id=item.id, kind=item.kind, case_code=item.case_code, created_at=item.created_at,
                      read_at=item.read_at, text=text, link=link, data=data)


def _link(kind: str, data: dict[str, Any]) -> str | None:
    if kind == DEAD_NOTICE:
        return DEAD_LETTERS_PATH
    meeting = meeting_of(data) if kind == MEETING_RECORDED else None
    return f"/meetings/{meeting}" if meeting is not None else None


def list_items(session: Session, user_id: int, *, lang: str = "vi", unread_only: bool = False, limit: int = 50,
               before_id: int | None = None, state_label: StateLabel = default_state_label) -> list[InboxEntry]:
    stmt = select(InboxItem).where(InboxItem.user_id == user_id)
    if unread_only:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    if before_id is not None:
        stmt = stmt.where(InboxItem.id < before_id)
    # Newest first by when it happened: fan-out order is not event order (a deadline
    # alert fanned out late, a retried row), so the id alone misorders the page.
    stmt = stmt.order_by(InboxItem.created_at.desc(), InboxItem.id.desc()).limit(max(1, min(limit, 500)))
    return [_entry(item, lang, state_label) for item in session.scalars(stmt)]


def open_item(session: Session, user_id: int, item_id: int, *, now: datetime, lang: str = "vi",
              state_label: StateLabel = default_state_label) -> InboxEntry | None:
    """The user's own item ``item_id``, marked read (None: not theirs or no such item)."""
    item = session.scalar(select(InboxItem).where(InboxItem.id == item_id, InboxItem.user_id == user_id))
    if item is None:
        return None
    if item.read_at is None:
        item.read_at = now
    return _entry(item, lang, state_label)


def mark_read(session: Session, user_id: int, item_ids: Iterable[int], *, now: datetime) -> int:
    """Mark the user's own items read (others' ids are ignored); returns how many changed."""
    ids = [int(i) for i in item_ids]
    if not ids:
        return 0
    result = session.execute(update(InboxItem)
                             .where(InboxItem.user_id == user_id, InboxItem.id.in_(ids), InboxItem.read_at.is_(None))
                             .values(read_at=now))
    return int(result.rowcount or 0)


def mark_all_read(session: Session, user_id: int, *, now: datetime) -> int:
    result = session.execute(update(InboxItem)
                             .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
                             .values(read_at=now))
    return int(result.rowcount or 0)
