"""Dialogues with the people (đối thoại, Law 10/2022/QH15 on grassroots democracy):
the dialogue (who chaired, the Front's representative, attendees), the opinions
raised, and its conclusion — a document announced to the people with one follow-up
case per commitment (the ``doi-thoai`` workflow's ``commit``, its date the
commitment's deadline).

The conclusion, its commitments and their cases are one transaction of the case
service. The document is published as written, so it may not carry a citizen's
name or a phone number: the ones recorded at that dialogue are refused, as is any
run of nine or more digits. The public page reads it through ``public``, which
returns the document, the unit, the day and each commitment's deadline and state
— nothing else of the application.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import select

from ..actors import Actor
from ..errors import InvalidField, NotFound
from ..models import Case, Dialogue, DocumentItem, Meeting, PublicDocument
from ..uow import UnitOfWork
from .cases import CaseService, NewCase
from .fields import clean_text, optional_text, parse_instant
from .programme_checks import managed_unit, parse_day, whole
from .receptions import Petition, day_start

__all__ = ["PROGRAMME", "Commitment", "NewDialogue", "PublicItem", "PublicConclusion", "DialogueService"]

PROGRAMME = "doi-thoai"
# A phone number as people write it: nine or more digits, maybe split by spaces, dots
# or dashes ("0987 654 321"); "2026 - 2030" (eight) is a period, not a number.
_DIGIT_RUN = re.compile(r"\d[\d .-]*\d")
_PHONE_DIGITS = 9


@dataclass(frozen=True)
class NewDialogue:
    unit: str
    held_on: date | str
    chair: str
    front_representative: str
    attendees: int | str = 0
    place: str | None = None
    opinions: Sequence[Petition] = ()


@dataclass(frozen=True)
class Commitment:
    content: str
    due_at: datetime | str
    topic: str = "khac"
    handling_unit: str | None = None  # default: the dialogue's unit


@dataclass(frozen=True)
class PublicItem:
    content: str
    due_at: datetime
    state: str
    workflow: str


@dataclass(frozen=True)
class PublicConclusion:
    public_code: str
    title: str
    body: str
    unit_name: str
    held_on: date
    announced_at: datetime
    items: tuple[PublicItem, ...] = field(default=())


class DialogueService:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def record(self, actor: Actor, new: NewDialogue) -> tuple[int, list[str]]:
        return self.cases.within(lambda uow: self.record_within(uow, actor, new))

    def record_within(self, uow: UnitOfWork, actor: Actor, new: NewDialogue) -> tuple[int, list[str]]:
        session, now = uow.session, self.cases.clock.now()
        unit = managed_unit(session, actor, new.unit, action="dialogue")
        day = parse_day("held_on", new.held_on)
        chair = clean_text("chair", new.chair)
        meeting = Meeting(programme=PROGRAMME, held_on=day, unit=unit, place=optional_text("place", new.place) or "",
                          hosts=chair, attendees=whole("attendees", new.attendees or 0, 0, 100_000),
                          created_at=now, created_by_id=actor.user_id)
        session.add(meeting)
        session.flush()
        session.add(Dialogue(meeting_id=meeting.id, chair_name=chair,
                             front_representative=clean_text("front_representative", new.front_representative)))
        items = [NewCase(workflow=PROGRAMME, unit=unit.code, topic=o.topic, kind=o.kind, content=o.content,
                         citizen_name=o.citizen_name, citizen_phone=o.citizen_phone,
                         citizen_address=o.citizen_address, meeting_id=meeting.id,
                         received_at=day_start(day, now)) for o in new.opinions]
        created = self.cases.create_within(uow, actor, items) if items else []
        for opinion, snap in zip(new.opinions, created):
            if opinion.route is not None:
                self.cases.fire_within(uow, actor, snap.code, opinion.route, opinion.data)
        return meeting.id, [s.code for s in created]

    def conclude(self, actor: Actor, meeting_id: int, title: Any, body: Any,
                 commitments: Sequence[Commitment]) -> str:
        """Announce the conclusion; its public code."""
        return self.cases.within(lambda uow: self.conclude_within(uow, actor, meeting_id, title, body, commitments))

    def conclude_within(self, uow: UnitOfWork, actor: Actor, meeting_id: int, title: Any, body: Any,
                  commitments: Sequence[Commitment]) -> str:
        session, now = uow.session, self.cases.clock.now()
        meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
        if meeting is None or meeting.programme != PROGRAMME or not (actor.is_system or actor.covers(meeting.unit.path)):
            raise NotFound(what="buổi đối thoại / dialogue", key=str(meeting_id)[:20])
        managed_unit(session, actor, meeting.unit.code, roles=("leader",), action="conclude")
        if session.scalar(select(PublicDocument.id).where(PublicDocument.meeting_id == meeting.id)) is not None:
            raise InvalidField(field="meeting", problem_vi="buổi đối thoại này đã có kết luận",
                               problem_en="this dialogue already has a conclusion")
        people = [n for n in session.scalars(select(Case.citizen_name).where(Case.meeting_id == meeting.id)) if n]
        texts = {"title": clean_text("title", title), "body": clean_text("body", body)}
        texts.update({f"commitments[{i}]": clean_text(f"commitments[{i}]", c.content) for i, c in enumerate(commitments)})
        for name, text in texts.items():
            _no_personal_data(name, text, people)
        doc = PublicDocument(public_code=secrets.token_urlsafe(12), meeting_id=meeting.id, kind="conclusion",
                             title=texts["title"], body=texts["body"], announced_at=now, created_by_id=actor.user_id)
        session.add(doc)
        session.flush()
        for i, c in enumerate(commitments):
            due = parse_instant(f"commitments[{i}].due_at", c.due_at)
            [snap] = self.cases.create_within(uow, actor, [NewCase(
                workflow=PROGRAMME, unit=meeting.unit.code, topic=c.topic, kind="kien_nghi",
                content=texts[f"commitments[{i}]"], meeting_id=meeting.id, handling_unit=c.handling_unit)])
            case = self.cases.fire_within(uow, actor, snap.code, "commit",
                                          {"appointment": due.isoformat(), "reason": texts["title"]})
            session.add(DocumentItem(document_id=doc.id, position=i, content=texts[f"commitments[{i}]"], due_at=due,
                                     case_id=case.id))
        return doc.public_code

    def public(self, public_code: str) -> PublicConclusion:
        """What anyone may read of an announced conclusion."""
        with self.cases.uow(write=False) as uow:
            session = uow.session
            doc = session.scalar(select(PublicDocument).where(PublicDocument.public_code == public_code)) \
                if isinstance(public_code, str) and len(public_code) <= 24 else None
            if doc is None:
                raise NotFound(what="kết luận / conclusion", key=str(public_code)[:24])
            meeting = session.get(Meeting, doc.meeting_id)
            assert meeting is not None
            rows = session.execute(select(DocumentItem, Case.state, Case.workflow_key)
                                   .join(Case, Case.id == DocumentItem.case_id)
                                   .where(DocumentItem.document_id == doc.id).order_by(DocumentItem.position)).all()
            return PublicConclusion(doc.public_code, doc.title, doc.body, meeting.unit.name, meeting.held_on,
                                    doc.announced_at, tuple(PublicItem(i.content, i.due_at, state, wf)
                                                            for i, state, wf in rows))


def _no_personal_data(field_name: str, text: str, people: list[str]) -> None:
    lowered = text.casefold()
    phone = any(sum(ch.isdigit() for ch in m.group()) >= _PHONE_DIGITS for m in _DIGIT_RUN.finditer(text))
    if phone or any(p.casefold() in lowered for p in people):
        raise InvalidField(field=field_name,
                           problem_vi="văn bản công khai không được chứa họ tên, số điện thoại của người dân",
                           problem_en="a text announced to the people may not carry a citizen's name or phone number")
