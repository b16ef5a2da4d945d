"""A meeting's intake as typed at the meeting: the meeting, every opinion heard there
and what was done with each on the spot, checked as one request.

The checks here are the only ones: the web form and the API hand over what they
were sent and show the problems this module finds, each tied to the meeting or to
one opinion and one field, all of them at once. ``engine.services.meetings`` then
writes the whole intake in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..authz import CREATE, decide
from ..calendar import LOCAL_TZ
from ..consent import CheckedConsent, ConsentInput, check_consent
from ..errors import DomainError, InvalidField, OutOfScope, UnitNotAllowed
from ..files import FileLimits, Upload, check_file
from ..models import Unit
from ..succession import in_force
from ..unit_kinds import is_village
from ..vocab import KINDS, TOPICS
from ..workflow import Workflow
from .cases import NewCase
from .fields import clean_phone, clean_text, is_blank, optional_text
from .participants import CheckedParticipant, Participant, check_participants

__all__ = [
    "NewMeeting", "Opinion", "IntakeProblem", "InvalidIntake", "UnitNotAllowed", "CheckedIntake",
    "CheckedOpinion", "check_intake", "fingerprint", "default_reason", "MAX_ATTENDEES",
    "MAX_OPINIONS", "EARLIEST", "OUTCOME_FIELDS", "received_at",
]

MAX_ATTENDEES = 100_000
MAX_OPINIONS = 100
EARLIEST = date(2000, 1, 1)
# The fields an on-site outcome may carry; which ones a trigger takes is the workflow's.
OUTCOME_FIELDS = ("answer", "target_unit", "reason", "appointment")
# Opinions count from the meeting's morning (or from when they are typed, if earlier).
MEETING_STARTS = time(8, 0)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Opinion:
    """One opinion heard at the meeting, and what was done with it there."""

    topic: str
    content: str
    kind: str = "kien_nghi"
    unit: str | None = None  # the village it was raised in; default: the meeting's unit
    citizen_name: str | None = None
    citizen_phone: str | None = None
    citizen_address: str | None = None
    # A trigger the programme allows on receipt (answer_on_site, escalate, ...) and
    # its fields; None: recorded, to be handled later.
    outcome: str | None = None
    answer: str | None = None
    target_unit: str | None = None
    reason: str | None = None
    appointment: datetime | str | None = None
    # Photos and documents handed over with it (engine.files), kept on its receipt.
    files: tuple[Upload, ...] = ()
    # Whether the citizen agreed to messages, on which channel and address (engine.consent).
    consent: ConsentInput | None = None


@dataclass(frozen=True)
class NewMeeting:
    """A meeting (buổi tiếp xúc, đối thoại) and the opinions heard at it. Dates and
    numbers may come as typed (``"2026-11-23"``, ``"57"``): the checks read them."""

    programme: str
    held_on: date | str
    unit: str
    place: str | None = None
    hosts: str | None = None
    attendees: int | str | None = None  # None or blank: not counted (stays empty, never 0)
    opinions: Sequence[Opinion] = ()
    # Officials who took part (engine.services.participants); None: none listed.
    participants: Sequence[Participant] | None = None


@dataclass(frozen=True)
class IntakeProblem:
    row: int | None  # index in ``NewMeeting.opinions``; None: the meeting itself
    field: str
    error: DomainError


class InvalidIntake(DomainError):
    """Every problem of an intake at once, so a form can mark each field."""

    code = "invalid-intake"
    key = "error.invalid-intake"

    def __init__(self, problems: Sequence[IntakeProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: -1 if p.row is None else p.row))
        super().__init__(count=len(self.problems))


@dataclass(frozen=True)
class CheckedOpinion:
    row: int
    case: NewCase
    trigger: str | None
    data: dict[str, Any]
    consent: CheckedConsent | None = None


@dataclass
class CheckedIntake:
    """What to write: the meeting's fields when they passed (``unit`` set), the
    opinions that passed, and every problem found."""

    programme: str
    held_on: date | None
    unit: Unit | None
    place: str
    hosts: str
    attendees: int | None
    opinions: list[CheckedOpinion] = field(default_factory=list)
    problems: list[IntakeProblem] = field(default_factory=list)
    participants: list[CheckedParticipant] = field(default_factory=list)

    @property
    def meeting_ok(self) -> bool:
        return not any(p.row is None for p in self.problems) and self.unit is not None and self.held_on is not None


class _Problems:
    def __init__(self, into: list[IntakeProblem]) -> None:
        self.into = into

    def add(self, row: int | None, name: str, err: DomainError) -> None:
        self.into.append(IntakeProblem(row, name, err))

    def take(self, row: int | None, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``, or None with its refusal noted against ``name``."""
        try:
            return fn(*args)
        except DomainError as err:
            self.add(row, name, err)
            return None


def _day(value: Any, today: date) -> date:
    if isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            pass
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidField(field="held_on", problem_vi="không đúng dạng ngày (YYYY-MM-DD)",
                           problem_en="is not a date (YYYY-MM-DD)")
    if value > today:
        raise InvalidField(field="held_on", problem_vi="không được ở tương lai", problem_en="must not be in the future")
    if value < EARLIEST:
        raise InvalidField(field="held_on", problem_vi="không được trước năm 2000", problem_en="must not be before 2000")
    return value


def _whole(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 6:
        value = int(value.strip())
    elif value is None or is_blank(value):
        return None  # nobody counted them: an empty count is not "nobody came"
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ATTENDEES:
        raise InvalidField(field="attendees", problem_vi=f"phải là số nguyên từ 0 đến {MAX_ATTENDEES}",
                           problem_en=f"must be a whole number from 0 to {MAX_ATTENDEES}")
    return value


def _choice(name: str, value: Any, vocabulary: Mapping[str, Any], vi: str, en: str) -> str:
    if not isinstance(value, str) or value not in vocabulary:
        raise InvalidField(field=name, problem_vi=vi, problem_en=en)
    return value


def _unit_code(name: str, code: Any) -> str:
    # Looked up in the database: what cannot be a code (a NUL byte, which PostgreSQL
    # refuses in text, or a page of text) is "no such unit" before it gets there.
    if not isinstance(code, str) or not code.strip():
        raise InvalidField(field=name, problem_vi="cần chọn đơn vị", problem_en="choose a unit")
    code = code.strip()
    if len(code) > 32 or not code.isprintable():
        raise InvalidField(field=name, problem_vi="không có đơn vị này", problem_en="no such unit")
    return code


class _Units:
    """Units looked up once per intake: its opinions mostly name the same village."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.found: dict[str, Unit | None] = {}

    def where_recorded(self, name: str, code: Any, day: date) -> Unit:
        """A unit in force on ``day`` where the actor may record opinions."""
        code = _unit_code(name, code)
        if code not in self.found:
            self.found[code] = self.session.scalar(select(Unit).where(Unit.code == code))
        unit = self.found[code]
        if unit is None:
            raise InvalidField(field=name, problem_vi=f"không có đơn vị “{code[:40]}”", problem_en=f"no unit “{code[:40]}”")
        refusal = decide(self.actor, CREATE, origin_path=unit.path, handling_path=unit.path, case_code=unit.code)
        if isinstance(refusal, OutOfScope):
            raise UnitNotAllowed(field=name)
        if refusal is not None:
            raise refusal
        if not in_force(self.session, unit, day):  # with every unit above it (engine.succession)
            raise InvalidField(field=name, problem_vi=f"đơn vị “{unit.code}” không còn hiệu lực vào {day:%d/%m/%Y}",
                               problem_en=f"unit “{unit.code}” is not in force on {day:%d/%m/%Y}")
        return unit


def received_at(held_on: date, now: datetime) -> datetime:
    """When a meeting's opinions count as received: its morning, or now if earlier."""
    return min(now, datetime.combine(held_on, MEETING_STARTS, LOCAL_TZ))


def default_reason(held_on: date) -> str:
    # Stored in the case's history, which is kept in Vietnamese.
    return f"Vượt thẩm quyền trả lời tại chỗ (buổi tiếp xúc ngày {held_on:%d/%m/%Y})."


def check_intake(session: Session, actor: Actor, new: NewMeeting, workflows: Mapping[str, Workflow],
                 now: datetime, limits: FileLimits | None = None) -> CheckedIntake:
    """Every check of the meeting and its opinions that needs no case yet. What the
    on-site outcomes carry is checked by firing them (``CaseService.fire_within``)."""
    today = now.astimezone(LOCAL_TZ).date()
    problems: list[IntakeProblem] = []
    p = _Problems(problems)
    wf = workflows.get(new.programme) if isinstance(new.programme, str) else None
    if wf is None:
        p.add(None, "programme", InvalidField(field="programme", problem_vi="không có chương trình này",
                                              problem_en="no such programme"))
    held_on = p.take(None, "held_on", _day, new.held_on, today)
    units = _Units(session, actor)
    unit = p.take(None, "unit", units.where_recorded, "unit", new.unit, held_on or today)
    checked = CheckedIntake(
        programme=new.programme, held_on=held_on, unit=unit,
        place=p.take(None, "place", optional_text, "place", new.place) or "",
        hosts=p.take(None, "hosts", optional_text, "hosts", new.hosts) or "",
        attendees=p.take(None, "attendees", _whole, new.attendees), problems=problems)
    checked.participants, refused = check_participants(session, new.participants, unit)
    for err in refused:
        p.add(None, "participants", err)
    opinions = list(new.opinions) if isinstance(new.opinions, (list, tuple)) else None
    if opinions is None:
        p.add(None, "opinions", InvalidField(field="opinions", problem_vi="phải là một danh sách ý kiến",
                                             problem_en="must be a list of opinions"))
        return checked
    if len(opinions) > MAX_OPINIONS:
        p.add(None, "opinions", InvalidField(field="opinions", problem_vi=f"tối đa {MAX_OPINIONS} ý kiến mỗi lần",
                                             problem_en=f"at most {MAX_OPINIONS} opinions at a time"))
        return checked
    received = received_at(held_on or today, now)
    on_receipt = {t.trigger: t for t in wf.transitions_from(wf.initial)} if wf else {}
    for row, opinion in enumerate(opinions):
        before = len(problems)
        item = _check_opinion(p, row, opinion, new, units, received, unit)
        if isinstance(opinion, Opinion) and opinion.files:
            # Checked here too so that a refused file is named on its opinion's row; the
            # case service checks again as it stores them (one rule: engine.files).
            p.take(row, "files", _files_ok, opinion.files, limits)
        outcome = _outcome(p, row, opinion, on_receipt, wf, held_on or today)
        consent = _consent(p, row, opinion)
        if item is not None and outcome is not None and len(problems) == before:
            checked.opinions.append(CheckedOpinion(row, item, *outcome, consent=consent))
    return checked


def _check_opinion(p: _Problems, row: int, o: Opinion, new: NewMeeting, units: _Units, received_at: datetime,
                   meeting_unit: Unit | None) -> NewCase | None:
    if not isinstance(o, Opinion):
        p.add(row, "opinion", InvalidField(field="opinion", problem_vi="không phải một ý kiến",
                                           problem_en="is not an opinion"))
        return None
    topic = p.take(row, "topic", _choice, "topic", o.topic, TOPICS, "hãy chọn một lĩnh vực", "choose a topic")
    kind = p.take(row, "kind", _choice, "kind", "kien_nghi" if is_blank(o.kind) else o.kind, KINDS,
                  f"phải là một trong: {', '.join(KINDS)}", f"must be one of: {', '.join(KINDS)}")
    content = p.take(row, "content", clean_text, "content", o.content)
    name = p.take(row, "citizen_name", optional_text, "citizen_name", o.citizen_name)
    phone = p.take(row, "citizen_phone", clean_phone, o.citizen_phone)
    address = p.take(row, "citizen_address", optional_text, "citizen_address", o.citizen_address)
    if is_blank(o.unit) and meeting_unit is None:
        return None  # the meeting's unit is refused already: once is enough
    code = new.unit if is_blank(o.unit) else o.unit
    unit = p.take(row, "unit", units.where_recorded, "unit", code, received_at.astimezone(LOCAL_TZ).date())
    if unit is not None and meeting_unit is not None and not _raised_at(unit, meeting_unit):
        p.add(row, "unit", InvalidField(
            field="unit", problem_vi="phải là thôn, ấp, khóm, tổ dân phố thuộc đơn vị tổ chức buổi tiếp xúc",
            problem_en="must be a village of the unit that held the meeting"))
        unit = None
    if None in (topic, kind, content, unit):
        return None
    return NewCase(workflow=new.programme, unit=unit.code, topic=topic, kind=kind, content=content, channel="meeting",
                   citizen_name=name, citizen_phone=phone, citizen_address=address, received_at=received_at,
                   files=tuple(o.files) if isinstance(o.files, (list, tuple)) else ())


def _raised_at(unit: Unit, meeting_unit: Unit) -> bool:
    # Where an opinion was raised: the meeting's own unit or one of its villages, never
    # a department, the police, the Front or another commune's village.
    return unit.id == meeting_unit.id or (is_village(unit) and unit.path.startswith(meeting_unit.path))


def _files_ok(files: Sequence[Upload], limits: FileLimits | None) -> bool:
    if limits is None:
        raise InvalidField(field="files", problem_vi="máy chủ này không nhận tệp", problem_en="this server takes no files")
    if len(files) > limits.max_files_per_step:
        raise InvalidField(field="files", problem_vi=f"tối đa {limits.max_files_per_step} tệp mỗi ý kiến",
                           problem_en=f"at most {limits.max_files_per_step} files per opinion")
    for upload in files:
        check_file(upload, limits)
    return True


def _consent(p: _Problems, row: int, o: Opinion) -> CheckedConsent | None:
    if not isinstance(o, Opinion) or o.consent is None:
        return None
    if not isinstance(o.consent, ConsentInput):
        p.add(row, "consent_channel", InvalidField(field="consent_channel", problem_vi="không hợp lệ",
                                                   problem_en="is invalid"))
        return None
    try:
        return check_consent(o.consent, "kien_nghi" if is_blank(o.kind) else o.kind)
    except InvalidField as err:  # shown against the field it names
        p.add(row, str(err.params.get("field")), err)
        return None


def _outcome(p: _Problems, row: int, o: Opinion, on_receipt: Mapping[str, Any], wf: Workflow | None,
             held_on: date) -> tuple[str | None, dict[str, Any]] | None:
    """The trigger to fire on receipt and its data, or None when refused."""
    if not isinstance(o, Opinion):
        return None
    data = {name: getattr(o, name) for name in OUTCOME_FIELDS if not is_blank(getattr(o, name))}
    if is_blank(o.outcome):
        for name in data:
            p.add(row, name, InvalidField(field=name, problem_vi="chỉ dùng khi ý kiến được xử lý ngay tại buổi tiếp xúc",
                                          problem_en="only goes with an outcome at the meeting"))
        return None if data else (None, {})
    if wf is None:
        return None
    t = on_receipt.get(o.outcome) if isinstance(o.outcome, str) else None
    if t is None:
        label = str(o.outcome)[:40]
        p.add(row, "outcome", InvalidField(
            field="outcome", problem_vi=f"chương trình này không có thao tác “{label}” khi tiếp nhận ý kiến",
            problem_en=f"this programme has no “{label}” on receipt"))
        return None
    # Passed on at the meeting without a reason typed: the reason is that it was
    # beyond what could be answered there.
    if "target_unit" in data:
        try:
            data["target_unit"] = _unit_code("target_unit", data["target_unit"])
        except InvalidField as err:
            p.add(row, "target_unit", err)
            return None
    if "reason" in t.requires and "target_unit" in (*t.requires, *t.optional) and "reason" not in data:
        data["reason"] = default_reason(held_on)
    return t.trigger, data


def _canon(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, (Opinion, Participant, ConsentInput)):
        # An opinion without consent or files hashes as it did before they existed.
        return {f.name: _canon(getattr(value, f.name)) for f in fields(value)
                if not (f.name == "consent" and getattr(value, f.name) is None)
                and not (f.name == "files" and not getattr(value, f.name))}
    if isinstance(value, Upload):  # a file is its name and its bytes' hash
        return [value.name, hashlib.sha256(value.data).hexdigest()]
    return str(value).strip()


def fingerprint(new: NewMeeting) -> str:
    """SHA-256 of the request as sent (blanks and spacing aside), to tell a replay
    of it from another request under the same key."""
    # A request without participants hashes as it did before they existed (keys kept
    # from then still recognise their replays).
    payload = {f.name: _canon(getattr(new, f.name)) for f in fields(new)
               if not (f.name == "participants" and new.participants is None)}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()
