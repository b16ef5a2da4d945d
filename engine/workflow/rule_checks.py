"""Checks on deadline rules that need more than one state's shape.

A rule that can never fire (a reminder longer than its deadline, an inform on an
event the state does not have) is a configuration mistake that would otherwise only
show up as silence weeks later, so the loader reports it with the rest.
"""

from __future__ import annotations

from .spec import AutoEscalateRule, StateSpec, WorkflowSpec

__all__ = ["RULE_TRIGGERS", "SYSTEM_FIELDS", "rule_problems"]

# Event triggers the deadline engine writes itself; a workflow may not declare them.
RULE_TRIGGERS = frozenset({"extend", "auto_escalate"})
# What an auto-escalation knows of a transition's fields: the unit it passes the case
# to, and its reason (the case is overdue). A transition requiring more (an answer, a
# satisfaction) is a person's to take.
SYSTEM_FIELDS = frozenset({"target_unit", "reason"})

_TIMED = ("remind", "overdue", "auto_escalate", "extension")


def rule_problems(spec: WorkflowSpec) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, t in enumerate(spec.transitions):
        if t.trigger in RULE_TRIGGERS:
            out.append((f"transitions[{i}].trigger",
                        f"{t.trigger!r} is reserved by the deadline engine; choose another name"))
    for name, state in spec.states.items():
        out.extend(_state_problems(spec, name, state))
    return out


def _state_problems(spec: WorkflowSpec, name: str, state: StateSpec) -> list[tuple[str, str]]:
    base = f"states.{name}"
    out: list[tuple[str, str]] = []
    if state.clock == "paused":
        if state.final:
            out.append((f"{base}.clock", "a final state has no clock to pause"))
        if state.deadline is not None:
            out.append((f"{base}.deadline", "a paused state has no deadline of its own: the deadline of the "
                                            "stage it interrupts stops while the case is here"))
        if state.rules is not None:
            out.append((f"{base}.rules", "a paused state has no deadline rules: its clock is stopped"))
        return out
    rules = state.rules
    if rules is None:
        return out
    if state.final:
        return [(f"{base}.rules", "a final state cannot have deadline rules: nothing is left to do in it")]
    if state.deadline is None:
        for rule in _TIMED:
            if getattr(rules, rule) is not None:
                out.append((f"{base}.rules.{rule}", "needs a deadline in this state"))
    for rule_name in ("remind", "overdue", "auto_escalate", "inform"):
        rule = getattr(rules, rule_name)
        if rule is None:
            continue
        for role, relations in rule.notify.model_dump().items():
            for k, relation in enumerate(relations):
                if relation in relations[:k]:
                    out.append((f"{base}.rules.{rule_name}.notify.{role}[{k}]", f"{relation!r} is listed twice"))
    if rules.remind is not None and state.deadline is not None:
        before, deadline = rules.remind.before, state.deadline
        if (before.working_days is not None and deadline.working_days is not None
                and not deadline.appointment and before.working_days >= deadline.working_days):
            out.append((f"{base}.rules.remind.before",
                        f"a reminder {before.working_days} working days before a {deadline.working_days}-working-day "
                        "deadline would come before the case arrives"))
        if before.hours is not None and deadline.hours is not None and before.hours >= deadline.hours:
            out.append((f"{base}.rules.remind.before",
                        f"a reminder {before.hours} hours before a {deadline.hours}-hour deadline "
                        "would come before the case arrives"))
    if rules.inform is not None:
        needs = {"overdue": rules.overdue, "escalated": rules.auto_escalate}
        rule_of = {"overdue": "overdue", "escalated": "auto_escalate"}
        for k, event in enumerate(rules.inform.when):
            if needs[event] is None:
                out.append((f"{base}.rules.inform.when[{k}]",
                            f"nothing is {event} here: add an {rule_of[event]} rule to this state"))
            elif event in rules.inform.when[:k]:
                out.append((f"{base}.rules.inform.when[{k}]", f"{event!r} is listed twice"))
    if rules.auto_escalate is not None:
        out.extend(_escalation_problems(spec, name, rules.auto_escalate, f"{base}.rules.auto_escalate"))
    return out


def _escalation_problems(spec: WorkflowSpec, name: str, rule: AutoEscalateRule, base: str) -> list[tuple[str, str]]:
    target = rule.target(name)
    key = f"{base}.state" if rule.state is not None else base
    if target not in spec.states:
        return [(key, f"unknown state {target!r} (states: {', '.join(spec.states)})")]
    if spec.states[target].final:
        return [(key, f"an escalated case stays open: {target!r} is final")]
    if spec.states[target].clock == "paused":
        return [(key, f"an escalated case must be worked on: {target!r} pauses the clock")]
    # The system moves a case only along a transition a person could take, so the
    # machine, not the sweep, changes the state and the graph checks stay true.
    via = [t for t in spec.transitions if name in t.source and t.dest == target]
    if not via:
        reached = sorted({t.dest for t in spec.transitions
                          if name in t.source and t.dest in spec.states and not spec.states[t.dest].final})
        return [(key, f"no declared transition leads from {name!r} to {target!r}: the system moves a case only "
                      f"along a declared transition; declare one, or choose a state one reaches from {name!r} "
                      f"({', '.join(reached) or 'none'})")]
    if len(via) > 1:
        return [(key, f"{len(via)} declared transitions lead from {name!r} to {target!r} "
                      f"({', '.join(t.trigger for t in via)}): the system fires one, so only one may")]
    if via[0].kinds:
        return [(key, f"{via[0].trigger!r} applies only to some kinds ({', '.join(via[0].kinds)}): the system "
                      "escalates every overdue case, so the transition it fires must apply to every kind")]
    if via[0].requires_assignee:
        return [(key, f"{via[0].trigger!r} requires an assignee, and the system is nobody's assignee: "
                      "the transition it fires may not require one")]
    missing = [f for f in via[0].requires if f not in SYSTEM_FIELDS]
    if missing:
        return [(key, f"the system cannot fill in {', '.join(missing)}, which {via[0].trigger!r} requires; "
                      f"it gives only {' and '.join(sorted(SYSTEM_FIELDS))}")]
    return []
