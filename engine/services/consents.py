"""Recording and withdrawing a citizen's consent to messages (``engine.consent`` is the rule).

Every change is a new ``citizen_consents`` row written through the case service's
unit of work: at intake in the same transaction as the opinion, a withdrawal in its
own. The tracking page's withdrawal proves itself with the tracking code and the last
four digits of the phone (or the email address) the consent was given for, since
receipts carry no PIN yet; it is rate-limited by the page like a lookup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import SYSTEM, Actor
from ..consent import CASE_UPDATES, GIVEN, WITHDRAWN, CheckedConsent, ConsentInput, check_consent, phone_tail_matches
from ..errors import NotFound, OutOfScope, RoleNotAllowed
from ..models import Case, CitizenConsent
from ..uow import UnitOfWork
from .cases import CaseService, NewCase
from .views import CaseSnapshot

__all__ = ["latest_consent", "record_consent", "create_with_consent", "ConsentService", "ConsentStatus",
           "CITIZEN_ACTOR"]

CITIZEN_ACTOR = "citizen"
WITHDRAW_ROLES = frozenset({"official", "leader"})


def latest_consent(session: Session, case_id: int) -> CitizenConsent | None:
    return session.scalar(select(CitizenConsent).where(CitizenConsent.case_id == case_id)
                          .order_by(CitizenConsent.id.desc()).limit(1))


def record_consent(session: Session, case: Case, consent: CheckedConsent, actor: Actor, now: datetime,
                   *, source: str = "intake") -> CitizenConsent:
    row = CitizenConsent(case_id=case.id, action=GIVEN, channel=consent.channel, address=consent.address,
                         purpose=consent.purpose, author_requested=consent.author_requested, source=source,
                         recorded_at=now, recorded_by_id=actor.user_id, recorded_by=actor.username[:64])
    session.add(row)
    return row


def create_with_consent(cases: CaseService, uow: UnitOfWork, actor: Actor, new: NewCase,
                        given: ConsentInput | None) -> CaseSnapshot:
    """One opinion and the consent given with it, in the caller's unit of work (the API's create)."""
    checked = check_consent(given, new.kind)
    snap = cases.create_within(uow, actor, [new])[0]
    if checked is not None:
        case = uow.session.scalar(select(Case).where(Case.code == snap.code))
        assert case is not None
        record_consent(uow.session, case, checked, actor, cases.clock.now())
    return snap


def _withdrawal(case: Case, now: datetime, source: str, by_id: int | None, by: str) -> CitizenConsent:
    return CitizenConsent(case_id=case.id, action=WITHDRAWN, channel=None, address=None, purpose=CASE_UPDATES,
                          author_requested=False, source=source, recorded_at=now, recorded_by_id=by_id,
                          recorded_by=by[:64])


class ConsentStatus:
    """What a reader inside the application may know of a case's consent: the channel,
    when and by whom — not the address (personal data, only the channels read it)."""

    def __init__(self, row: CitizenConsent | None) -> None:
        self.active = row is not None and row.action == GIVEN
        self.channel = row.channel if self.active and row is not None else None
        self.recorded_at = row.recorded_at if row is not None else None
        self.recorded_by = row.recorded_by if row is not None else None


class ConsentService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def withdraw_by_citizen(self, code: Any, proof: Any) -> bool:
        """Withdraw from the tracking page. False for an unknown code, a wrong proof or
        nothing to withdraw alike, so the answer says nothing about the case."""
        def work(uow: Any) -> bool:
            session = uow.session
            try:
                # Locked: two withdrawals (or one and an official's) queue on the case row.
                case = self.cases.load(session, SYSTEM, str(code)[:60], for_update=True)
            except (NotFound, OutOfScope):
                return False
            latest = latest_consent(session, case.id)
            if latest is None or latest.action != GIVEN:
                return False
            if not phone_tail_matches(latest.address, case.citizen_phone, proof):
                return False
            session.add(_withdrawal(case, self.cases.clock.now(), "tracking", None, CITIZEN_ACTOR))
            return True
        return self.cases.within(work)

    def withdraw_by_official(self, actor: Actor, code: str) -> bool:
        """An official who can see the case records that the citizen withdrew (by phone,
        in person). True if a consent was in force."""
        def work(uow: Any) -> bool:
            session = uow.session
            case = self.cases.load(session, actor, code, for_update=True)  # refuses whoever cannot see it
            if not actor.roles_over(case.origin_unit.path, case.handling_unit.path) & WITHDRAW_ROLES:
                # The Front's auditors and administrators supervise; they do not speak for the citizen.
                raise RoleNotAllowed(trigger="consent_withdraw", roles=list(WITHDRAW_ROLES))
            latest = latest_consent(session, case.id)
            if latest is None or latest.action != GIVEN:
                return False
            session.add(_withdrawal(case, self.cases.clock.now(), "official", actor.user_id, actor.username))
            return True
        return self.cases.within(work)

    def status(self, actor: Actor, code: str) -> ConsentStatus:
        snap = self.cases.get(actor, code)  # refuses whoever cannot see the case
        with self.cases.uow(write=False) as uow:
            case_id = uow.session.scalar(select(Case.id).where(Case.code == snap.code))
            return ConsentStatus(latest_consent(uow.session, case_id) if case_id else None)
