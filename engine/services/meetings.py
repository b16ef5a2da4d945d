"""Meetings (buổi tiếp xúc, đối thoại): recording one with its opinions, and reading
it back.

``record`` is the one way in, for the web form and the API alike: the meeting,
every opinion heard there, its creation event and its on-site answer or
escalation, and the request's idempotency key are written in one transaction of
the case service, or nothing is. Who may record a meeting is who may record the
opinions heard at it: an ``official`` or ``leader`` over the meeting's unit
(``engine.authz``). Reading a meeting needs any grant covering its unit; for
anyone else it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actors import Actor
from ..errors import DomainError, NotFound
from ..models import Case, Meeting, MeetingParticipant, User
from ..queries import scope_clause
from ..uow import UnitOfWork
from .cases import CaseService
from .consents import record_consent
from .idempotency import IdempotencyKeyReused, check_key, claim, find
from .meeting_notice import write_meeting_notice
from .intake import (
    EARLIEST, MAX_ATTENDEES, MAX_OPINIONS, IntakeProblem, InvalidIntake, NewMeeting, Opinion, check_intake,
    fingerprint,
)
from .intake_timing import LateEntry, late_entry
from .participants import MAX_PARTICIPANTS, Participant

__all__ = ["NewMeeting", "Opinion", "Participant", "MeetingView", "Recorded", "MeetingService", "InvalidIntake",
           "LateEntry",
           "IdempotencyKeyReused", "MAX_ATTENDEES", "MAX_PARTICIPANTS", "MAX_OPINIONS", "EARLIEST"]


@dataclass(frozen=True)
class MeetingView:
    id: int
    programme: str
    held_on: date
    unit: str
    unit_name: str
    place: str
    hosts: str
    attendees: int | None  # None: not counted
    # Officials who took part, in the order listed: (username or None, name).
    participants: tuple[tuple[str | None, str], ...]
    created_at: datetime
    created_by: str | None
    # Codes of the opinions heard there: as recorded, in the order they were sent;
    # read back, those the reader may see.
    cases: tuple[str, ...]


@dataclass(frozen=True)
class Recorded:
    meeting: MeetingView
    replayed: bool  # True: the key's first result, handed back again; nothing was written


def _not_found(meeting_id: object) -> NotFound:
    return NotFound(what="buổi tiếp xúc / meeting", key=str(meeting_id)[:20])


def _field_of(err: DomainError) -> str:
    # A refused trigger (state, role) is a problem of the outcome chosen, not of a field.
    name = err.params.get("field")
    return name if isinstance(name, str) else "outcome"


class MeetingService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def record(self, actor: Actor, new: NewMeeting, *, key: str | None = None) -> Recorded:
        """Record ``new`` whole, or raise ``InvalidIntake`` with every problem and write
        nothing. With ``key`` (the form's nonce, the API's Idempotency-Key) a request
        takes effect once: sent again, it gets the first result; a concurrent copy
        waits for the first and then gets its result too; the same key with another
        body is refused (``IdempotencyKeyReused``); after a day the key is forgotten."""
        sha = None
        if key is not None:
            check_key(actor, key)
            sha = fingerprint(new)
        try:
            return self.cases.within(lambda uow: self._record(uow, actor, new, key, sha))
        except IntegrityError:
            # PostgreSQL: a concurrent request with this key inserted it first; ours
            # waited for it to commit. (SQLite writers queue before they read.)
            if key is None:
                raise
            with self.cases.uow(write=False) as uow:
                first = self._first(uow.session, actor, key, sha, self.cases.clock.now(), forget_expired=False)
            if first is None:
                raise
            return first

    def _record(self, uow: UnitOfWork, actor: Actor, new: NewMeeting, key: str | None, sha: str | None) -> Recorded:
        session, now = uow.session, self.cases.clock.now()
        if key is not None:
            first = self._first(session, actor, key, sha, now)
            if first is not None:
                return first
        limits = self.cases.files.limits if self.cases.files is not None else None
        checked = check_intake(session, actor, new, self.cases.workflows, now, limits)
        problems = list(checked.problems)
        meeting, ledger = None, None
        if checked.meeting_ok:
            assert checked.unit is not None and checked.held_on is not None
            meeting = Meeting(programme=checked.programme, held_on=checked.held_on, unit=checked.unit,
                              place=checked.place, hosts=checked.hosts, attendees=checked.attendees,
                              created_at=now, created_by_id=actor.user_id)
            session.add(meeting)
            session.flush()
            session.add_all(MeetingParticipant(meeting_id=meeting.id, position=i, user_id=x.user_id, name=x.name)
                            for i, x in enumerate(checked.participants))
            if key is not None:
                # Flushed before the opinions: a concurrent copy of this request waits
                # here (on the key's primary key) rather than after writing them all.
                assert sha is not None
                ledger = claim(session, actor, key, sha, now, meeting_id=meeting.id)
        # Opinions that passed are written even when something else failed: firing
        # their outcomes is what checks the outcomes, and the rollback takes it back.
        # Files are stored only when nothing is refused yet: a refusal found later (by
        # firing an outcome) leaves orphan blobs at most, which ``files gc`` removes.
        items = [replace(x.case, meeting_id=meeting.id if meeting else None,
                         files=() if problems or meeting is None else x.case.files) for x in checked.opinions]
        created = self.cases.create_within(uow, actor, items) if items else []
        for opinion, snap in zip(checked.opinions, created):
            if opinion.consent is not None:
                # Before the on-site answer, so the citizen hears of that answer too.
                case = session.scalar(select(Case).where(Case.code == snap.code))
                assert case is not None
                record_consent(session, case, opinion.consent, actor, now)
            if opinion.trigger is None:
                continue
            try:
                self.cases.fire_within(uow, actor, snap.code, opinion.trigger, opinion.data)
            except DomainError as err:
                problems.append(IntakeProblem(opinion.row, _field_of(err), err))
        if problems or meeting is None:
            raise InvalidIntake(problems)
        codes = [x.code for x in created]
        write_meeting_notice(session, meeting, codes, actor, now)
        if ledger is not None:
            ledger.codes = codes
        return Recorded(self._view(session, actor, meeting, tuple(codes)), replayed=False)

    def _first(self, session: Session, actor: Actor, key: str, sha: str | None, now: datetime, *,
               forget_expired: bool = True) -> Recorded | None:
        """The first result under ``key``, if there is one (``engine.services.idempotency``)."""
        row = find(session, actor, key, sha, now, forget_expired=forget_expired)
        if row is None:
            return None
        if row.meeting_id is None:  # the key of another kind of write
            raise IdempotencyKeyReused()
        meeting = session.get(Meeting, row.meeting_id)
        if meeting is None or not actor.covers(meeting.unit.path):
            raise _not_found(row.meeting_id)  # the grant was withdrawn since
        return Recorded(self._view(session, actor, meeting, tuple(row.codes)), replayed=True)

    def late_entry(self, new: NewMeeting) -> LateEntry | None:
        """Whether ``new``'s opinions would start out overdue if saved now
        (``engine.services.intake_timing``): the form warns and asks first."""
        wf = self.cases.workflows.get(new.programme) if isinstance(new.programme, str) else None
        with self.cases.uow(write=False) as uow:
            calendar = self.cases.calendar(uow.session)
        return late_entry(calendar, wf, new.held_on, self.cases.clock.now())

    def get(self, actor: Actor, meeting_id: int) -> MeetingView:
        with self.cases.uow(write=False) as uow:
            session = uow.session
            meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) and 0 < meeting_id < 2**31 else None
            if meeting is None or not (actor.is_system or actor.covers(meeting.unit.path)):
                raise _not_found(meeting_id)
            return self._view(session, actor, meeting)

    @staticmethod
    def _view(session: Session, actor: Actor, meeting: Meeting, codes: tuple[str, ...] | None = None) -> MeetingView:
        if codes is None:
            codes = tuple(session.scalars(select(Case.code).where(Case.meeting_id == meeting.id, scope_clause(actor))
                                          .order_by(Case.id)))
        creator = session.get(User, meeting.created_by_id) if meeting.created_by_id else None
        participants = tuple((username, name) for username, name in session.execute(
            select(User.username, MeetingParticipant.name).select_from(MeetingParticipant)
            .outerjoin(User, User.id == MeetingParticipant.user_id)
            .where(MeetingParticipant.meeting_id == meeting.id).order_by(MeetingParticipant.position)))
        return MeetingView(
            id=meeting.id, programme=meeting.programme, held_on=meeting.held_on, unit=meeting.unit.code,
            unit_name=meeting.unit.name, place=meeting.place, hosts=meeting.hosts, attendees=meeting.attendees,
            participants=participants, created_at=meeting.created_at,
            created_by=creator.username if creator else None, cases=codes,
        )
