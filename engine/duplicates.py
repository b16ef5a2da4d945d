"""Likely duplicates: the same village, similar words, within 90 days — a suggestion
on a case's page and after a meeting's intake, never a refusal.

The same request is often raised at two meetings, or at a meeting and on the
hotline; merging them (the workflow's ``merge``) keeps one dossier. What counts as
"similar" is the share of word trigrams two folded texts have in common (as
``pg_trgm``'s similarity: word order and accents do not matter, a typo costs a few
trigrams), at least ``THRESHOLD``.

Only cases the reader may see are suggested (``engine.queries.scope_clause``), and
a village lies in one commune, so nothing is suggested across communes. A
denunciation is suggested only to whom ``engine.disclosure`` shows its author: its
words can tell who wrote it. Cases already merged into another are not suggested
(the original is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor
from .disclosure import FULL, disclosure, is_confidential
from .models import Case
from .queries import scope_clause
from .search import fold

__all__ = ["Probe", "Suggestion", "WINDOW", "THRESHOLD", "MAX_SUGGESTIONS", "similarity", "likely_duplicates",
           "merged_into"]

WINDOW = timedelta(days=90)
THRESHOLD = 0.5
MAX_SUGGESTIONS = 5
# A village's opinions in 180 days are a few hundred at most; past this many
# candidates the newest are compared.
MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class Probe:
    """A text to find duplicates of: a case's (``case_id``), or one being typed (None)."""

    key: object
    village_id: int
    content: str
    at: datetime
    case_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    code: str
    content: str
    received_at: datetime
    state: str
    workflow: str
    score: float


def _trigrams(text: str) -> frozenset[str]:
    grams: set[str] = set()
    for word in "".join(ch if ch.isalnum() else " " for ch in fold(text)).split():
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: str, b: str) -> float:
    """Shared word trigrams over all of them, 0 to 1 (``pg_trgm``'s measure)."""
    ta, tb = _trigrams(a), _trigrams(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def _visible(actor: Actor, case: Case) -> bool:
    if not is_confidential(case.kind):
        return True
    return disclosure(actor, case.kind, case.origin_unit.path, case.handling_unit.path) == FULL


def likely_duplicates(session: Session, actor: Actor, probes: Sequence[Probe]) -> dict[object, list[Suggestion]]:
    """For each probe, the visible cases of its village received within ``WINDOW``
    of it whose text is similar, the most similar first (at most
    ``MAX_SUGGESTIONS``). One query for all probes."""
    if not probes:
        return {}
    villages = sorted({p.village_id for p in probes})
    earliest = min(p.at for p in probes) - WINDOW
    latest = max(p.at for p in probes) + WINDOW
    rows = list(session.scalars(
        select(Case).where(scope_clause(actor), Case.origin_unit_id.in_(villages), Case.received_at >= earliest,
                           Case.received_at <= latest, Case.duplicate_of_id.is_(None))
        .order_by(Case.received_at.desc()).limit(MAX_CANDIDATES)))
    candidates = [(c, _trigrams(c.content)) for c in rows if _visible(actor, c)]
    out: dict[object, list[Suggestion]] = {}
    for probe in probes:
        mine = _trigrams(probe.content)
        found = []
        for case, grams in candidates:
            if case.id == probe.case_id or case.origin_unit_id != probe.village_id:
                continue
            if abs(case.received_at - probe.at) > WINDOW or not mine or not grams:
                continue
            score = len(mine & grams) / len(mine | grams)
            if score >= THRESHOLD:
                found.append(Suggestion(case.code, case.content, case.received_at, case.state, case.workflow_key,
                                        round(score, 2)))
        found.sort(key=lambda s: (-s.score, s.received_at))
        out[probe.key] = found[:MAX_SUGGESTIONS]
    return out


def merged_into(session: Session, actor: Actor, case_id: int) -> list[tuple[str, datetime, str]]:
    """The cases merged into this one that the reader may see: (code, received, content)."""
    rows = session.scalars(select(Case).where(Case.duplicate_of_id == case_id, scope_clause(actor))
                           .order_by(Case.received_at))
    return [(c.code, c.received_at, c.content) for c in rows if _visible(actor, c)]
