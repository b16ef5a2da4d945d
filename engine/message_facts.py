"""What of a case may leave the application in a message: an email, a webhook, an
inbox line. The outbound half of ``engine.disclosure``.

The engine writes outbox payloads without personal data; this module does not take
that on trust. Only known, harmless keys pass (codes, states, units, topics,
deadlines, lateness, the acting official's username), so a key added to a payload
later (a name, a phone number, a rendered text quoting the opinion) never reaches
an email, a webhook or an inbox until someone adds it here on purpose. For a
denunciation the origin unit is dropped as well, and any unit field that names it
(a case still handled where it was raised): a village can be small enough to point
at the denouncer, so a message names a denunciation's unit at commune level at
most (``unit_for_message``).
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .disclosure import is_confidential
from .models import Unit

__all__ = ["SAFE_KEYS", "message_facts", "unit_for_message", "CITIZEN_KEYS", "citizen_notice", "citizen_facts"]

SAFE_KEYS = frozenset({
    # case.* (engine.history)
    "code", "workflow", "seq", "trigger", "from", "to", "topic", "kind", "origin_unit", "handling_unit",
    "due_at", "actor",
    # deadline.* (timers): stage, rule and the units involved
    "state", "rule", "stage", "unit", "target_unit", "parent_unit", "escalated_to", "previous_due_at",
    "old_due_at", "new_due_at", "remind_before", "days_late", "working_days_late", "overdue_days",
    # support.* (engine.services.support_alerts): counts and unit codes only
    "month", "gifts", "target", "week", "villages", "minimum",
    # meeting.recorded (engine.services.meeting_notice), and the stamp on its opinions' rows
    "meeting", "held_on", "unit_name", "programme", "opinions", "answered_on_site", "escalated",
})
# A denunciation's meeting would say where it was raised, as its village would.
_LOCATING_KEYS = frozenset({"origin_unit", "meeting"})
_UNIT_KEYS = frozenset({"handling_unit", "unit", "target_unit", "parent_unit", "escalated_to"})
_SCALARS = (str, int, float, bool, type(None))


def message_facts(payload: Mapping[str, Any] | None, *, case_kind: str | None = None) -> dict[str, Any]:
    """The part of an outbox payload a message may carry: whitelisted keys, scalar values."""
    payload = payload or {}
    confidential = is_confidential(case_kind or payload.get("kind"))
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


def unit_for_message(session: Session, code: str, kind: str | None) -> str:
    """The unit a message names for a case of ``kind`` handled by ``code``."""
    if not is_confidential(kind):
        return code
    unit = session.scalar(select(Unit).where(Unit.code == code))
    while unit is not None and unit.level == "village" and unit.parent is not None:
        unit = unit.parent
    return unit.code if unit is not None else code


# -- messages to the citizen (SMS, Zalo, email; engine.consent says whether one may go) --
# Less than the officials get: the code, the new state, the deadline or appointment
# and the unit now handling it. Never the opinion's text, the answer's text (it may
# name people), anyone's name, the acting official or the village it came from.
CITIZEN_KEYS = frozenset({"code", "to", "due_at", "appointment", "handling_unit"})
# Which steps the citizen hears of, by trigger of the built-in programmes.
_CITIZEN_TRIGGERS = {"answer_on_site": "answered", "answer": "answered", "escalate": "escalated",
                     "extend": "extended", "resolve": "resolved"}


def citizen_notice(kind: str, payload: Mapping[str, Any] | None) -> str | None:
    """received | answered | escalated | extended | resolved, or None: not for the citizen."""
    if kind == "case.created":
        return "received"
    if kind != "case.transitioned":
        return None
    trigger = (payload or {}).get("trigger")
    return _CITIZEN_TRIGGERS.get(trigger) if isinstance(trigger, str) else None


def citizen_facts(payload: Mapping[str, Any] | None, *, case_kind: str | None = None) -> dict[str, Any]:
    """What a message to the citizen may carry of an outbox payload."""
    facts = message_facts(payload, case_kind=case_kind)
    facts.update({k: v for k, v in (payload or {}).items() if k == "appointment" and isinstance(v, str)})
    return {k: v for k, v in facts.items() if k in CITIZEN_KEYS}
