"""Checks on deadline rules that need more than one state's shape.

A rule that can never fire (a reminder longer than its deadline, an inform on an
event the state does not have) is a configuration mistake that would otherwise only
show up as silence weeks later, so the loader reports it with the rest.
"""

from __future__ import annotations

from .spec import StateSpec, WorkflowSpec

__all__ = ["RULE_TRIGGERS", "rule_problems"]

# Event triggers the deadline engine writes itself; a workflow may not declare them.
RULE_TRIGGERS = frozenset({"extend", "auto_escalate"})

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
    if rules.auto_escalate is not None and rules.auto_escalate.state is not None:
        target = rules.auto_escalate.state
        key = f"{base}.rules.auto_escalate.state"
        if target not in spec.states:
            out.append((key, f"unknown state {target!r} (states: {', '.join(spec.states)})"))
        elif spec.states[target].final:
            out.append((key, f"an escalated case stays open: {target!r} is final"))
        elif spec.states[target].clock == "paused":
            out.append((key, f"an escalated case must be worked on: {target!r} pauses the clock"))
    return out
