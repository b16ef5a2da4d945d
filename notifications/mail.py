"""Composing one email from a delivery: what it says, grouped by case, in the user's language.

An email lists cases, never people: per case its code, topic, kind, units, current
state, deadline, how many working days late, what happened, and a link to
``{base_url}/cases/{code}``. Events of one case are collapsed into one line, and
lines are grouped into sections (overdue, due soon, for information, updates).
How many lines one email lists, and its size, are bounded (bounds.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from engine.calendar import LOCAL_TZ, deadline_parts
from engine.catalogue import text as _
from engine.message_facts import message_facts, unit_for_message
from engine.models import Case, EmailItem, NotificationDelivery, OutboxMessage, Unit, User
from engine.services.calendars import load_calendar
from engine.services.meeting_notice import MEETING_RECORDED, meeting_of

from .bounds import fit
from .channels import SendError
from .config import NotifySettings
from .content import days_late, parse_instant
from .preferences import get_preference
from .render import render_pair
from .text import StateLabel, default_state_label, event_phrase, kind_label, section_of, topic_label

__all__ = ["CaseLine", "Section", "EmailView", "build_view", "build_message", "message_id", "SECTIONS",
           "section_title"]

# The parts of an email, in the order shown; titles are ``mail.section.<key>`` and counts
# ``mail.count.<key>`` (``mail.count_one.<key>`` for one) in the catalogue.
SECTIONS = ("overdue", "due_soon", "informed", "updates")


def section_title(key: str, lang: str) -> str:
    return _(f"mail.section.{key}", lang)


@dataclass
class CaseLine:
    code: str
    url: str
    topic: str
    kind: str
    handling_unit: str
    origin_unit: str | None
    state: str
    due: str | None
    days_late: int | None
    events: list[str] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    lines: list[CaseLine]  # what this email lists (see bounds.py)
    total: int  # how many cases the section has, listed or not

    @property
    def omitted(self) -> int:
        return self.total - len(self.lines)


@dataclass
class EmailView:
    lang: str
    subject: str
    digest: bool
    day: str
    base_url: str
    sections: list[Section]

    @property
    def count(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def board_url(self) -> str:
        """Where every case is, when the email lists only the worst."""
        return f"{self.base_url}/"


_UNIT_FIELDS = frozenset({"origin_unit", "handling_unit", "unit", "target_unit", "parent_unit", "escalated_to"})


def message_id(key: str, mail_from: str | None) -> str:
    """The same delivery always has the same Message-ID, so repeats can be dropped."""
    domain = parseaddr(mail_from or "")[1].rpartition("@")[2] or "nghedan.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _unit_names(session: Session, items: list[EmailItem]) -> dict[str, str]:
    """Names of the units these items mention (and their parents), and nothing more."""
    codes: set[str] = set()
    for item in items:
        payload = item.outbox.payload or {}
        codes |= {v for k, v in payload.items() if k in _UNIT_FIELDS and isinstance(v, str)}
    ids = {i for item in items if item.outbox.case is not None
           for i in (item.outbox.case.handling_unit_id, item.outbox.case.origin_unit_id)}
    rows = session.execute(select(Unit.code, Unit.name, Unit.parent_id)
                           .where(or_(Unit.code.in_(sorted(codes)), Unit.id.in_(sorted(ids))))).all()
    parents = {p for _, _, p in rows if p is not None}
    names = {code: name for code, name, _ in rows}
    if parents:
        names.update(dict(session.execute(select(Unit.code, Unit.name).where(Unit.id.in_(sorted(parents)))).all()))
    return names


def _local(instant: datetime | None) -> str | None:
    # A deadline, read as the case page reads it: 24:00 belongs to the day before.
    if instant is None:
        return None
    clock, day = deadline_parts(instant)
    return f"{clock} {day:%d/%m/%Y}"


def build_view(session: Session, delivery: NotificationDelivery, lang: str, settings: NotifySettings,
               state_label: StateLabel = default_state_label) -> EmailView:
    # The cases in one query, not one each: a sweep's email can hold thousands.
    items = list(session.scalars(select(EmailItem).where(EmailItem.delivery_id == delivery.id)
                                 .options(selectinload(EmailItem.outbox).selectinload(OutboxMessage.case))
                                 .order_by(EmailItem.created_at, EmailItem.id)))
    as_of = delivery.created_at
    calendar = load_calendar(session)
    unit_names = _unit_names(session, items) if items else {}
    lines: dict[tuple[str, str], CaseLine] = {}
    for item in items:
        msg = item.outbox
        case: Case | None = msg.case
        data = message_facts(msg.payload, case_kind=case.kind if case else None)
        code = data.get("code") if isinstance(data.get("code"), str) else (case.code if case else None)
        if code is None:
            _meeting_line(lines, msg.kind, data, lang, settings.base_url)
            continue
        section = section_of(msg.kind)
        # The line shows the case as it is now; each event says what happened then.
        handling_code = case.handling_unit.code if case else str(data.get("handling_unit") or "")
        handling_code = unit_for_message(session, handling_code, case.kind if case else data.get("kind"))
        case_due = case.due_at if case else None
        late = days_late(data, calendar, as_of, case_due) if section == "overdue" \
            else (days_late({}, calendar, as_of, case_due) if case_due else None)
        due_text = _local(parse_instant(data.get("due_at")) or case_due)
        escalated_to = data.get("escalated_to") or data.get("target_unit") or data.get("handling_unit")
        overdue_alert = msg.kind == "deadline.overdue"  # the line says how late already
        phrase = event_phrase(msg.kind, data, lang, state_label, days_late=None if overdue_alert else late,
                              due_text=None if overdue_alert else due_text,
                              unit_name=unit_names.get(escalated_to, escalated_to) if escalated_to else None)
        line = lines.get((section, code))
        if line is None:
            workflow = data.get("workflow") or (case.workflow_key if case else None)
            state = case.state if case else (data.get("to") or data.get("state") or "")
            origin_code = data.get("origin_unit")
            line = lines[(section, code)] = CaseLine(
                code=code, url=f"{settings.base_url}/cases/{code}",
                topic=topic_label(data.get("topic") or (case.topic if case else None), lang),
                kind=kind_label(data.get("kind") or (case.kind if case else None), lang),
                handling_unit=unit_names.get(handling_code, handling_code),
                origin_unit=unit_names.get(origin_code, origin_code) if origin_code else None,
                state=state_label(workflow, state, lang) if state else "",
                due=_local(case_due) if case else due_text, days_late=late)
        elif late is not None and (line.days_late is None or late > line.days_late):
            line.days_late = late
        if phrase not in line.events:
            line.events.append(phrase)
    sections = []
    for key in SECTIONS:
        chosen = [line for (sec, _), line in lines.items() if sec == key]
        if key == "overdue":
            chosen.sort(key=lambda l: (-(l.days_late or 0), l.code))
        else:
            chosen.sort(key=lambda l: l.code)
        if chosen:
            sections.append(Section(key=key, title=section_title(key, lang), lines=chosen,
                                    total=len(chosen)))
    digest = delivery.kind == "digest"
    day = as_of.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
    view = EmailView(lang=lang, subject="", digest=digest, day=day, base_url=settings.base_url, sections=sections)
    view.subject = _subject(view, settings.mail_subject_prefix)
    return view


def _meeting_line(lines: dict[tuple[str, str], CaseLine], kind: str, data: dict[str, Any], lang: str,
                  base_url: str) -> None:
    """A meeting's one notice (engine.services.meeting_notice) as a line of its own,
    linking to the meeting: it stands for its opinions, which have no line each."""
    meeting = meeting_of(data) if kind == MEETING_RECORDED else None
    if meeting is None:
        return
    unit = str(data.get("unit_name") or "")
    lines[("updates", f"meeting:{meeting}")] = CaseLine(
        code=unit, url=f"{base_url}/meetings/{meeting}", topic="", kind="", handling_unit=unit, origin_unit=None,
        state="", due=None, days_late=None, events=[event_phrase(kind, data, lang)])


def _counts(view: EmailView) -> str:
    parts = []
    for section in view.sections:
        n = section.total
        parts.append(_(f"mail.count{'_one' if n == 1 else ''}.{section.key}", view.lang, n=n))
    return ", ".join(parts)


def _subject(view: EmailView, prefix: str) -> str:
    prefix = f"{prefix} " if prefix else ""
    if view.digest:
        head = _("mail.digest_subject", view.lang, day=view.day)
        return f"{prefix}{head}: {_counts(view)}"
    if view.count == 1:
        section = view.sections[0]
        line = section.lines[0]
        return f"{prefix}{section.title}: {line.code} – {line.topic}"
    return f"{prefix}{_counts(view)}"


def _plausible_address(value: str) -> bool:
    name, addr = parseaddr(value)
    return (addr == value.strip() and "@" in addr and not any(c in value for c in "\r\n<>,;")
            and not any(c.isspace() for c in addr))


def build_message(session: Session, delivery: NotificationDelivery, settings: NotifySettings, now: datetime,
                  state_label: StateLabel = default_state_label) -> EmailMessage:
    user: User | None = delivery.user
    if user is None or not user.email or not user.is_active:
        raise SendError("the recipient has no email address or is not active", permanent=True)
    if not _plausible_address(user.email):
        raise SendError(f"not a usable email address: {user.email[:100]!r}", permanent=True)
    pref = get_preference(session, user.id)
    view = build_view(session, delivery, pref.language, settings, state_label)
    if not view.sections:
        raise SendError("nothing to send: the email has no items", permanent=True)
    to, name = user.email, user.full_name or user.username

    def make(shown: EmailView) -> EmailMessage:
        text, html = render_pair("notice", shown.lang, view=shown, user_name=name)
        return assemble(subject=shown.subject, text=text, html=html, to=to, settings=settings, now=now,
                        key=delivery.key, lang=shown.lang)

    return fit(view, settings.email_max_cases, settings.email_max_bytes, make)


class _EncodedSubject(str):
    """A Subject folded by ``email.header.Header``.

    The default policy's folder drops the space between an ASCII word and the
    encoded word that follows a fold ("1 cập nhật" arrives as "1cập nhật"); Header
    keeps spaces inside the encoded words. The policy calls ``fold`` on any header
    value that has a ``name``.
    """

    name = "Subject"

    def fold(self, *, policy: Any) -> str:
        linesep = policy.linesep
        encoded = Header(str(self), "utf-8", header_name=self.name,
                         maxlinelen=policy.max_line_length or 78).encode(linesep=linesep)
        return f"{self.name}: {encoded}{linesep}"


def assemble(*, subject: str, text: str, html: str, to: str, settings: NotifySettings, now: datetime,
             key: str, lang: str, extra: dict[str, Any] | None = None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject if subject.isascii() else _EncodedSubject(subject)
    message["From"] = settings.mail_from or ""
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(key, settings.mail_from)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (extra or {}).items():
        message[name] = value
    # Quoted-printable keeps the message 7-bit clean for servers without 8BITMIME.
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = lang  # after set_content, which drops Content-* headers
    return message
