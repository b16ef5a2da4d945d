"""The shape of a workflow definition, as pydantic models.

Programmes ("Nghe dân nói – Làm dân tin", "Mỗi tuần một điểm đến", …) differ in
their states, deadlines and who may do what, never in code: everything a programme
may vary is a field here, and everything else (what ``answer`` or ``target_unit``
means, what a role may see) is fixed by the engine. That is why roles and fields are
closed vocabularies rather than free strings.

These models check the *shape* of one definition (types, slugs, vocabularies, how a
deadline is expressed). Checks that need the whole graph (unknown states, reachability,
dead ends, duplicate triggers) live in :mod:`engine.workflow.loader`, which also knows
file names and line numbers to report them with.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from ..catalogue import pick

__all__ = [
    "ROLES",
    "FIELDS",
    "Role",
    "FieldName",
    "Label",
    "DeadlineSpec",
    "StateRules",
    "Audience",
    "Offset",
    "RemindRule",
    "OverdueRule",
    "AutoEscalateRule",
    "InformRule",
    "ExtensionRule",
    "StateRules",
    "StateSpec",
    "TransitionSpec",
    "WorkflowSpec",
    "MAX_DAYS",
    "MAX_HOURS",
    "KIND_CODES",
]

# ``citizen``: the person who raised the opinion, with the PIN of its receipt (no account).
# member: a Tổ dân vận member's limited grant on a village (engine.authz): records
# what the team hears and fires only the transitions that name the role.
Role = Literal["official", "leader", "auditor", "admin", "member", "citizen"]
# The case kinds (kept equal to engine.vocab.KINDS by a test): a transition may apply
# to some kinds only, because the law gives each kind its own route and limits
# (a complaint is accepted under the Complaints Law, a denunciation under the
# Denunciation Law).
Kind = Literal["kien_nghi", "phan_anh", "khieu_nai", "to_cao"]
# Each field has one meaning engine-wide (answer text, a unit id, a datetime, …), so
# the case service can validate and store it without knowing the programme.
FieldName = Literal[
    "answer", "target_unit", "reason", "appointment", "satisfaction", "duplicate_of", "note",
]
ROLES: tuple[str, ...] = get_args(Role)
FIELDS: tuple[str, ...] = get_args(FieldName)
KIND_CODES: tuple[str, ...] = get_args(Kind)

# A limit longer than a year is almost certainly a typo (a missing unit, an extra 0);
# the law's longest ordinary limits are 45 working days.
MAX_DAYS = 366
MAX_HOURS = MAX_DAYS * 24

StateName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
TriggerName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
WorkflowKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
# strict: YAML would otherwise let ``working_days: true`` or ``10.0`` slip through as 1 / 10.
Days = Annotated[int, Field(strict=True, gt=0, le=MAX_DAYS)]
Hours = Annotated[int, Field(strict=True, gt=0, le=MAX_HOURS)]
StrictBool = Annotated[bool, Field(strict=True)]


class _Frozen(BaseModel):
    # frozen: one parsed definition is shared by every request thread.
    # extra="forbid": a misspelt key ("deadlines:") must be an error, not silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Frozen):
    """A text shown to people, in Vietnamese (the UI language) and English."""

    vi: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
    en: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

    def get(self, lang: str = "vi") -> str:
        return pick(self, lang)  # the catalogue's fallback, as every label


class DeadlineSpec(_Frozen):
    """How long a case may stay in a state.

    Without ``appointment`` exactly one unit is given. With ``appointment: true`` the
    official promises the citizen a date when entering the state (the ``appointment``
    field); ``max_working_days`` caps that promise, and the optional unit is the
    fallback used when no appointment is given.
    """

    working_days: Days | None = None
    calendar_days: Days | None = None
    hours: Hours | None = None
    appointment: StrictBool = False
    max_working_days: Days | None = None
    basis: Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)] | None = None
    # When the last day of a limit counted in days ends: ``midnight`` is 24:00 (the
    # Civil Code, Art. 148, for calendar days), ``office_close`` the closing hour.
    day_ends: Literal["office_close", "midnight"] | None = None

    @property
    def day_end(self) -> str:
        """``day_ends``, or the law's default for the kind of limit."""
        if self.day_ends is not None:
            return self.day_ends
        return "midnight" if self.calendar_days is not None else "office_close"

    @model_validator(mode="after")
    def _one_way_to_count(self) -> DeadlineSpec:
        given = [n for n in ("working_days", "calendar_days", "hours") if getattr(self, n) is not None]
        if self.day_ends is not None and given == ["hours"]:
            raise PydanticCustomError(
                "deadline_shape", "day_ends only applies to a limit counted in days, not in hours",
            )
        if self.appointment:
            if self.max_working_days is None:
                raise PydanticCustomError(
                    "deadline_shape",
                    "a deadline with appointment: true needs max_working_days "
                    "(the longest time an official may promise)",
                )
            if len(given) > 1:
                raise PydanticCustomError(
                    "deadline_shape",
                    "give at most one fallback of working_days / calendar_days / hours, not {given}",
                    {"given": ", ".join(given)},
                )
        else:
            if self.max_working_days is not None:
                raise PydanticCustomError(
                    "deadline_shape", "max_working_days only makes sense with appointment: true",
                )
            if len(given) != 1:
                raise PydanticCustomError(
                    "deadline_shape",
                    "give exactly one of working_days / calendar_days / hours{got}",
                    {"got": f" (got {', '.join(given)})" if given else ""},
                )
        return self


# ---------------------------------------------------------------- deadline rules
#
# Who is told is always written as {role: [unit, ...]}: the role among the grants that
# cover the unit (a leader of the commune leads its villages), resolved when the rule
# fires, so a leader appointed yesterday gets today's alert. ``front`` is the Fatherland
# Front committee of that level: auditors covering the unit and the people of the
# front-level units attached to it. Units are relative to the case: ``handling`` (the
# unit that holds it), ``origin`` (where the opinion was raised) and ``parent`` (the
# handling unit's parent).

UnitRelation = Literal["handling", "origin", "parent"]
# ``leader: handling`` is accepted for ``leader: [handling]``, as ``from:`` accepts one state.
Relations = Annotated[tuple[UnitRelation, ...], BeforeValidator(lambda v: (v,) if isinstance(v, str) else v)]
# "parent" or a unit level (kept equal to engine.vocab.UNIT_LEVELS by a test; a
# Literal gives a precise error message listing the choices).
EscalationTarget = Literal["parent", "province", "district", "commune", "village", "department", "police", "front"]
MAX_EXTENSIONS = 5


class Audience(_Frozen):
    official: Relations = ()
    leader: Relations = ()
    auditor: Relations = ()
    front: Relations = ()

    @model_validator(mode="after")
    def _someone(self) -> Audience:
        if not self.pairs():
            raise PydanticCustomError(
                "audience_empty", "name at least one role and unit, e.g. {leader: [handling]}")
        return self

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """(role, unit relation) pairs in a stable order, without repeats."""
        out: list[tuple[str, str]] = []
        for role in ("official", "leader", "auditor", "front"):
            for relation in getattr(self, role):
                if (role, relation) not in out:
                    out.append((role, relation))
        return tuple(out)


class Offset(_Frozen):
    """A distance from the deadline: whole working days (same hour of the day) or hours."""

    working_days: Days | None = None
    hours: Hours | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Offset:
        if (self.working_days is None) == (self.hours is None):
            raise PydanticCustomError("offset_shape", "give exactly one of working_days / hours")
        return self


class RemindRule(_Frozen):
    """Remind before the deadline (nothing is sent once the case is already late)."""

    before: Offset
    notify: Audience


class OverdueRule(_Frozen):
    """Alert once, the moment the deadline has passed."""

    notify: Audience


class AutoEscalateRule(_Frozen):
    """After being overdue this long the system moves the case up the unit tree: to
    the handling unit's ``parent``, or to its nearest ancestor of a level (``to:
    commune``); ``state`` is where the case goes (default: it stays in this state).

    The system moves a case only the way a person could: exactly one declared
    transition must lead from the rule's state to ``state``, and that is the one
    fired (the loader checks it)."""

    after: Offset
    to: EscalationTarget = "parent"
    state: StateName | None = None
    notify: Audience

    def target(self, on_state: str) -> str:
        """Where a case escalated from ``on_state`` (the state holding the rule) goes."""
        return self.state or on_state


class InformRule(_Frozen):
    """People told, without being asked to act, when the stage goes overdue or escalates."""

    # Not "on": YAML 1.1 reads a bare on as the boolean true.
    when: tuple[Literal["overdue", "escalated"], ...] = Field(min_length=1)
    notify: Audience


class ExtensionRule(_Frozen):
    """Gia hạn: a leader of the handling unit may extend the stage's deadline, with a
    reason, at most ``times`` times and ``max_working_days`` working days in total."""

    times: Annotated[int, Field(strict=True, gt=0, le=MAX_EXTENSIONS)] = 1
    max_working_days: Days


class StateRules(_Frozen):
    remind: RemindRule | None = None
    overdue: OverdueRule | None = None
    auto_escalate: AutoEscalateRule | None = None
    inform: InformRule | None = None
    extension: ExtensionRule | None = None

    def timed(self) -> dict[str, RemindRule | OverdueRule | AutoEscalateRule]:
        """The rules that become timers, by rule name."""
        found = {"remind": self.remind, "overdue": self.overdue, "auto_escalate": self.auto_escalate}
        return {name: rule for name, rule in found.items() if rule is not None}


class StateSpec(_Frozen):
    label: Label
    final: StrictBool = False
    deadline: DeadlineSpec | None = None
    # paused: the stage the case came from stops counting while it is here (waiting
    # for the citizen's papers); on return the time spent here is added to its deadline.
    clock: Literal["running", "paused"] = "running"
    # What the deadline does by itself: reminders, overdue alerts, auto-escalation,
    # who is informed, and how far it may be extended (the rule models above).
    rules: StateRules | None = None


class TransitionSpec(_Frozen):
    # The attributes are source/dest ("from" is a keyword); YAML writes from:/to:, and
    # only that spelling is accepted (no populate_by_name), so there is one way to
    # write a file. Build one in code with model_validate({"from": ..., "to": ...}).

    trigger: TriggerName
    label: Label
    source: tuple[StateName, ...] = Field(alias="from", min_length=1)
    dest: StateName = Field(alias="to")
    # Required but may be empty as far as the shape goes; the loader reports an empty
    # list with a clearer message than pydantic's length error.
    roles: tuple[Role, ...]
    # case: the actor's grant covers the origin OR the handling unit;
    # handling: it must cover the handling unit (only the unit that holds the case answers).
    scope: Literal["case", "handling"] = "case"
    requires: tuple[FieldName, ...] = ()
    optional: tuple[FieldName, ...] = ()
    # restart (default): entering ``to`` begins a new deadline stage. keep: the case
    # stays where it is and its stage, deadline and timers are untouched (a citizen's
    # rating must not give the unit a fresh deadline); only for ``to`` in ``from``.
    deadline: Literal["restart", "keep"] = "restart"
    # Only cases of these kinds may take it (empty: every kind). The case service
    # refuses it for another kind and does not offer it.
    kinds: tuple[Kind, ...] = ()
    # Only once a person of the handling unit is assigned (engine.assignment): the
    # case service refuses it before, saying so; the sweep may not fire it.
    requires_assignee: StrictBool = False

    def applies_to(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class WorkflowSpec(_Frozen):
    key: WorkflowKey
    name: Label
    description: Label | None = None
    initial: StateName
    states: dict[StateName, StateSpec]
    transitions: tuple[TransitionSpec, ...]

    @property
    def final_states(self) -> tuple[str, ...]:
        """Final states in definition order."""
        return tuple(name for name, state in self.states.items() if state.final)

    @property
    def open_states(self) -> tuple[str, ...]:
        """Non-final states in definition order (what ``"*open"`` expands to)."""
        return tuple(name for name, state in self.states.items() if not state.final)
