"""A case's history as a spreadsheet a person reads: headers, actions, states and the
details of each step in the reader's language, times local (``dd/mm/yyyy HH:MM:SS``),
with the hashes so the chain can be followed. Programs read ``history.json``, which
keeps the codes and ISO instants the hashes are made of."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Protocol, Sequence

from engine.calendar import LOCAL_TZ
from engine.services.views import EventView
from engine.tabular import CsvWriter
from engine.vocab import CHANNELS, KINDS, TOPICS, label

from .i18n import Translator

__all__ = ["HEADER_KEYS", "history_csv"]

HEADER_KEYS = ("hist_case", "hist_seq", "hist_at_utc", "hist_at", "hist_actor", "hist_action", "hist_from", "hist_to",
               "hist_note", "hist_data", "hist_prev_hash", "hist_hash")
# Details the timeline already tells (answer, reason, target unit, appointment ...).
_SHOWN = frozenset({"answer", "reason", "target_unit", "appointment", "satisfaction", "duplicate_of", "due_at"})
_VOCAB = {"topic": TOPICS, "kind": KINDS, "channel": CHANNELS}
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


class Entry(Protocol):
    who: str
    label: str
    from_label: str
    to_label: str
    details: list[tuple[str, str]]


def _when(at: datetime, tz: Any) -> str:
    return at.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S")


def _local(value: Any) -> Any:
    """An instant kept in the data (ISO 8601, as hashed) as a person reads it."""
    if isinstance(value, str) and _ISO.match(value):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
        return _when(instant, LOCAL_TZ)[:16] if instant.tzinfo else instant.strftime("%d/%m/%Y")
    return value


def _details(t: Translator, event: EventView, entry: Entry) -> str:
    parts = [f"{name}: {value}" for name, value in entry.details]
    for key, value in sorted(event.data.items()):
        if key in _SHOWN or value in (None, "", [], {}):
            continue
        shown = label(_VOCAB[key], value, t.lang) if key in _VOCAB and isinstance(value, str) else _local(value)
        parts.append(f"{t.field(key)}: {shown}")
    return "; ".join(parts)


def history_csv(t: Translator, code: str, events: Sequence[EventView], entries: Sequence[Entry],
                broken: str | None, now: datetime) -> str:
    out = CsvWriter()
    out.row([t(key) for key in HEADER_KEYS])
    for e, entry in zip(events, entries):
        out.row([code, e.seq, _when(e.at, timezone.utc), _when(e.at, LOCAL_TZ), entry.who, entry.label,
                 entry.from_label, entry.to_label, e.note, _details(t, e, entry), e.prev_hash, e.hash])
    verdict = t("chain_intact") if broken is None else f"{t('chain_bad')}: {broken}"
    out.row([code, "", _when(now, timezone.utc), _when(now, LOCAL_TZ), "", t("hist_verification"), "", "",
             verdict, "", "", ""])
    return out.take()
