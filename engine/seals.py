"""Daily seals: one short value that pins every case history as it stood at the end
of a day.

Each case's events form a hash chain (``engine.audit``), and the case row keeps the
head. That catches an edited or a deleted event — unless someone rewrites a whole
chain consistently, recomputing every hash and the head: each chain then verifies
on its own. A seal is computed over all chains at once and kept *outside* the
database (printed, written in the Front's minutes), so such a rewrite shows.

The seal of day D (local) is::

    sha256("nghedan-seal-v1\\n" + for every case in code order:
           "<code>:<head>:<n>\\n")

followed, for every commune's fund ledger in commune code order that had entries by
then (``engine.support.ledger``), by ``"fund:<commune>:<head>:<n>\n"``. A day before
any fund entry existed gives exactly the value it gave before ledgers were sealed,
so the seals kept until then still verify. ``n`` is the number of the case's events
(or the ledger's entries) recorded before D+1 00:00 local and
``head`` the chain hash of those events **recomputed from their content**
(``engine.audit.chain_hash`` from the genesis), not read from the stored hash
columns. So the seal pins what the history says: any later change to an event of
that day or before — edited, deleted, inserted, or a whole chain rewritten with
consistent hashes — gives another seal, and it can be recomputed at any later time
and must come out the same. (Stored hashes that no longer match their content are
``audit verify``'s business.) It is printed as its first 80 bits in
base32, four groups of four (``ABCD-EFGH-IJKL-MNOP``): forging another history with
the same short code is a 2^80 search. Only days that have ended may be sealed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .audit import GENESIS, chain_hash
from .calendar import LOCAL_TZ
from .clock import Clock
from .actors import Actor
from .errors import InvalidField, RoleNotAllowed
from .models import Case, CaseEvent, ChainRekey, DailySeal, FundEntry, Unit
from .support.ledger import entry_hash
from .uow import UnitOfWork

__all__ = ["SEAL_PREFIX", "SEAL_ROLES", "SealValue", "SealCheck", "day_cutoff", "compute_seal", "seal_day",
           "seal_yesterday", "may_seal", "seal_as", "verify_seal", "short_code", "parse_seal_value", "latest_seals",
           "MATCH", "MISMATCH", "ALTERED"]

SEAL_PREFIX = b"nghedan-seal-v1\n"
# The Front seals (it keeps the value outside, in its minutes) and so may an
# administrator; the units whose work is sealed do not seal it themselves.
SEAL_ROLES = ("auditor", "admin")
MATCH, MISMATCH, ALTERED = "match", "mismatch", "altered"
_SHORT = re.compile(r"^[A-Z2-7]{16}$")
_HEX = re.compile(r"^[0-9a-f]{64}$")


def short_code(root_hash: str) -> str:
    """The first 80 bits of the root, base32, grouped by four: "ABCD-EFGH-IJKL-MNOP"."""
    text = base64.b32encode(bytes.fromhex(root_hash)[:10]).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class SealValue:
    day: date
    root_hash: str
    case_count: int
    event_count: int

    @property
    def short_code(self) -> str:
        return short_code(self.root_hash)


def day_cutoff(day: date) -> datetime:
    """The first instant after ``day`` (local), in UTC."""
    if not isinstance(day, date) or isinstance(day, datetime) or not date(1990, 1, 1) <= day <= date(2199, 12, 31):
        raise InvalidField(field="date", problem_vi="ngày phải từ năm 1990 đến năm 2199",
                           problem_en="the date must be between 1990 and 2199")
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(timezone.utc)


def _code_order(session: Session, column=Case.code):  # type: ignore[no-untyped-def]
    # Byte order on both databases: PostgreSQL's default collation would sort "-"
    # and letters differently from SQLite, and the seal must not depend on that.
    bind = session.get_bind()
    return column.collate("C") if bind.dialect.name == "postgresql" else column


def _seal_ledgers(session: Session, cutoff: datetime, digest, batch: int) -> None:  # type: ignore[no-untyped-def]
    """Each fund ledger's head as its entries recorded before ``cutoff`` give it."""
    stmt = (select(Unit.code.label("commune"), FundEntry).join(Unit, Unit.id == FundEntry.commune_id)
            .where(FundEntry.created_at < cutoff)
            .order_by(_code_order(session, Unit.code), FundEntry.seq, FundEntry.id).execution_options(yield_per=batch))
    code: str | None = None
    head, count = GENESIS, 0
    result = session.execute(stmt)
    try:
        for commune, entry in result:
            if commune != code:
                if code is not None:
                    digest.update(f"fund:{code}:{head}:{count}\n".encode("utf-8"))
                code, head, count = commune, GENESIS, 0
            head = entry_hash(head, commune, entry)
            count += 1
        if code is not None:
            digest.update(f"fund:{code}:{head}:{count}\n".encode("utf-8"))
    finally:
        result.close()


def compute_seal(session: Session, day: date, *, batch: int = 5000) -> SealValue:
    """The seal of ``day`` from the database as it is now: every chain recomputed from
    its events' content (streamed in code order, never all in memory)."""
    cutoff = day_cutoff(day)
    e, rk = CaseEvent, ChainRekey
    # A day that ended before migration 0010 re-keyed the identity digests was sealed
    # over the hashes as they were then: where an event's present content still gives
    # the hash recorded at the re-keying, its old hash stands in for it.
    stmt = (select(Case.code, e.seq, e.at, e.actor, e.trigger, e.from_state, e.to_state, e.note, e.data,
                   rk.old_hash, rk.new_hash)
            .join(Case, Case.id == e.case_id)
            .outerjoin(rk, (rk.event_id == e.id) & (rk.rekeyed_at >= cutoff))
            .where(e.at < cutoff)
            .order_by(_code_order(session), e.seq, e.id)
            .execution_options(yield_per=batch))
    digest = hashlib.sha256(SEAL_PREFIX)
    cases = events = 0
    code: str | None = None
    head, sealed, count = GENESIS, GENESIS, 0

    def close() -> None:
        digest.update(f"{code}:{sealed}:{count}\n".encode("utf-8"))

    result = session.execute(stmt)
    try:
        for row in result:
            if row.code != code:
                if code is not None:
                    close()
                    cases += 1
                code, head, count = row.code, GENESIS, 0
            head = chain_hash(head, row.code, row)  # type: ignore[arg-type]  (a row has the event's fields)
            sealed = row.old_hash if row.old_hash is not None and row.new_hash == head else head
            count += 1
            events += 1
        if code is not None:
            close()
            cases += 1
    finally:
        result.close()
    _seal_ledgers(session, cutoff, digest, batch)
    return SealValue(day, digest.hexdigest(), cases, events)


def _today(clock: Clock) -> date:
    return clock.now().astimezone(LOCAL_TZ).date()


def seal_day(session: Session, day: date, clock: Clock, *, by: str = "system") -> DailySeal:
    """Record the seal of ``day`` (a day that has ended) unless it is recorded
    already, and return it. The caller commits."""
    if not isinstance(day, date) or isinstance(day, datetime) or day >= _today(clock):
        raise InvalidField(field="date", problem_vi="chỉ niêm phong được ngày đã kết thúc",
                           problem_en="only a day that has ended can be sealed")
    existing = session.scalar(select(DailySeal).where(DailySeal.day == day))
    if existing is not None:
        return existing
    value = compute_seal(session, day)
    seal = DailySeal(day=day, root_hash=value.root_hash, case_count=value.case_count,
                     event_count=value.event_count, created_at=clock.now(), created_by=by[:64])
    session.add(seal)
    session.flush()
    return seal


def may_seal(actor: Actor) -> bool:
    return actor.is_system or any(g.role in SEAL_ROLES for g in actor.grants)


def seal_as(session: Session, actor: Actor, day: date, clock: Clock) -> DailySeal:
    """``seal_day`` for a person, if their role may seal. The caller commits."""
    if not may_seal(actor):
        raise RoleNotAllowed(trigger="seal", roles=list(SEAL_ROLES))
    return seal_day(session, day, clock, by=actor.username)


def seal_yesterday(session_factory: sessionmaker[Session], clock: Clock) -> SealValue:
    """The worker's daily job: seal the local day that just ended, in its own transaction."""
    with UnitOfWork(session_factory) as uow:
        seal = seal_day(uow.session, _today(clock) - timedelta(days=1), clock)
        value = SealValue(seal.day, seal.root_hash, seal.case_count, seal.event_count)
        uow.commit()
    return value


def parse_seal_value(text: str) -> tuple[str, str]:
    """("hex", 64 hex digits) or ("short", 16 base32 letters) from what a person typed."""
    raw = text.strip() if isinstance(text, str) else ""
    if _HEX.match(raw.lower()):
        return "hex", raw.lower()
    compact = re.sub(r"[\s-]", "", raw).upper()
    if _SHORT.match(compact):
        return "short", compact
    raise InvalidField(field="value", problem_vi="mã niêm phong không đúng định dạng (XXXX-XXXX-XXXX-XXXX)",
                       problem_en="the seal code is not in the right form (XXXX-XXXX-XXXX-XXXX)")


@dataclass(frozen=True)
class SealCheck:
    day: date
    given: str
    actual: SealValue
    ok: bool
    recorded: str | None  # the root recorded in the database that day, if any
    recorded_matches: bool | None

    @property
    def verdict(self) -> str:
        """``match``; ``altered`` only when the seal recorded that day no longer comes out
        of the histories (they were changed after it); otherwise ``mismatch``: the value
        kept is not this day's seal — a typo or another day — which says nothing of a
        change, so nobody is accused of one."""
        if self.ok:
            return MATCH
        return ALTERED if self.recorded is not None and not self.recorded_matches else MISMATCH


def verify_seal(session: Session, day: date, value: str) -> SealCheck:
    """Does the database still produce the seal the auditor kept for ``day``?"""
    form, given = parse_seal_value(value)
    actual = compute_seal(session, day)
    ok = actual.root_hash == given if form == "hex" else actual.short_code.replace("-", "") == given
    stored = session.scalar(select(DailySeal).where(DailySeal.day == day))
    return SealCheck(day, value.strip(), actual, ok, stored.root_hash if stored else None,
                     (stored.root_hash == actual.root_hash) if stored else None)


def latest_seals(session: Session, limit: int = 60) -> list[DailySeal]:
    return list(session.scalars(select(DailySeal).order_by(DailySeal.day.desc()).limit(limit)))
