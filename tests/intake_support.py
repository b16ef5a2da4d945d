"""What the meeting-intake tests share: an intake of many opinions (answered on the
spot, escalated, recorded), its JSON form, the row counts of every table a write
touches, and a fault injected at the k-th call of a function of the write path."""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, select

from engine.models import (Case, CaseEvent, CaseFacts, IdempotencyKey, Meeting, MeetingParticipant, Open311Request,
                           OutboxMessage, Timer)
from engine.services.meetings import NewMeeting, Opinion

__all__ = ["written", "opinions", "intake", "api_body", "Crash", "crash_at", "OUTCOMES"]

# One opinion in three is answered on the spot, one escalated, one recorded.
OUTCOMES = ("answer_on_site", "escalate", None)


def written(sessions: Any) -> dict[str, int]:
    """Rows of every table an intake or an Open311 request writes."""
    with sessions() as s:
        return {model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0 for model in (
            Meeting, Case, CaseEvent, OutboxMessage, Timer, CaseFacts, IdempotencyKey, Open311Request,
            MeetingParticipant)}


def opinions(n: int) -> tuple[Opinion, ...]:
    out = []
    for i in range(n):
        outcome = OUTCOMES[i % 3]
        out.append(Opinion(
            topic="dien_nuoc" if i % 2 else "giao_thong", content=f"Ý kiến số {i + 1}: đường ngập khi mưa",
            unit="A1" if i % 2 else "A2", citizen_name=f"Người dân {i + 1}", citizen_phone="0901 234 567",
            outcome=outcome, answer=f"Đã trả lời tại chỗ ý kiến {i + 1}" if outcome == "answer_on_site" else None,
            target_unit="A-KT" if outcome == "escalate" else None))
    return tuple(out)


def intake(n: int = 6, **fields: Any) -> NewMeeting:
    base: dict[str, Any] = dict(programme="nghe-dan-noi", held_on="2026-11-23", unit="A", place="Nhà văn hóa ấp A1",
                                hosts="Chủ tịch UBND xã", attendees=57, opinions=opinions(n))
    base.update(fields)
    return NewMeeting(**base)


def api_body(n: int = 6, **fields: Any) -> dict[str, Any]:
    new = intake(n)
    body: dict[str, Any] = {"programme": new.programme, "held_on": new.held_on, "unit": new.unit,
                            "place": new.place, "hosts": new.hosts, "attendees": new.attendees,
                            "opinions": [{k: v for k, v in o.__dict__.items() if v is not None and k != "files"}
                                         for o in new.opinions]}  # the JSON intake carries no files
    body.update(fields)
    return body


class Crash(RuntimeError):
    """The injected failure: not a refusal, a crash (what a dying process looks like
    from inside the transaction)."""


def crash_at(monkeypatch: Any, owner: Any, name: str, k: int) -> list[int]:
    """Make the ``k``-th call of ``owner.name`` raise ``Crash`` (after the calls
    before it did their work); returns the call counter."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == k:
            raise Crash(f"injected crash at call {k} of {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)
    return calls
