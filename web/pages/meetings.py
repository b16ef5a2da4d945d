"""Fast intake of a meeting's opinions, and the meetings themselves.

The meeting (date, unit, place, hosts, attendees) is typed once, then one row per
opinion with what was done with it on the spot. The page reads the form and hands
it to ``MeetingService.record``, which checks everything and writes the meeting,
its opinions and their on-site answers or escalations in one transaction, keyed by
the form's one-time nonce; the page marks each problem next to its field and lists
them all at the top, each linked to its field. A meeting entered so late that its
opinions would start out overdue (``MeetingService.late_entry``) is saved only once
the person confirms. An expired session or form token shows everything typed again
(``web.pages.intake_recovery``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import func, or_, select

from engine.calendar import LOCAL_TZ
from engine.consent import ConsentInput
from engine.errors import DomainError, MissingField
from engine.files import Upload
from engine.listing import case_row
from engine.models import Case, Meeting, Unit, path_under
from engine.queries import scope_clause
from engine.services.calendars import load_calendar
from engine.services.fields import is_blank
from engine.services.meetings import (
    MAX_OPINIONS, IdempotencyKeyReused, InvalidIntake, NewMeeting, Opinion, Participant,
)
from engine.unit_kinds import is_village
from engine.vocab import KINDS, TOPICS

from ..security import new_token
from .duplicates import intake_notices
from .common import CsrfFailed, Ctx, Form, Forbidden, PageNotFound, redirect, render, signed_in
from .data import escalation_units, intake_units, to_row
from .i18n import local_dt
from .intake_recovery import IntakePost, after_sign_in, intake_post, relogin_page
from .uploads import UploadForm

router = APIRouter()

DEFAULT_ROWS = 5
MORE_ROWS = 5
MAX_ROWS = MAX_OPINIONS
ROW_FIELDS = ("topic", "kind", "content", "name", "phone", "village", "outcome", "answer", "target", "reason",
              "appointment", "files", "consent", "consent_address", "consent_author")
# The engine's names for what this form calls otherwise.
ROW_FIELD = {"citizen_name": "name", "citizen_phone": "phone", "unit": "village", "target_unit": "target",
             "consent_channel": "consent", "consent_author_requested": "consent_author"}
MEETING_FIELDS = ("programme", "held_on", "unit", "place", "hosts", "attendees", "participants")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class IntakeRow:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return all(is_blank(self.values.get(k)) for k in ("content", "name", "phone", "answer"))


@dataclass
class Intake:
    programme: str
    held_on: str
    unit: str
    place: str = ""
    hosts: str = ""
    attendees: str = ""
    participants: str = ""  # one per line; "@username" for someone with an account
    nonce: str = ""
    rows: list[IntakeRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _today(ctx: Ctx) -> date:
    return ctx.c.clock.now().astimezone(LOCAL_TZ).date()


def _blank_row() -> IntakeRow:
    return IntakeRow(values={"kind": "kien_nghi", "outcome": "record"})


def _page(ctx: Ctx, intake: Intake, *, status: int = 200, alert: str | None = None, notice: str | None = None,
          summary: list[tuple[str, str]] | None = None, late: str | None = None) -> Response:
    assert ctx.user is not None
    today = _today(ctx)
    with ctx.c.sessions() as session:
        units = intake_units(session, ctx.user.actor, today)
        targets = escalation_units(session, today)
    if not units:
        raise Forbidden()
    t = ctx.t
    return render(
        ctx, "meeting_new.html", status=status, intake=intake, units=units, targets=targets, alert=alert,
        notice=notice, summary=summary or [], late=late,
        # Where an opinion was raised is a village: the engine says which units are.
        villages=[u for u in units if is_village(u)],
        min_appointment=local_dt(ctx.c.clock.now(), "%Y-%m-%dT%H:%M"),
        today=today.isoformat(), max_rows=MAX_ROWS,
        programme_choices=[(k, wf.name.get(ctx.lang)) for k, wf in ctx.c.workflows.items()],
        topic_choices=[(k, t.pick(v)) for k, v in TOPICS.items()],
        kind_choices=[(k, t.pick(v)) for k, v in KINDS.items()],
        outcome_choices=[("record", t("outcome_record")), ("answer_on_site", t("outcome_answer")),
                         ("escalate", t("outcome_escalate"))],
        consent_choices=[("sms", "SMS"), ("zalo", "Zalo"), ("email", "Email")],
    )


@router.get("/meetings/new")
def intake_form(ctx: Ctx = Depends(signed_in)) -> Response:
    programme = "nghe-dan-noi" if "nghe-dan-noi" in ctx.c.workflows else next(iter(ctx.c.workflows))
    intake = Intake(programme=programme, held_on=_today(ctx).isoformat(), unit="", nonce=new_token(),
                    rows=[_blank_row() for _ in range(DEFAULT_ROWS)])
    return _page(ctx, intake)


def _read(form: Form) -> Intake:
    try:
        count = int(form.get("rows", str(DEFAULT_ROWS)))
    except ValueError:
        count = DEFAULT_ROWS
    count = max(1, min(count, MAX_ROWS))
    rows = [IntakeRow(values={f: form.get(f"r{i}_{f}") for f in ROW_FIELDS}) for i in range(count)]
    return Intake(programme=form.get("programme"), held_on=form.get("held_on"), unit=form.get("unit"),
                  place=form.get("place"), hosts=form.get("hosts"), attendees=form.get("attendees"),
                  participants=form.get("participants"), nonce=form.get("nonce"), rows=rows)


def _participants(text: str) -> tuple[Participant, ...] | None:
    """One person per line: "@username" names an account, anything else a name."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    return tuple(Participant(user=line[1:].strip()) if line.startswith("@") else Participant(name=line)
                 for line in lines)


def _appointment(text: str | None) -> str | None:
    """A ``datetime-local`` value (Vietnam wall-clock time) as an instant with its
    offset; anything else goes to the engine as typed, which says what is wrong."""
    if is_blank(text):
        return None
    assert text is not None
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return naive.replace(tzinfo=LOCAL_TZ).isoformat() if naive.tzinfo is None else text


def _opinion(v: dict[str, str], files: list[Upload]) -> Opinion:
    # The form shows the answer for one choice and the target and reason for the
    # other; what is typed in the hidden part is not sent.
    outcome = v.get("outcome") or "record"
    return Opinion(topic=v.get("topic", ""), kind=v.get("kind") or "kien_nghi", content=v.get("content", ""),
                   unit=v.get("village") or None, citizen_name=v.get("name"), citizen_phone=v.get("phone"),
                   outcome=None if outcome == "record" else outcome,
                   answer=v.get("answer") if outcome == "answer_on_site" else None,
                   target_unit=v.get("target") if outcome == "escalate" else None,
                   reason=v.get("reason") if outcome == "escalate" else None,
                   appointment=_appointment(v.get("appointment")) if outcome == "escalate" else None,
                   files=tuple(files),
                   consent=ConsentInput(channel=v.get("consent") or None, address=v.get("consent_address") or None,
                                        author_requested=v.get("consent_author") == "1")
                   if v.get("consent") or v.get("consent_address") else None)


def _message(ctx: Ctx, err: DomainError) -> str:
    """A refusal as shown next to its field: an outcome's missing field in the
    form's own words (the form asks for it under another label)."""
    if isinstance(err, MissingField) and err.params.get("field") in ("answer", "target_unit"):
        return ctx.t("intake_no_answer") if err.params["field"] == "answer" else ctx.t("intake_no_target")
    return ctx.t.error(err)


def _field_id(row: int | None, name: str) -> str:
    """The id of a field's control in the template (``r3-consent-address``)."""
    return name if row is None else f"r{row}-{name.replace('_', '-')}"


def _mark(ctx: Ctx, intake: Intake, sent: list[int], err: InvalidIntake) -> list[tuple[str, str]]:
    """Put each problem next to its field (``sent``: the form row of each opinion);
    returns the summary: each problem as (link to its field or row, text)."""
    t = ctx.t
    summary = []
    for p in err.problems:
        message = _message(ctx, p.error)
        if p.row is None:
            errors, name, known, row = intake.errors, p.field, MEETING_FIELDS, None
        else:
            row = sent[p.row]
            errors, name, known = intake.rows[row].errors, ROW_FIELD.get(p.field, p.field), ROW_FIELDS
        where = t("intake_summary_meeting") if row is None else t("intake_row", n=row + 1)
        if name in known and name not in errors:
            errors[name] = message
            summary.append((f"#{_field_id(row, name)}", f"{where} – {_label(t, name)}: {message}"))
        else:
            summary.append((f"#row-{row}" if row is not None else "#meeting", f"{where}: {message}"))
    return summary


def _label(t: Any, name: str) -> str:
    labels = {"village": t.field("village"), "target": t.field("target_unit"), "name": t.field("citizen_name"),
              "phone": t.field("citizen_phone"), "answer": t("intake_answer"), "reason": t("intake_reason"),
              "appointment": t("intake_appointment"), "files": t("files_add"), "consent": t("consent_channel"),
              "consent_address": t("consent_address"), "consent_author": t("consent_author"),
              "unit": t("intake_unit"), "participants": t("participants_label"), "programme": t("programme"),
              "topic": t("topic"), "kind": t("kind")}
    return labels.get(name) or t.field(name)


def _hidden(form: Form) -> list[tuple[str, str]]:
    """Every typed value of the intake, to carry through signing in again."""
    names = ["programme", "held_on", "unit", "place", "hosts", "attendees", "participants", "nonce", "rows"]
    out = [(n, form.get(n)) for n in names if form.get(n)]
    for i in range(len(_read(form).rows)):
        out += [(f"r{i}_{f}", form.get(f"r{i}_{f}")) for f in ROW_FIELDS if f != "files" and form.get(f"r{i}_{f}")]
    return out


def _kept(ctx: Ctx, intake: Intake, form: UploadForm, key: str) -> Response:
    """The form again with everything typed, the session's token, the same nonce."""
    if not _NONCE.match(intake.nonce):
        intake.nonce = new_token()
    files = any(form.files_for(f"r{i}_files") for i in range(len(intake.rows)))
    notice = " ".join([ctx.t(key), *([ctx.t("intake_files_again")] if files else [])])
    # 403 for a stale token, as every other form answers it; signed in again: the form.
    return _page(ctx, intake, status=200 if key == "intake_kept" else 403, notice=notice)


@router.post("/meetings/new")
def intake_save(posted: IntakePost = Depends(intake_post)) -> Response:
    ctx, form, token_ok = posted
    intake = _read(form)
    if ctx.user is None:  # the session expired while the rows were typed
        kept = sum(not r.blank for r in intake.rows)
        if form.get("relogin") == "1":
            return after_sign_in(ctx, form, lambda signed: _kept(signed, _read(form), form, "intake_kept"),
                                 _hidden(form), kept)
        return relogin_page(ctx, _hidden(form), kept)
    if not token_ok:  # signed in again elsewhere: the session's token changed
        if not ctx.can_record:
            raise CsrfFailed()  # nothing of theirs to keep: the usual refusal
        return _kept(ctx, intake, form, "intake_form_expired")
    return _save(ctx, form, intake)


def _save(ctx: Ctx, form: UploadForm, intake: Intake) -> Response:
    assert ctx.user is not None
    t = ctx.t
    if "more" in form:
        intake.rows += [_blank_row() for _ in range(min(MORE_ROWS, MAX_ROWS - len(intake.rows)))]
        return _page(ctx, intake)
    if not _NONCE.match(intake.nonce):
        intake.nonce = new_token()
        return _page(ctx, intake, status=400, alert=t("version_invalid"))
    sent = [i for i, r in enumerate(intake.rows) if not r.blank]
    if not sent:
        # A form saved with every row empty is a slip, not a meeting without opinions.
        intake.errors["rows"] = t("intake_empty")
        return _page(ctx, intake, status=400, alert=intake.errors["rows"])
    new = NewMeeting(programme=intake.programme, held_on=intake.held_on, unit=intake.unit, place=intake.place,
                     hosts=intake.hosts, attendees=intake.attendees,
                     opinions=tuple(_opinion(intake.rows[i].values, form.files_for(f"r{i}_files")) for i in sent),
                     participants=_participants(intake.participants))
    if form.get("late_ok") != "1":
        late = ctx.c.meetings.late_entry(new)
        if late is not None:
            text = t("intake_late", held_on=late.held_on.strftime("%d/%m/%Y"), due=local_dt(late.due_at),
                     n=len(sent), days=late.working_days_late)
            files = any(form.files_for(f"r{i}_files") for i in sent)
            return _page(ctx, intake, status=409, late=text, notice=t("intake_files_again") if files else None)
    try:
        recorded = ctx.c.meetings.record(ctx.user.actor, new, key=intake.nonce)
    except InvalidIntake as err:
        summary = _mark(ctx, intake, sent, err)
        return _page(ctx, intake, status=400, alert=t("intake_errors", n=len(err.problems)), summary=summary)
    except IdempotencyKeyReused as err:
        return _page(ctx, intake, status=409, alert=t.error(err))
    except DomainError as err:
        return _page(ctx, intake, status=400, alert=t.error(err))
    meeting = recorded.meeting
    if recorded.replayed:
        return redirect(ctx, f"/meetings/{meeting.id}?replayed=1")
    return redirect(ctx, f"/meetings/{meeting.id}?saved={len(meeting.cases)}")


# -- meetings --------------------------------------------------------------------

def _scope_units(actor: Any) -> Any:
    roots = actor.scope_paths()
    return select(Unit.id).where(or_(*[path_under(Unit.path, r) for r in roots])) if roots else None


@router.get("/meetings")
def meeting_list(ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    under = _scope_units(ctx.user.actor)
    rows: list[tuple[Any, ...]] = []
    if under is not None:
        with ctx.c.sessions() as session:
            counts = (select(Case.meeting_id, func.count().label("n")).where(Case.meeting_id.is_not(None))
                      .group_by(Case.meeting_id).subquery())
            rows = [tuple(r) for r in session.execute(
                select(Meeting.id, Meeting.held_on, Meeting.place, Meeting.attendees, Unit.name,
                       func.coalesce(counts.c.n, 0))
                .join(Unit, Unit.id == Meeting.unit_id).outerjoin(counts, counts.c.meeting_id == Meeting.id)
                .where(Meeting.unit_id.in_(under)).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(100))]
    return render(ctx, "meetings.html", meetings=rows)


@router.get("/meetings/{meeting_id}")
def meeting_page(meeting_id: str, saved: str = "", replayed: str = "",
                 ctx: Ctx = Depends(signed_in)) -> Response:
    assert ctx.user is not None
    actor = ctx.user.actor
    if not meeting_id.isdigit() or len(meeting_id) > 12:
        raise PageNotFound()
    now = ctx.c.clock.now()
    with ctx.c.sessions() as session:
        meeting = session.get(Meeting, int(meeting_id))
        if meeting is None or not actor.covers(meeting.unit.path):
            raise PageNotFound()
        cal = load_calendar(session, ctx.c.settings.office_close)
        cases = list(session.scalars(select(Case).where(Case.meeting_id == meeting.id, scope_clause(actor))
                                     .order_by(Case.id)))
        rows = [to_row(case_row(x), ctx.c.workflows, ctx.t, cal, now) for x in cases]
        duplicates = intake_notices(session, actor, ctx.t, cases) if saved.isdigit() else []
        info = {"id": meeting.id, "held_on": meeting.held_on, "place": meeting.place, "hosts": meeting.hosts,
                "attendees": meeting.attendees, "unit": meeting.unit.name,
                "programme": (ctx.c.workflows[meeting.programme].name.get(ctx.lang)
                              if meeting.programme in ctx.c.workflows else meeting.programme)}
    # Visible to this reader (checked above); read through the service like the API.
    info["participants"] = ctx.c.meetings.get(actor, int(meeting_id)).participants
    notices = []
    if saved.isdigit():
        notices.append(ctx.t("intake_saved", n=int(saved)))
    if replayed:
        notices.append(ctx.t("intake_replayed"))
    return render(ctx, "meeting.html", meeting=info, rows=rows, notices=notices, duplicates=duplicates)


__all__ = ["router"]
