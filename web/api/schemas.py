"""Request and response bodies of the JSON API.

Requests: unknown fields are refused (``extra="forbid"``), every string has a
length limit equal to the engine's (``engine.services.fields.LIMITS``), numbers
and date-times are strict (no ``"5"`` for 5, no epoch seconds for a date-time),
and text may not hold NUL characters or lone surrogates (a database would choke
on them). The engine checks meaning again (units exist, the trigger accepts the
field, ...): these models only keep out what cannot be an answer at all.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, BaseModel, ConfigDict, Field, StringConstraints

from engine.services.fields import LIMITS
from engine.services.intake import MAX_ATTENDEES, MAX_OPINIONS
from engine.services.participants import MAX_NAME, MAX_PARTICIPANTS
from engine.vocab import CHANNELS, KINDS, SATISFACTION, TOPICS

__all__ = [
    "CaseCreate", "FireRequest", "TransitionData", "RemarkRequest", "MeetingCreate", "OpinionCreate",
    "ActionOut", "CaseOut", "CaseSummary", "CaseList", "EventOut", "ChainOut", "EventsOut",
    "MeetingOut", "ParticipantIn", "ParticipantOut", "UnitOut", "UnitList", "LabelOut", "WorkflowSummary",
    "WorkflowOut", "INT32", "ExtensionRequest", "AssignmentRequest",
]

INT32 = 2**31 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _no_poison(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired surrogate (not valid Unicode)") from None
    return value


def _instant(value: datetime) -> datetime:
    try:
        utc = value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("is outside the supported range of dates") from None
    if utc < EARLIEST or utc.year > 2200:
        raise ValueError("must be between the years 2000 and 2200")
    return utc


def text(limit: int, *, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(max_length=limit, min_length=min_length), AfterValidator(_no_poison)]


def _iso_text(value: Any) -> Any:
    # JSON has no date type: a date-time is text. Numbers (epoch seconds) are refused
    # rather than guessed at.
    if not isinstance(value, (str, datetime, date)):
        raise ValueError("must be an ISO 8601 string")
    if isinstance(value, str) and len(value) > 40:
        raise ValueError("is too long for a date")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_instant)]
Day = Annotated[date, BeforeValidator(_iso_text)]
UnitCode = text(32, min_length=1)
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Topic = Literal[tuple(TOPICS)]  # type: ignore[valid-type]
Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Channel = Literal[tuple(CHANNELS)]  # type: ignore[valid-type]
Satisfaction = Literal[tuple(SATISFACTION)]  # type: ignore[valid-type]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(_Request):
    """The citizen agreed to be told how their opinion is handled (Decree 13/2023: for that purpose only)."""

    channel: Literal["sms", "zalo", "email"]
    address: text(254, min_length=1) = Field(  # type: ignore[valid-type]
        description="Mobile number (sms, zalo) or email address the messages go to.")
    author_requested: bool = Field(
        default=False, description="For a denunciation (tố cáo): its author asked for messages themselves.")


class CaseCreate(_Request):
    workflow: Slug = Field(default="nghe-dan-noi", description="Programme (workflow key); see GET /api/v1/workflows.")
    unit: UnitCode = Field(description="Code of the unit (village, commune, ...) where the opinion was raised.")
    topic: Topic
    kind: Kind = "kien_nghi"
    channel: Channel = "meeting"
    content: text(LIMITS["content"], min_length=1)  # type: ignore[valid-type]
    citizen_name: text(LIMITS["citizen_name"]) | None = None  # type: ignore[valid-type]
    citizen_phone: text(LIMITS["citizen_phone"]) | None = None  # type: ignore[valid-type]
    citizen_address: text(LIMITS["citizen_address"]) | None = None  # type: ignore[valid-type]
    meeting_id: Annotated[int, Field(strict=True, ge=1, le=INT32)] | None = None
    received_at: Instant | None = Field(
        default=None, description="When the opinion was raised, for entries copied from a notebook later "
                                  "(ISO 8601 with an offset; not in the future). Default: now.")
    handling_unit: text(32) | None = Field(  # type: ignore[valid-type]
        default=None, description="Unit that handles it from the start; default: the unit where it was raised.")
    consent: ConsentIn | None = Field(default=None, description="Omitted: no message goes to the citizen.")


class TransitionData(_Request):
    """The fields a trigger may take; which ones it requires is in the workflow
    (GET /api/v1/workflows/{key}) and in the case's ``allowed_actions``."""

    answer: text(LIMITS["answer"]) | None = None  # type: ignore[valid-type]
    reason: text(LIMITS["reason"]) | None = None  # type: ignore[valid-type]
    note: text(LIMITS["note"]) | None = None  # type: ignore[valid-type]
    target_unit: text(32) | None = None  # type: ignore[valid-type]
    appointment: Instant | None = None
    satisfaction: Satisfaction | None = None
    duplicate_of: text(40) | None = None  # type: ignore[valid-type]


class FireRequest(_Request):
    data: TransitionData = Field(default_factory=TransitionData)
    expected_version: Annotated[int, Field(strict=True, ge=1, le=INT32)] | None = Field(
        default=None, description="The version you last read; a different current version is refused with 409.")


class RemarkRequest(_Request):
    kind: Literal["remark", "urge", "confirm"] = "remark"
    note: text(LIMITS["note"], min_length=1)  # type: ignore[valid-type]


class OpinionCreate(_Request):
    """One opinion heard at the meeting, and what was done with it there."""

    topic: Topic
    kind: Kind = "kien_nghi"
    content: text(LIMITS["content"], min_length=1)  # type: ignore[valid-type]
    unit: text(32) | None = Field(  # type: ignore[valid-type]
        default=None, description="Village (or other unit) where it was raised; default: the meeting's unit.")
    citizen_name: text(LIMITS["citizen_name"]) | None = None  # type: ignore[valid-type]
    citizen_phone: text(LIMITS["citizen_phone"]) | None = None  # type: ignore[valid-type]
    citizen_address: text(LIMITS["citizen_address"]) | None = None  # type: ignore[valid-type]
    outcome: Slug | None = Field(
        default=None, description="What was done at the meeting: a trigger the programme allows on receipt "
                                  "(`answer_on_site` with `answer`, `escalate` with `target_unit` and optionally "
                                  "`reason`, `appointment`). Omitted: recorded, to be handled later.")
    answer: text(LIMITS["answer"]) | None = None  # type: ignore[valid-type]
    target_unit: text(32) | None = None  # type: ignore[valid-type]
    reason: text(LIMITS["reason"]) | None = Field(  # type: ignore[valid-type]
        default=None, description="Why it was passed on; default: beyond what could be answered at the meeting.")
    appointment: Instant | None = None
    consent: ConsentIn | None = Field(default=None, description="Omitted: no message goes to the citizen.")


class ParticipantIn(_Request):
    """An official who took part: a user of the application, or the name of someone without an account."""

    user: text(64, min_length=1) | None = Field(default=None, description="Username.")  # type: ignore[valid-type]
    name: text(MAX_NAME, min_length=1) | None = Field(  # type: ignore[valid-type]
        default=None, description="Full name of someone without an account.")


class MeetingCreate(_Request):
    programme: Slug = "nghe-dan-noi"
    held_on: Day = Field(description="Local date of the meeting: from 2000 to today.")
    unit: UnitCode
    place: text(LIMITS["place"]) | None = None  # type: ignore[valid-type]
    hosts: text(LIMITS["hosts"]) | None = None  # type: ignore[valid-type]
    attendees: Annotated[int, Field(strict=True, ge=0, le=MAX_ATTENDEES)] | None = Field(
        default=None, description="Citizens attending; omitted or null when nobody counted them (kept empty, not 0).")
    opinions: list[OpinionCreate] = Field(
        default_factory=list, max_length=MAX_OPINIONS,
        description="The opinions heard there, recorded with the meeting in one transaction: all or none.")
    participants: list[ParticipantIn] | None = Field(
        default=None, max_length=MAX_PARTICIPANTS,
        description="Officials who took part (lượt cán bộ, công chức tham gia), each once: `{\"user\": USERNAME}` "
                    "for someone working at the meeting's commune, below it or above it, `{\"name\": ...}` for "
                    "someone without an account.")


# ----------------------------------------------------------------------- responses


class ActionOut(BaseModel):
    trigger: str
    label: str
    dest: str
    requires: list[str]
    optional: list[str]
    allowed: bool = Field(description="Whether the caller may fire it now.")
    refusal: str | None = Field(description="Why not, when not allowed.")


class CaseSummary(BaseModel):
    code: str
    workflow: str
    state: str
    state_label: str
    final: bool
    kind: str
    topic: str
    channel: str
    content: str
    origin_unit: str
    handling_unit: str
    received_at: datetime
    due_at: datetime | None
    overdue: bool
    version: int


class CaseOut(CaseSummary):
    stage_started_at: datetime
    appointment_at: datetime | None
    answer: str | None
    satisfaction: str | None
    duplicate_of: str | None
    meeting_id: int | None
    citizen_name: str | None
    citizen_phone: str | None
    citizen_address: str | None
    citizen_disclosure: Literal["full", "masked", "withheld"] = Field(
        description="How much of the citizen's identity this caller may see: full; masked (initials, the last "
                    "three digits of the phone); withheld (a denunciation's author, confidential by law, for "
                    "anyone but the leaders over the unit now handling it).")
    citizen_withheld: bool = Field(description="True when the citizen's identity is withheld from this caller.")
    event_count: int
    allowed_actions: list[ActionOut]
    assignee: str | None = Field(default=None, description="Username of the person who must act now, if assigned.")
    assignee_name: str | None = Field(default=None, description="Their name as the pages show it.")


class ExtensionRequest(_Request):
    """Gia hạn: move the current stage's deadline by whole working days, within the workflow's limit."""

    working_days: Annotated[int, Field(strict=True, ge=1, le=366)]
    reason: text(LIMITS["reason"], min_length=1)  # type: ignore[valid-type]
    expected_version: Annotated[int, Field(strict=True, ge=1, le=INT32)] | None = None


class AssignmentRequest(_Request):
    """assign: a leader names the person (``assignee``, a username); take: you take it yourself;
    release: nobody is assigned any more."""

    action: Literal["assign", "take", "release"]
    assignee: text(64, min_length=1) | None = None  # type: ignore[valid-type]
    expected_version: Annotated[int, Field(strict=True, ge=1, le=INT32)] | None = None


class CaseList(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    count: int | None = Field(default=None, description="With `count=true`: how many cases the filters find, "
                                                        "counted up to 1001 (more than 1000 reads as 1001).")


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    trigger: str
    from_state: str | None
    to_state: str
    note: str
    data: dict[str, Any]
    hash: str
    prev_hash: str


class ChainOut(BaseModel):
    valid: bool
    event_count: int
    problem: str | None = Field(description="What is broken, when the chain does not verify.")
    broken_at: int | None = Field(description="Sequence number of the first bad event, if any.")


class EventsOut(BaseModel):
    code: str
    chain: ChainOut
    events: list[EventOut]


class ParticipantOut(BaseModel):
    user: str | None
    name: str


class MeetingOut(BaseModel):
    id: int
    programme: str
    held_on: date
    unit: str
    unit_name: str
    place: str
    hosts: str
    attendees: int | None = Field(description="Citizens attending; null when nobody counted them.")
    participants: list[ParticipantOut]
    created_at: datetime
    created_by: str | None
    cases: list[str] = Field(description="Codes of the opinions heard there. As recorded: every opinion sent, in "
                                         "the order sent; read back: those you may see.")


class UnitOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    valid_from: date | None
    valid_to: date | None
    successor: str | None


class UnitList(BaseModel):
    items: list[UnitOut]
    next_cursor: str | None


class LabelOut(BaseModel):
    vi: str
    en: str


class WorkflowSummary(BaseModel):
    key: str
    name: LabelOut
    description: LabelOut | None
    initial: str
    states: list[str]
    triggers: list[str]


class WorkflowStateOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    label: LabelOut
    final: bool
    deadline: dict[str, Any] | None
    triggers: list[str]


class WorkflowOut(BaseModel):
    """The programme as declared: states with their deadlines, and transitions
    (who may fire them, from where, with which fields)."""

    model_config = ConfigDict(extra="allow")

    key: str
    name: LabelOut
    description: LabelOut | None
    initial: str
    states: list[WorkflowStateOut]
    transitions: list[dict[str, Any]]
