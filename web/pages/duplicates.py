"""Likely duplicates and merged cases as the pages show them: on a case's page, and
as a notice on a meeting's page after its intake (``engine.duplicates`` decides)."""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import select

from engine.actors import Actor
from engine.duplicates import Probe, Suggestion, likely_duplicates, merged_into
from engine.models import Case

from .i18n import Translator, local_date

__all__ = ["case_duplicates", "intake_notices"]


def case_duplicates(session: Any, actor: Actor, code: str) -> tuple[list[Suggestion], list[tuple[str, Any, str]]]:
    """(likely duplicates of the case, the cases merged into it), as ``actor`` may see them."""
    case = session.scalar(select(Case).where(Case.code == code))
    if case is None:
        return [], []
    found = likely_duplicates(session, actor, [Probe(case.id, case.origin_unit_id, case.content, case.received_at,
                                                      case_id=case.id)])
    suggestions = [] if case.duplicate_of_id else found.get(case.id, [])
    return suggestions, merged_into(session, actor, case.id)


def intake_notices(session: Any, actor: Actor, t: Translator, cases: Sequence[Case]) -> list[str]:
    """One line per opinion of a meeting that may repeat an earlier one (not one of
    the same meeting's: those were typed together, on purpose)."""
    probes = [Probe(c.id, c.origin_unit_id, c.content, c.received_at, case_id=c.id) for c in cases]
    mine = {c.code for c in cases}
    found = likely_duplicates(session, actor, probes)
    out = []
    for c in cases:
        others = [s for s in found.get(c.id, []) if s.code not in mine]
        if others:
            out.append(t("lists_dup_intake", code=c.code, others=", ".join(
                f"{s.code} ({t('lists_dup_received', day=local_date(s.received_at))})" for s in others)))
    return out
