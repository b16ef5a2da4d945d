"""The runtime side of one workflow: which triggers a case may receive, and firing them.

A ``Workflow`` wraps exactly one ``transitions.Machine``, built once from the validated
spec and shared by every thread of the web server and the worker. Cases are never
registered with that machine:

* ``Machine.add_model`` keeps a strong reference to every model (a leak for a server
  that loads thousands of cases), costs time proportional to the models already
  registered, and resets the model's state to ``initial`` — wrong for a case loaded
  from the database in the middle of its life.
* A registered model is state shared between threads.

Instead an event is fired directly on an unregistered object:
``machine.events[trigger].trigger(model)``. In transitions 0.9.3 ``Event.trigger``
only reads ``model.state``, builds a per-call ``EventData`` and assigns ``model.state``;
nothing about the model stays in the machine. Every change of a case's state goes
through :meth:`Workflow.fire`: a person's transition (the case service) and the
deadline sweep's auto-escalation, which fires the declared transition its rule names
(:meth:`Workflow.escalation`). The machine is never mutated after
``__init__`` (no conditions, no callbacks, not queued), so concurrent ``fire`` calls on
*different* models are safe. Two threads firing on the *same* case must be serialised
by the caller (the case service does it with the case's version column).
"""

from __future__ import annotations

from typing import Any, Protocol

from transitions import Machine, Transition

from engine.errors import InvalidTransition

from .spec import Label, StateSpec, TransitionSpec, WorkflowSpec

__all__ = ["Workflow", "StatefulModel", "RESERVED_TRIGGERS"]

# transitions refuses a trigger named like the attribute holding the state; "assign"
# is the history's name for a change of assignee (engine.assignment).
RESERVED_TRIGGERS: frozenset[str] = frozenset({"state", "assign"})


class StatefulModel(Protocol):
    """Anything with a ``state`` attribute holding a state name (a Case row, a test object)."""

    state: str


class _SpecTransition(Transition):
    """A machine transition that remembers the declaration it was built from, so that
    questions about a state are answered from the machine's own tables."""

    def __init__(
        self,
        source: str,
        dest: str,
        conditions: Any = None,
        unless: Any = None,
        before: Any = None,
        after: Any = None,
        prepare: Any = None,
        *,
        spec: TransitionSpec,
        order: int,
    ) -> None:
        super().__init__(source, dest, conditions, unless, before, after, prepare)
        self.spec = spec
        self.order = order  # position in the YAML, for stable listings


class _SpecMachine(Machine):
    transition_cls = _SpecTransition


class Workflow:
    """One programme's workflow: a validated spec plus its state machine.

    Build it with :func:`engine.workflow.load_workflow` / ``parse_workflow``: the
    constructor trusts that the spec passed the loader's checks.
    """

    def __init__(self, spec: WorkflowSpec) -> None:
        self._spec = spec
        self._machine = _SpecMachine(
            model=None,
            states=[{"name": name, "final": state.final} for name, state in spec.states.items()],
            transitions=[
                {"trigger": t.trigger, "source": list(t.source), "dest": t.dest, "spec": t, "order": i}
                for i, t in enumerate(spec.transitions)
            ],
            initial=spec.initial,
            auto_transitions=False,  # no to_<state>(): only declared transitions exist
            send_event=True,
            ignore_invalid_triggers=False,
            name=spec.key,
        )

    def __repr__(self) -> str:
        return f"<Workflow {self.key!r}: {len(self._spec.states)} states, {len(self._spec.transitions)} transitions>"

    # ---------------------------------------------------------------- description

    @property
    def key(self) -> str:
        return self._spec.key

    @property
    def spec(self) -> WorkflowSpec:
        return self._spec

    @property
    def initial(self) -> str:
        return self._spec.initial

    @property
    def name(self) -> Label:
        return self._spec.name

    def state(self, name: str) -> StateSpec:
        """The declaration of a state; ``KeyError`` if this workflow has no such state."""
        try:
            return self._spec.states[name]
        except KeyError:
            raise KeyError(f"workflow {self.key!r} has no state {name!r}") from None

    def label(self, state: str, lang: str = "vi") -> str:
        """The state's name for people; a state this workflow does not declare is
        shown as stored, rather than failing the page that shows it."""
        spec = self._spec.states.get(state)
        return spec.label.get(lang) if spec is not None else state

    def is_final(self, state: str) -> bool:
        """Whether a case in ``state`` is closed. A state this workflow does not declare
        (renamed since, or the workflow edited) counts as open, as it does in every
        list query, so such a case stays on boards until someone looks at it."""
        spec = self._spec.states.get(state)
        return spec is not None and spec.final

    def is_open(self, state: str) -> bool:
        return not self.is_final(state)

    # ----------------------------------------------------------------- transitions

    def transitions_from(self, state: str) -> list[TransitionSpec]:
        """What may happen to a case in ``state``, in definition order (empty for final
        or unknown states)."""
        found: list[_SpecTransition] = []
        for trigger in self._machine.get_triggers(state):
            # .get, not [...]: Event.transitions is a defaultdict and indexing would
            # insert an empty entry — a write to a machine shared between threads.
            found.extend(self._machine.events[trigger].transitions.get(state, ()))
        return [t.spec for t in sorted(found, key=lambda t: t.order)]

    def transition(self, trigger: str, state: str) -> TransitionSpec:
        """The declaration of ``trigger`` from ``state``, or ``InvalidTransition`` naming
        the triggers that are allowed from there."""
        event = self._machine.events.get(trigger)
        candidates = event.transitions.get(state) if event is not None else None
        if not candidates:
            raise InvalidTransition(
                trigger=trigger, state=state, allowed=[t.trigger for t in self.transitions_from(state)],
            )
        # The loader rejects a trigger declared twice from one state, so there is one.
        spec: TransitionSpec = candidates[0].spec
        return spec

    def escalation(self, state: str) -> TransitionSpec | None:
        """The declared transition that ``state``'s auto-escalation fires, from the
        machine's tables; None when the state has no such rule. The loader makes sure
        there is exactly one; a workflow built around it gets ``InvalidTransition``."""
        declared = self._spec.states.get(state)
        rule = declared.rules.auto_escalate if declared is not None and declared.rules is not None else None
        if rule is None:
            return None
        target = rule.target(state)
        found = [t for t in self.transitions_from(state) if t.dest == target]
        if len(found) != 1:
            raise InvalidTransition(trigger="auto_escalate", state=state,
                                    allowed=[t.trigger for t in self.transitions_from(state)])
        return found[0]

    def fire(self, model: StatefulModel, trigger: str) -> tuple[str, str]:
        """Move ``model`` along ``trigger``; returns ``(source, dest)``.

        Only the state changes here. Who may fire, which fields are required and what
        is recorded are the case service's business (it reads the ``TransitionSpec``).
        """
        source = model.state
        spec = self.transition(trigger, source)
        if not self._machine.events[trigger].trigger(model):
            # Unreachable today (no conditions are registered); kept so that adding
            # conditions later cannot turn a refusal into a silent no-op.
            raise InvalidTransition(
                trigger=trigger, state=source, allowed=[t.trigger for t in self.transitions_from(source)],
            )
        return source, spec.dest

    # ------------------------------------------------------------------- export

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description for the API and the UI (rules are not included:
        their format belongs to a later issue)."""
        spec = self._spec
        return {
            "key": spec.key,
            "name": spec.name.model_dump(),
            "description": spec.description.model_dump() if spec.description else None,
            "initial": spec.initial,
            "states": [
                {
                    "name": name,
                    "label": state.label.model_dump(),
                    "final": state.final,
                    "clock": state.clock,
                    "deadline": (state.deadline.model_dump(mode="json", exclude_none=True)
                                 if state.deadline else None),
                    "triggers": [t.trigger for t in self.transitions_from(name)],
                }
                for name, state in spec.states.items()
            ],
            "transitions": [t.model_dump(mode="json", by_alias=True) for t in spec.transitions],
        }
