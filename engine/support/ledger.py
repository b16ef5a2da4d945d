"""Each commune's fund as a hash chain, the way a case's history is one
(``engine.audit``): ``hash = sha256(prev_hash + canonical JSON of the entry)``, the
ledger row keeping the head and the count. An edited entry no longer matches its
hash, a deleted one leaves a gap or a shortened chain that misses the head, and
swapping two entries breaks their links. The daily seal (``engine.seals``) covers the
heads too, so rewriting a whole ledger consistently shows as well."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import GENESIS, instant_text, link_hash
from ..models import FundEntry, FundLedger, Unit

__all__ = ["entry_body", "entry_hash", "LedgerBreak", "verify_ledgers"]


class _EntryFields(Protocol):
    seq: int
    on_date: Any
    kind: str
    amount: int
    purpose: str
    meeting_id: int | None
    activity_id: int | None
    reverses_id: int | None
    donor: str | None
    note: str
    actor: str
    created_at: Any


def entry_body(commune_code: str, entry: _EntryFields) -> dict[str, Any]:
    # The donor is chained as written: the ledger is the Front's to audit, and the
    # public page, which reads it, shows no donor (engine.services.fund.statement).
    return {
        "commune": commune_code, "seq": entry.seq, "on": entry.on_date.isoformat(), "kind": entry.kind,
        "amount": int(entry.amount), "purpose": entry.purpose or "", "meeting": entry.meeting_id,
        "activity": entry.activity_id, "reverses": entry.reverses_id, "donor": entry.donor,
        "note": entry.note or "", "actor": entry.actor, "at": instant_text(entry.created_at),
    }


def entry_hash(prev_hash: str, commune_code: str, entry: _EntryFields) -> str:
    return link_hash(prev_hash, entry_body(commune_code, entry))


@dataclass(frozen=True)
class LedgerBreak:
    commune_code: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry #{self.seq}" if self.seq is not None else "head"
        return f"fund {self.commune_code} {where}: {self.problem}"


def _check(code: str, ledger: FundLedger, entries: list[FundEntry]) -> LedgerBreak | None:
    prev = GENESIS
    for expected, entry in enumerate(entries, start=1):
        if entry.seq != expected:
            return LedgerBreak(code, expected, f"entry #{expected} is missing (found #{entry.seq})")
        if entry.prev_hash != prev:
            return LedgerBreak(code, entry.seq, "does not link to the previous entry (reordered or replaced)")
        if entry_hash(prev, code, entry) != entry.hash:
            return LedgerBreak(code, entry.seq, "content does not match its hash (edited)")
        prev = entry.hash
    if len(entries) != ledger.entry_count or prev != ledger.head_hash:
        return LedgerBreak(code, None, f"ledger ends at #{len(entries)} but its head records #{ledger.entry_count}")
    return None


def verify_ledgers(session: Session) -> Iterator[LedgerBreak]:
    """Every broken ledger, one commune at a time (a commune's fund is small)."""
    rows = session.execute(select(FundLedger, Unit.code).join(Unit, Unit.id == FundLedger.commune_id)
                           .order_by(FundLedger.commune_id)).all()
    for ledger, code in rows:
        entries = list(session.scalars(select(FundEntry).where(FundEntry.commune_id == ledger.commune_id)
                                       .order_by(FundEntry.seq, FundEntry.id)))
        broken = _check(code, ledger, entries)
        if broken is not None:
            yield broken
    orphans = session.scalars(select(Unit.code).join(FundEntry, FundEntry.commune_id == Unit.id)
                              .outerjoin(FundLedger, FundLedger.commune_id == Unit.id)
                              .where(FundLedger.commune_id.is_(None)).distinct())
    for code in orphans:
        yield LedgerBreak(code, None, "entries without their ledger head (head deleted)")
