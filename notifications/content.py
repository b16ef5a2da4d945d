"""What of an outbox message may leave the app: a vetted copy of its payload.

The engine promises payloads without personal data; this module does not take
that on trust. Only known, harmless keys pass (codes, states, units, topics,
deadlines, lateness, the acting official's username), so a key added to a payload
later (a name, a phone number, a rendered text quoting the opinion) never reaches
an email, a webhook or an inbox until someone adds it here on purpose. For a
denunciation (tố cáo) the origin unit is dropped as well, and any unit field that
names it (a case still handled where it was raised): a village can be small enough
to point at the denouncer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from engine.calendar import WorkingCalendar
from engine.deadlines import lateness

__all__ = ["SAFE_KEYS", "CONFIDENTIAL_KINDS", "vet", "parse_instant", "days_late"]

SAFE_KEYS = frozenset({
    # case.* (engine.history)
    "code", "workflow", "seq", "trigger", "from", "to", "topic", "kind", "origin_unit", "handling_unit",
    "due_at", "actor",
    # deadline.* (timers): stage, rule and the units involved
    "state", "rule", "stage", "unit", "target_unit", "parent_unit", "escalated_to", "previous_due_at",
    "old_due_at", "new_due_at", "remind_before", "days_late", "working_days_late", "overdue_days",
})
# Opinions whose author's identity is confidential by law (Denunciation Law 2018).
CONFIDENTIAL_KINDS = frozenset({"to_cao"})
_LOCATING_KEYS = frozenset({"origin_unit"})
_UNIT_KEYS = frozenset({"handling_unit", "unit", "target_unit", "parent_unit", "escalated_to"})
_SCALARS = (str, int, float, bool, type(None))


def vet(payload: Mapping[str, Any] | None, *, case_kind: str | None = None) -> dict[str, Any]:
    """The safe part of a payload: whitelisted keys with scalar values only."""
    payload = payload or {}
    kind = case_kind or payload.get("kind")
    confidential = kind in CONFIDENTIAL_KINDS
    out: dict[str, Any] = {}
    for key in sorted(SAFE_KEYS & set(payload)):
        value = payload[key]
        if confidential and (key in _LOCATING_KEYS or (key in _UNIT_KEYS and value == payload.get("origin_unit"))):
            continue  # nor any other field naming the village it came from
        if isinstance(value, _SCALARS):
            out[key] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out[key] = list(value)
    return out


def parse_instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def days_late(data: Mapping[str, Any], calendar: WorkingCalendar, as_of: datetime,
              case_due: datetime | None = None) -> int | None:
    """Working days past the deadline at ``as_of``; None when not late or unknown.

    Counted from the message's deadline when it has one (so a digest read the next
    morning says how late it is then); else the count the message was written with.
    """
    due = parse_instant(data.get("due_at")) or case_due
    if due is not None:
        return None if as_of <= due else lateness(calendar, due, as_of)
    for key in ("days_late", "working_days_late", "overdue_days"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
