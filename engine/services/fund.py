"""Each commune's fund (quỹ): income collected at the Monday flag ceremony and
spending on support activities, as an append-only ledger.

* Rows are only inserted. A mistake is corrected by a **reversal**: a new entry of
  the opposite amount naming the one it cancels (once); nothing is edited or deleted.
* Every entry extends the commune's hash chain (``engine.support.ledger``); the
  ``fund_ledgers`` row keeps the head, the count and the balance, and is the row two
  writers collide on (``version``; read ``FOR UPDATE`` on PostgreSQL).
* **Spending over the balance is refused**, not flagged: the fund is cash collected
  from officials, and a ledger that may go negative would publish a debt nobody
  incurred. The same rule refuses reversing an income already spent. The check is on
  the ledger's balance when the entry is written (entries may be dated back to
  record a notebook late; the balance at a date sums the entries dated up to it).
* A writer may pass the entry count its page showed (``expected_count``): if someone
  wrote in between, the write is refused as stale rather than applied blindly.
* The donor's name is optional (anonymous allowed) and never on the public page.

Recording income needs an ``official`` or ``leader`` over the commune; a reversal
needs a ``leader`` (``engine.services.support_scope``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import GENESIS
from ..calendar import LOCAL_TZ
from ..disclosure import beneficiaries_for
from ..errors import Conflict, DomainError, InvalidField, NotFound, UnitNotAllowed
from ..models import FundEntry, FundLedger, Meeting, Unit
from ..support.amounts import parse_dong
from ..support.ledger import entry_hash
from ..uow import UnitOfWork
from .cases import CaseService
from .fields import optional_text
from .support_scope import commune_of, may_correct, may_record, readable_unit

__all__ = ["StaleLedger", "NewIncome", "EntryView", "Statement", "FundService", "parse_day", "EARLIEST_DAY"]

EARLIEST_DAY = date(2000, 1, 1)


class StaleLedger(DomainError):
    code = "stale-version"
    key = "error.stale-ledger"


def parse_day(field: str, value: Any, today: date) -> date:
    """A local date, not in the future, not before 2000."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise InvalidField(field=field, problem_vi="ngày phải có dạng YYYY-MM-DD",
                               problem_en="a date is YYYY-MM-DD") from None
    if not isinstance(value, date):
        raise InvalidField(field=field, problem_vi="phải là một ngày", problem_en="must be a date")
    if value > today:
        raise InvalidField(field=field, problem_vi="không được ở tương lai", problem_en="is in the future")
    if value < EARLIEST_DAY:
        raise InvalidField(field=field, problem_vi="trước năm 2000", problem_en="before 2000")
    return value


@dataclass(frozen=True)
class NewIncome:
    commune: str
    on_date: date | str
    amount: Any
    meeting_id: int | None = None
    donor: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class EntryView:
    commune: str
    seq: int
    on_date: date
    kind: str
    amount: int
    purpose: str
    meeting_id: int | None
    activity_id: int | None
    reverses_seq: int | None
    reversed: bool
    donor: str | None  # as the reader may see it (engine.disclosure)
    note: str
    actor: str


@dataclass(frozen=True)
class Statement:
    """Công khai thu chi: one commune's month, without any personal data."""

    commune: str
    commune_name: str
    year: int
    month: int
    opening: int
    income: int
    spending_by_purpose: dict[str, int]
    spending: int
    closing: int


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


class FundService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def today(self) -> date:
        return self.cases.clock.now().astimezone(LOCAL_TZ).date()

    # -- writing ------------------------------------------------------------------

    def _ledger(self, session: Session, commune: Unit) -> FundLedger:
        stmt = select(FundLedger).where(FundLedger.commune_id == commune.id)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        ledger = session.scalar(stmt)
        if ledger is None:
            ledger = FundLedger(commune_id=commune.id, entry_count=0, head_hash=GENESIS, balance=0)
            session.add(ledger)
            try:
                session.flush()
            except IntegrityError:
                # PostgreSQL: another request opened this commune's ledger at the same moment.
                raise Conflict(detail=f"fund {commune.code}") from None
        return ledger

    def append_within(self, uow: UnitOfWork, actor: Actor, commune: Unit, *, on_date: date, kind: str, amount: int,
                      purpose: str = "", meeting_id: int | None = None, activity_id: int | None = None,
                      reverses: FundEntry | None = None, donor: str | None = None, note: str = "",
                      expected_count: int | None = None) -> FundEntry:
        """Extend ``commune``'s chain by one entry inside the caller's unit of work."""
        session = uow.session
        ledger = self._ledger(session, commune)
        if expected_count is not None and expected_count != ledger.entry_count:
            raise StaleLedger(commune=commune.code, expected=expected_count, actual=ledger.entry_count)
        if ledger.balance + amount < 0:
            raise InvalidField(field="amount",
                               problem_vi=f"vượt số dư quỹ (còn {ledger.balance:,} đồng)".replace(",", "."),
                               problem_en=f"more than the fund's balance ({ledger.balance:,} đồng)")
        entry = FundEntry(commune_id=commune.id, seq=ledger.entry_count + 1, on_date=on_date, kind=kind,
                          amount=amount, purpose=purpose, meeting_id=meeting_id, activity_id=activity_id,
                          reverses_id=reverses.id if reverses is not None else None, donor=donor, note=note,
                          actor=actor.username[:64], created_at=self.cases.clock.now(), prev_hash=ledger.head_hash)
        entry.hash = entry_hash(entry.prev_hash, commune.code, entry)
        session.add(entry)
        ledger.entry_count, ledger.head_hash, ledger.balance = entry.seq, entry.hash, ledger.balance + amount
        session.flush()
        return entry

    def _writable_commune(self, session: Session, actor: Actor, code: Any, *, correct: bool = False) -> Unit:
        unit = readable_unit(session, actor, code)
        commune = commune_of(session, "commune", unit)
        if commune.id != unit.id:
            raise InvalidField(field="commune", problem_vi="sổ quỹ là của xã, phường", problem_en="a fund is a commune's")
        allowed = may_correct(actor, commune) if correct else may_record(actor, commune)
        if not allowed:
            raise UnitNotAllowed(field="commune", problem_vi="bạn không được ghi sổ quỹ của đơn vị này",
                                 problem_en="you may not write this commune's fund")
        return commune

    def income_within(self, uow: UnitOfWork, actor: Actor, new: NewIncome, *,
                      expected_count: int | None = None) -> FundEntry:
        session = uow.session
        commune = self._writable_commune(session, actor, new.commune)
        on_date = parse_day("on_date", new.on_date, self.today())
        amount = parse_dong("amount", new.amount, positive=True)
        meeting_id = None
        if new.meeting_id is not None:
            meeting = session.get(Meeting, new.meeting_id) if isinstance(new.meeting_id, int) else None
            if meeting is None or not meeting.unit.path.startswith(commune.path):
                raise InvalidField(field="meeting_id", problem_vi="không có buổi tiếp xúc này ở xã",
                                   problem_en="no such meeting in this commune")
            meeting_id = meeting.id
        return self.append_within(uow, actor, commune, on_date=on_date, kind="income", amount=amount,
                                  meeting_id=meeting_id, donor=optional_text("donor", new.donor),
                                  note=optional_text("note", new.note) or "", expected_count=expected_count)

    def record_income(self, actor: Actor, new: NewIncome, *, expected_count: int | None = None) -> EntryView:
        return self.cases.within(lambda uow: self.view(uow.session, actor, self.income_within(
            uow, actor, new, expected_count=expected_count)))

    def reverse_within(self, uow: UnitOfWork, actor: Actor, commune_code: Any, seq: Any, reason: Any, *,
                       expected_count: int | None = None) -> FundEntry:
        session = uow.session
        commune = self._writable_commune(session, actor, commune_code, correct=True)
        original = session.scalar(select(FundEntry).where(FundEntry.commune_id == commune.id, FundEntry.seq == seq)) \
            if isinstance(seq, int) and not isinstance(seq, bool) else None
        if original is None:
            raise NotFound(what="bút toán / entry", key=str(seq)[:12])
        if original.kind == "reversal":
            raise InvalidField(field="seq", problem_vi="không đảo một bút toán đảo; hãy ghi bút toán mới",
                               problem_en="a reversal is not reversed; record a new entry")
        if session.scalar(select(FundEntry.id).where(FundEntry.reverses_id == original.id)) is not None:
            raise InvalidField(field="seq", problem_vi=f"bút toán #{original.seq} đã được đảo",
                               problem_en=f"entry #{original.seq} is already reversed")
        note = optional_text("reason", reason)
        if note is None:
            raise InvalidField(field="reason", problem_vi="cần ghi lý do đảo bút toán", problem_en="a reason is required")
        return self.append_within(uow, actor, commune, on_date=self.today(), kind="reversal", amount=-original.amount,
                                  purpose=original.purpose, activity_id=original.activity_id, reverses=original,
                                  note=note, expected_count=expected_count)

    def reverse(self, actor: Actor, commune: Any, seq: Any, reason: Any, *,
                expected_count: int | None = None) -> EntryView:
        return self.cases.within(lambda uow: self.view(uow.session, actor, self.reverse_within(
            uow, actor, commune, seq, reason, expected_count=expected_count)))

    # -- reading ------------------------------------------------------------------

    def view(self, session: Session, actor: Actor, entry: FundEntry) -> EntryView:
        commune = session.get(Unit, entry.commune_id)
        assert commune is not None
        reverses = session.get(FundEntry, entry.reverses_id) if entry.reverses_id else None
        reversed_ = session.scalar(select(FundEntry.id).where(FundEntry.reverses_id == entry.id)) is not None
        return EntryView(commune=commune.code, seq=entry.seq, on_date=entry.on_date, kind=entry.kind,
                         amount=entry.amount, purpose=entry.purpose, meeting_id=entry.meeting_id,
                         activity_id=entry.activity_id, reverses_seq=reverses.seq if reverses else None,
                         reversed=reversed_, donor=beneficiaries_for(actor, commune.path, entry.donor),
                         note=entry.note, actor=entry.actor)

    def entries(self, actor: Actor, commune_code: Any) -> tuple[int, int, list[EntryView]]:
        """(entry count, balance, entries newest first) of a commune the actor may read."""
        with self.cases.uow(write=False) as uow:
            session = uow.session
            commune = readable_unit(session, actor, commune_code)
            ledger = session.get(FundLedger, commune.id)
            rows = session.scalars(select(FundEntry).where(FundEntry.commune_id == commune.id)
                                   .order_by(FundEntry.seq.desc()))
            views = [self.view(session, actor, e) for e in rows]
            return (ledger.entry_count if ledger else 0), (ledger.balance if ledger else 0), views

    @staticmethod
    def balance_on(session: Session, commune_id: int, day: date) -> int:
        """The balance at the end of ``day``: every entry dated up to it."""
        total = session.scalar(select(func.coalesce(func.sum(FundEntry.amount), 0))
                               .where(FundEntry.commune_id == commune_id, FundEntry.on_date <= day))
        return int(total or 0)

    def statement(self, commune_code: Any, year: Any, month: Any) -> Statement:
        """The public page's figures: no sign-in, so nothing but sums (no donor, no
        beneficiary, no note). A reversal counts where the entry it cancels counts."""
        if not (isinstance(year, int) and isinstance(month, int) and 2000 <= year <= 2199 and 1 <= month <= 12):
            raise InvalidField(field="month", problem_vi="tháng không hợp lệ", problem_en="not a month")
        first, last = _month_bounds(year, month)
        with self.cases.uow(write=False) as uow:
            session = uow.session
            commune = session.scalar(select(Unit).where(Unit.code == commune_code)) \
                if isinstance(commune_code, str) and len(commune_code) <= 32 else None
            if commune is None or commune.level != "commune":
                raise NotFound(what="xã, phường / commune", key=str(commune_code)[:32])
            opening = self.balance_on(session, commune.id, first - timedelta(days=1))
            income = 0
            spending: dict[str, int] = {}
            rows = session.execute(select(FundEntry.amount, FundEntry.kind, FundEntry.purpose)
                                   .where(FundEntry.commune_id == commune.id, FundEntry.on_date >= first,
                                          FundEntry.on_date <= last))
            for amount, kind, purpose in rows:
                # Income reversed is less income; spending reversed is less spending.
                if kind == "income" or (kind == "reversal" and amount < 0 and not purpose):
                    income += amount
                else:
                    key = purpose or "other"
                    spending[key] = spending.get(key, 0) - amount
            spent = sum(spending.values())
            return Statement(commune.code, commune.name, year, month, opening, income,
                             {k: v for k, v in sorted(spending.items()) if v}, spent, opening + income - spent)
