"""The case service: the only code that changes cases, and the only code that commits.

Order of checks in ``fire`` is part of the contract: first whether the actor may
see the case at all (so codes cannot be probed), then the version, then whether
the workflow allows the trigger from this state, then the role, then the data.

Deadlines (engine.deadline_rules) ride along in the same transaction: every
transition ends, suspends or resumes the case's deadline stage and its timers, and
``extend`` grants an extension. The only other writer of cases is the deadline
sweep, which escalates overdue cases as the system, through a unit of work too.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Callable, Mapping, Sequence, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload, sessionmaker

from ..actors import CITIZEN_ROLE, Actor
from ..authz import CREATE, CREATE_ROLES, READ, REMARK, REMARK_KINDS, decide
from ..calendar import LOCAL_TZ, WorkingCalendar
from ..citizen_digest import DIGEST_KEY, citizen_digest, new_salt
from ..audit import GENESIS
from ..clock import Clock
from ..codes import code_prefix, new_code, normalise_code
from ..deadline_rules import extensions, stages
from ..deadlines import compute_due
from ..errors import DomainError, InvalidField, InvalidTransition, NotFound, StaleVersion
from ..files import FILES_KEY, Checked, FileBox, Upload, record_files
from ..assignment import AssigneeRequired
from ..escalation_direction import escalation_direction
from ..history import append_event
from ..succession import in_force
from ..holiday_source import PACKAGE_HOLIDAYS, HolidaySource
from ..models import Case, CaseEvent, Meeting, Unit
from ..models.reports import FINALITY_KEY
from ..search_index import folded_content, index_cases
from ..uow import UnitOfWork
from ..vocab import CHANNELS, KINDS, TOPICS
from ..workflow import TransitionSpec, Workflow
from ..workflow.finality import is_final
from . import assignments
from .calendars import load_calendar
from .case_writes import Batch, assign_ids
from .committing import commit_case
from .fields import clean_phone, clean_text, optional_text, parse_instant
from .transition_input import TransitionInput, read_transition_input
from .new_case import CLOCK_SKEW, NewCase, choice
from .views import ActionOption, CaseSnapshot, EventView, event_view, snapshot

__all__ = ["NewCase", "CaseService", "CREATE_ROLES", "CLOCK_SKEW"]

T = TypeVar("T")

class CaseService:
    def __init__(self, session_factory: sessionmaker[Session], workflows: Mapping[str, Workflow], clock: Clock,
                 *, office_close: time = time(17, 0), holidays: HolidaySource = PACKAGE_HOLIDAYS,
                 files: FileBox | None = None) -> None:
        self.session_factory = session_factory
        # The built-in holidays: the package, or another release's table in a test.
        self.holidays = holidays
        self.workflows = dict(workflows)
        self.clock = clock
        self.office_close = office_close
        self.files = files

    def _files(self, session: Session, case: Case | None, uploads: Sequence[Upload]) -> list[Checked]:
        if not uploads:
            return []
        if self.files is None:
            raise InvalidField(field="files", problem_vi="máy chủ này không nhận tệp", problem_en="this server takes no files")
        return self.files.prepare(session, case, uploads)

    @staticmethod
    def _with_files(data: dict[str, Any], checked: list[Checked]) -> dict[str, Any]:
        # The chain records each file's hash, size and type: the bytes are bound to the history.
        return {**data, FILES_KEY: [c.chain_entry() for c in checked]} if checked else data

    # -- plumbing -----------------------------------------------------------------

    def uow(self, *, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.session_factory, write=write, info={FINALITY_KEY: self._is_final})

    def _is_final(self, workflow: str, state: str) -> bool:
        # The report facts' hook asks this through the session (engine.models.reports).
        return is_final(self.workflows, workflow, state)

    def calendar(self, session: Session) -> WorkingCalendar:
        return load_calendar(session, self.office_close, self.holidays)

    def workflow(self, key: str) -> Workflow:
        try:
            return self.workflows[key]
        except KeyError:
            raise InvalidField(field="workflow", problem_vi=f"không có quy trình “{key}”",
                               problem_en=f"no workflow “{key}” (have {', '.join(self.workflows)})") from None

    def load(self, session: Session, actor: Actor, code: str, *, for_update: bool = False) -> Case:
        """The case ``code`` (typed any way) in ``session``, if ``actor`` may read it;
        else ``NotFound`` or the refusal. Every engine module that works on one case
        inside the service's transaction starts here, so none asks the rule itself."""
        normal = normalise_code(code) if isinstance(code, str) else None
        stmt = select(Case).where(Case.code == normal)
        if for_update and session.bind is not None and session.bind.dialect.name == "postgresql":
            # Units load in separate queries: after waiting for the lock PostgreSQL
            # re-evaluates the locked row, and an outer-joined unit of a case that
            # was just moved would come back as NULLs.
            stmt = stmt.with_for_update(of=Case).options(lazyload(Case.origin_unit),
                                                         selectinload(Case.handling_unit).joinedload(Unit.parent))
        elif for_update:
            # A step that ends a stage records the handling unit's level (its parent
            # for a village): read with the case rather than lazily afterwards.
            stmt = stmt.options(joinedload(Case.handling_unit).joinedload(Unit.parent))
        case = session.scalar(stmt) if normal else None
        if case is None:
            raise NotFound(what="ý kiến / case", key=str(code)[:40])
        refusal = decide(actor, READ, origin_path=case.origin_unit.path, handling_path=case.handling_unit.path,
                         case_code=case.code)
        if refusal is not None:
            raise refusal
        return case

    def _unit(self, session: Session, field: str, code: Any, on: datetime) -> Unit:
        unit = session.scalar(select(Unit).where(Unit.code == code)) if isinstance(code, str) else None
        if unit is None:
            raise InvalidField(field=field, problem_vi=f"không có đơn vị “{str(code)[:40]}”",
                               problem_en=f"no unit “{str(code)[:40]}”")
        day = self.calendar_day(on)
        # In force with every unit above it: a village under a commune that ended
        # takes no new case and no case handed to it (engine.succession).
        if not in_force(session, unit, day):
            raise InvalidField(field=field, problem_vi=f"đơn vị “{unit.code}” không còn hiệu lực vào {day:%d/%m/%Y}",
                               problem_en=f"unit “{unit.code}” is not in force on {day:%d/%m/%Y}")
        return unit

    @staticmethod
    def calendar_day(instant: datetime) -> date:
        return instant.astimezone(LOCAL_TZ).date()

    # -- reading ------------------------------------------------------------------

    def get(self, actor: Actor, code: str) -> CaseSnapshot:
        with self.uow(write=False) as uow:
            return snapshot(self.load(uow.session, actor, code), actor)

    def history(self, actor: Actor, code: str) -> list[EventView]:
        with self.uow(write=False) as uow:
            case = self.load(uow.session, actor, code)
            rows = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
            return [event_view(e) for e in rows]

    def allowed_actions(self, actor: Actor, code: str) -> list[ActionOption]:
        with self.uow(write=False) as uow:
            case = self.load(uow.session, actor, code)
            return self._options(actor, case)

    def _options(self, actor: Actor, case: Case) -> list[ActionOption]:
        wf = self.workflow(case.workflow_key)
        return [
            ActionOption(trigger=t.trigger, label_vi=t.label.vi, label_en=t.label.en, dest=t.dest,
                         requires=tuple(t.requires), optional=tuple(t.optional), refusal=self._role_refusal(actor, case, t))
            for t in wf.transitions_from(case.state) if t.applies_to(case.kind)
            # The citizen's own steps (the tracking page) are no button for the staff.
            if actor.is_citizen or set(t.roles) - {CITIZEN_ROLE}
        ]

    @staticmethod
    def _role_refusal(actor: Actor, case: Case, t: TransitionSpec) -> DomainError | None:
        refusal = decide(actor, t.trigger, origin_path=case.origin_unit.path, handling_path=case.handling_unit.path,
                         transition=t, case_code=case.code)
        if refusal is None and t.requires_assignee and case.assignee_id is None:
            return AssigneeRequired(case=case.code, label_vi=t.label.vi, label_en=t.label.en)
        return refusal

    # -- writing ------------------------------------------------------------------

    def create(self, actor: Actor, new: NewCase) -> CaseSnapshot:
        return self.create_many(actor, [new])[0]

    def create_many(self, actor: Actor, items: list[NewCase]) -> list[CaseSnapshot]:
        """All of a meeting's opinions in one transaction: all recorded, or none."""
        with self.uow() as uow:
            result = self.create_within(uow, actor, items)
            uow.commit()
        return result

    def create_within(self, uow: UnitOfWork, actor: Actor, items: list[NewCase]) -> list[CaseSnapshot]:
        """Record opinions inside a unit of work the caller owns and commits, so that
        they land together with other rows (the meeting they were heard at, a form's
        one-time nonce) or not at all."""
        calendar = self.calendar(uow.session)
        batch = Batch(len(items))
        # No flush between opinions: the batch's rows go out together in one flush
        # (multi-row INSERTs) instead of one round of statements per opinion.
        with uow.session.no_autoflush:
            cases = [self._create(uow, calendar, actor, item, batch) for item in items]
            assign_ids(uow.session)
        uow.session.flush()
        index_cases(uow.session, cases)
        return [snapshot(c, actor) for c in cases]

    def _create(self, uow: UnitOfWork, calendar: WorkingCalendar, actor: Actor, new: NewCase, batch: Batch) -> Case:
        session, now = uow.session, self.clock.now()
        wf = self.workflow(new.workflow)
        received_at = now if new.received_at is None else parse_instant("received_at", new.received_at)
        if received_at > now + CLOCK_SKEW:
            raise InvalidField(field="received_at", problem_vi="không được ở tương lai", problem_en="is in the future")
        origin = batch.unit(self._unit, session, "unit", new.unit, received_at)
        handling = origin if new.handling_unit in (None, "") else batch.unit(self._unit, session, "handling_unit",
                                                                              new.handling_unit, received_at)
        refusal = decide(actor, CREATE, origin_path=origin.path, handling_path=handling.path, case_code=origin.code)
        if refusal is not None:
            raise refusal
        meeting_id = None
        if new.meeting_id is not None:
            meeting = session.get(Meeting, new.meeting_id) if isinstance(new.meeting_id, int) else None
            if meeting is None or not (actor.is_system or actor.covers(meeting.unit.path)):
                raise InvalidField(field="meeting_id", problem_vi="không có buổi tiếp xúc này", problem_en="no such meeting")
            meeting_id = meeting.id
        state = wf.initial
        content = clean_text("content", new.content)
        case = Case(
            code=self._fresh_code(session, origin, received_at, batch), workflow_key=wf.key, state=state,
            kind=choice("kind", new.kind, KINDS), topic=choice("topic", new.topic, TOPICS),
            channel=choice("channel", new.channel, CHANNELS), content=content, content_folded=folded_content(content),
            citizen_name=optional_text("citizen_name", new.citizen_name), citizen_phone=clean_phone(new.citizen_phone),
            citizen_address=optional_text("citizen_address", new.citizen_address), identity_salt=new_salt(),
            origin_unit=origin, handling_unit=handling, meeting_id=meeting_id, received_at=received_at,
            stage_started_at=received_at, due_at=compute_due(calendar, received_at, wf.state(state).deadline),
            created_at=now, updated_at=now, event_count=0, head_hash=GENESIS, version=1,
        )
        checked = self._files(session, None, new.files)
        session.add(case)
        event = append_event(session, case, at=now, actor=actor, trigger="receive", from_state=None, to_state=state,
                             data=self._with_files(self._creation_data(case), checked))
        record_files(session, case, event, checked, actor, now)
        # The first stage begins with the case: its timers count from when it was received.
        case.stage_seq = event.seq
        stages.schedule(session, wf, case, calendar, now, stage_start=received_at, fresh=True)
        return case

    @staticmethod
    def _creation_data(case: Case) -> dict[str, Any]:
        # The content is chained so an edited opinion is detectable; the citizen's
        # identity only as a digest keyed by the case's salt (engine.citizen_digest),
        # so an exported history leaks no personal data and cannot be brute-forced.
        return {
            "workflow": case.workflow_key, "kind": case.kind, "topic": case.topic, "channel": case.channel,
            "content": case.content, "origin_unit": case.origin_unit.code, "handling_unit": case.handling_unit.code,
            "received_at": case.received_at.isoformat(), "due_at": case.due_at.isoformat() if case.due_at else None,
            "meeting_id": case.meeting_id,
            DIGEST_KEY: citizen_digest(case.identity_salt or "", case.citizen_name, case.citizen_phone,
                                       case.citizen_address),
        }

    def _fresh_code(self, session: Session, origin: Unit, received_at: datetime, batch: Batch) -> str:
        root_id = int(origin.path.strip("/").split("/")[0])
        if root_id not in batch.prefixes:
            root = session.get(Unit, root_id)
            batch.prefixes[root_id] = code_prefix(root.code if root else origin.code)
        return batch.code(session, batch.prefixes[root_id], self.calendar_day(received_at).year, new_code)

    def fire(self, actor: Actor, code: str, trigger: str, data: Mapping[str, Any] | None = None,
             *, expected_version: int | None = None, uploads: Sequence[Upload] = ()) -> CaseSnapshot:
        with self.uow() as uow:
            case = self.fire_within(uow, actor, code, trigger, data, expected_version=expected_version,
                                    uploads=uploads)
            result = commit_case(uow, case, actor)
        return result

    def fire_within(self, uow: UnitOfWork, actor: Actor, code: str, trigger: str,
                    data: Mapping[str, Any] | None = None, *, expected_version: int | None = None,
                    uploads: Sequence[Upload] = ()) -> Case:
        """``fire`` inside a unit of work the caller owns and commits, so that the step
        lands with other rows (a meeting's on-site answers with the meeting) or not at
        all. Refusals come before any change, in the order of the module's contract."""
        session, now = uow.session, self.clock.now()
        case = self.load(session, actor, code, for_update=True)
        if expected_version is not None and expected_version != case.version:
            raise StaleVersion(case=case.code, expected=expected_version, actual=case.version)
        wf = self.workflow(case.workflow_key)
        t = wf.transition(trigger, case.state)
        if not t.applies_to(case.kind):
            raise InvalidTransition(trigger=trigger, state=case.state,
                                    allowed=[x.trigger for x in wf.transitions_from(case.state) if x.applies_to(case.kind)])
        refusal = self._role_refusal(actor, case, t)
        if refusal is not None:
            raise refusal
        given = read_transition_input(session, actor, case, t, data or {}, self._unit, now)
        if t.deadline == "keep":
            return self._keep_stage(session, wf, case, actor, t, given, now)
        checked = self._files(session, case, uploads)
        calendar = self.calendar(session)
        dest_state = wf.state(t.dest)
        due = None if dest_state.final else compute_due(calendar, now, dest_state.deadline, given.appointment)
        # Ends, suspends or resumes the deadline stage (a resumed one keeps its own deadline).
        plan = stages.plan_transition(session, wf, case, t.dest, now, calendar, due)
        due = plan.due
        moved = ({"escalation": escalation_direction(case.handling_unit, given.target_unit)}
                 if given.target_unit is not None else {})
        if given.target_unit is not None and given.target_unit.id != case.handling_unit_id:
            moved.update(assignments.clear_assignee(case))
        source, dest = wf.fire(case, t.trigger)
        self._apply(case, given, now, due)
        event = append_event(session, case, at=now, actor=actor, trigger=t.trigger, from_state=source,
                             to_state=dest, note=given.note,
                             data=self._with_files({**given.event_data(due), **moved, **plan.event_data(calendar, now)},
                                                   checked))
        record_files(session, case, event, checked, actor, now)
        stages.apply_plan(session, wf, case, plan, event, calendar, now)
        return case

    @staticmethod
    def _keep_stage(session: Session, wf: Workflow, case: Case, actor: Actor, t: TransitionSpec,
                    given: TransitionInput, now: datetime) -> Case:
        # A step that leaves the case in its state and its deadline stage (a citizen's
        # rating): recorded in the chain, nothing else moves.
        source, dest = wf.fire(case, t.trigger)
        case.updated_at = now
        append_event(session, case, at=now, actor=actor, trigger=t.trigger, from_state=source, to_state=dest,
                     note=given.note, data=given.event_data(case.due_at))
        return case

    def within(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in one unit of work and commit once: a write spanning rows (a
        meeting with its opinions and their first steps, an Open311 request with its
        details) lands whole or not at all. ``work`` writes through ``create_within``
        and ``fire_within`` and adds its own rows to ``uow.session``; it never commits."""
        with self.uow() as uow:
            result = work(uow)
            uow.session.flush()
            uow.commit()
        return result

    @staticmethod
    def _apply(case: Case, given: TransitionInput, now: datetime, due: datetime | None) -> None:
        if given.target_unit is not None:
            case.handling_unit = given.target_unit
        if given.answer is not None:
            case.answer = given.answer
        if given.satisfaction is not None:
            case.satisfaction = given.satisfaction
        if given.duplicate_of is not None:
            case.duplicate_of_id = given.duplicate_of.id
        if given.appointment is not None:
            case.appointment_at = given.appointment
        case.stage_started_at = now
        case.due_at = due
        case.updated_at = now

    def extend(self, actor: Actor, code: str, working_days: Any, reason: Any,
               *, expected_version: int | None = None) -> CaseSnapshot:
        """Gia hạn: a leader of the handling unit moves the current stage's deadline by
        ``working_days``, with a reason, within the workflow's limit (engine.deadline_rules)."""
        with self.uow() as uow:
            case = self.extend_within(uow, actor, code, working_days, reason, expected_version=expected_version)
            return commit_case(uow, case, actor)

    def extend_within(self, uow: UnitOfWork, actor: Actor, code: str, working_days: Any, reason: Any,
                      *, expected_version: int | None = None) -> Case:
        return extensions.extend_within(self, uow, actor, code, working_days, reason,
                                        expected_version=expected_version)

    def assign(self, actor: Actor, code: str, action: Any, username: Any = None,
               *, expected_version: int | None = None) -> CaseSnapshot:
        """Giao xử lý: assign the case to a person of its handling unit, take it, or
        release it (engine.assignment decides who may)."""
        with self.uow() as uow:
            case = self.assign_within(uow, actor, code, action, username, expected_version=expected_version)
            return commit_case(uow, case, actor)

    def assign_within(self, uow: UnitOfWork, actor: Actor, code: str, action: Any, username: Any = None,
                      *, expected_version: int | None = None) -> Case:
        return assignments.assign_within(self, uow, actor, code, action, username,
                                         expected_version=expected_version)

    def remark(self, actor: Actor, code: str, note: str, *, kind: str = "remark",
               expected_version: int | None = None, uploads: Sequence[Upload] = ()) -> CaseSnapshot:
        """A supervision remark (nhận xét), urge (đôn đốc) or confirmation (xác nhận):
        in the history, changing no state. Anyone who can see the case may remark."""
        with self.uow() as uow:
            case = self.remark_within(uow, actor, code, note, kind=kind, expected_version=expected_version,
                                      uploads=uploads)
            result = commit_case(uow, case, actor)
        return result

    def remark_within(self, uow: UnitOfWork, actor: Actor, code: str, note: str, *, kind: str = "remark",
                      expected_version: int | None = None, uploads: Sequence[Upload] = ()) -> Case:
        """``remark`` inside a unit of work the caller owns and commits (with the
        request's idempotency key, say)."""
        if kind not in REMARK_KINDS:
            raise InvalidField(field="kind", problem_vi="phải là nhận xét, đôn đốc hoặc xác nhận",
                               problem_en="must be a remark, an urge or a confirmation")
        now = self.clock.now()
        case = self.load(uow.session, actor, code, for_update=True)
        refusal = decide(actor, REMARK, origin_path=case.origin_unit.path, handling_path=case.handling_unit.path,
                         case_code=case.code, kind=kind)
        if refusal is not None:  # a citizen writes no remark; only the Front urges or confirms
            raise refusal
        if expected_version is not None and expected_version != case.version:
            raise StaleVersion(case=case.code, expected=expected_version, actual=case.version)
        text = clean_text("note", note)
        checked = self._files(uow.session, case, uploads)
        event = append_event(uow.session, case, at=now, actor=actor, trigger=kind, from_state=case.state,
                             to_state=case.state, note=text, data=self._with_files({}, checked))
        record_files(uow.session, case, event, checked, actor, now)
        case.updated_at = now
        return case

    def options_within(self, uow: UnitOfWork, actor: Actor, code: str) -> list[ActionOption]:
        """``allowed_actions`` as the unit of work sees it (a case it just wrote)."""
        return self._options(actor, self.load(uow.session, actor, code))
