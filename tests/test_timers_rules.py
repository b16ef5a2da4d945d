"""Deadline rules in the workflow YAML: typed, and every mistake reported with file,
line and key like the rest of the definition."""

from __future__ import annotations

import textwrap
from typing import get_args

import pytest

from engine.vocab import UNIT_LEVELS
from engine.workflow import Problem, WorkflowDefinitionError, load_workflow, load_workflows, parse_workflow
from engine.workflow.spec import EscalationTarget
from workflows import BUILTIN_DIR, load_builtin

BASE = textwrap.dedent("""\
    key: t
    name: {vi: "Thử", en: "Test"}
    initial: open
    states:
      open:
        label: {vi: "Mở", en: "Open"}
        deadline: {working_days: 5}
        rules:
          remind: {before: {working_days: 2}, notify: {official: [handling]}}
          overdue: {notify: {leader: [handling, origin]}}
          auto_escalate: {after: {working_days: 3}, to: parent, notify: {leader: handling}}
          inform: {when: [overdue, escalated], notify: {front: [handling]}}
          extension: {times: 1, max_working_days: 5}
      wait:
        label: {vi: "Chờ", en: "Wait"}
        clock: paused
      done:
        label: {vi: "Xong", en: "Done"}
        final: true
    transitions:
      - {trigger: hold, label: {vi: a, en: a}, from: [open], to: wait, roles: [official]}
      - {trigger: back, label: {vi: b, en: b}, from: [wait], to: open, roles: [official]}
      - {trigger: finish, label: {vi: c, en: c}, from: [open], to: done, roles: [official]}
      - {trigger: pass_on, label: {vi: d, en: d}, from: [open], to: open, roles: [official],
         requires: [target_unit, reason]}
    """)


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_workflow(text, "t.yaml")
    return info.value.problems


def only(text: str) -> Problem:
    found = problems_of(text)
    assert len(found) == 1, found
    return found[0]


def test_base_rules_parse_typed() -> None:
    wf = parse_workflow(BASE, "t.yaml")
    rules = wf.state("open").rules
    assert rules is not None
    assert rules.remind.before.working_days == 2
    assert rules.overdue.notify.pairs() == (("leader", "handling"), ("leader", "origin"))
    assert rules.auto_escalate.notify.pairs() == (("leader", "handling"),)  # one unit may be written alone
    assert (rules.auto_escalate.to, rules.auto_escalate.state) == ("parent", None)
    assert rules.inform.when == ("overdue", "escalated")
    assert (rules.extension.times, rules.extension.max_working_days) == (1, 5)
    assert list(rules.timed()) == ["remind", "overdue", "auto_escalate"]
    assert wf.state("wait").clock == "paused" and wf.state("wait").rules is None


def test_builtin_programmes_have_different_rules() -> None:
    builtin = load_builtin()
    default, weekly = builtin["nghe-dan-noi"].spec, builtin["moi-tuan-mot-diem-den"].spec
    for spec in (default, weekly):
        for name, state in spec.states.items():
            if state.deadline is not None and name != "verified":
                assert state.rules is not None and state.rules.overdue is not None, (spec.key, name)
    d, w = default.states["received"].rules, weekly.states["received"].rules
    assert d != w
    assert (d.auto_escalate.to, w.auto_escalate.to) == ("parent", "commune")
    assert d.extension is not None and w.extension is None
    assert weekly.states["escalated"].rules.extension.times == 2
    assert weekly.states["waiting_citizen"].clock == "paused"
    assert all(s.clock == "running" for s in default.states.values())


def test_escalation_targets_are_the_unit_levels() -> None:
    assert set(get_args(EscalationTarget)) == {"parent", *UNIT_LEVELS}


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "needle"),
    [
        ("      remind: {", "      remmind: {", 9, "states.open.rules.remmind", "unknown key"),
        ("notify: {official: [handling]}", "notify: {chairman: [handling]}", 9,
         "states.open.rules.remind.notify.chairman", "unknown key"),
        ("notify: {official: [handling]}", "notify: {official: [village]}", 9,
         "states.open.rules.remind.notify.official[0]", "'village'"),
        ("notify: {official: [handling]}", "notify: {}", 9, "states.open.rules.remind.notify", "at least one"),
        ("before: {working_days: 2}", "before: {working_days: 2, hours: 3}", 9,
         "states.open.rules.remind.before", "exactly one"),
        ("before: {working_days: 2}", "before: {working_days: 0}", 9,
         "states.open.rules.remind.before.working_days", "greater than 0"),
        ("to: parent", "to: county", 11, "states.open.rules.auto_escalate.to", "'county'"),
        ("when: [overdue, escalated]", "when: []", 12, "states.open.rules.inform.when", "at least 1"),
        # YAML 1.1 reads a bare `on` as true: say so instead of "Keys should be strings".
        ("when: [overdue, escalated]", "on: [overdue]", 12, "states.open.rules.inform", "on, off, yes and no"),
        ("times: 1,", "times: 9,", 13, "states.open.rules.extension.times", "less than or equal to 5"),
        ("max_working_days: 5}", "max_working_days: 5, roles: [leader]}", 13,
         "states.open.rules.extension.roles", "unknown key"),
    ],
)
def test_shape_problems(old: str, new: str, line: int, key: str, needle: str) -> None:
    found = problems_of(edit(old, new))
    assert any(p.line == line and p.key == key and needle in p.message for p in found), found


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "needle"),
    [
        # A reminder longer than the deadline would come before the case arrives.
        ("before: {working_days: 2}", "before: {working_days: 5}", 9, "states.open.rules.remind.before",
         "before the case arrives"),
        ("to: parent,", "to: parent, state: closed,", 11, "states.open.rules.auto_escalate.state", "unknown state"),
        ("to: parent,", "to: parent, state: done,", 11, "states.open.rules.auto_escalate.state", "final"),
        ("to: parent,", "to: parent, state: wait,", 11, "states.open.rules.auto_escalate.state", "pauses"),
        ("when: [overdue, escalated]", "when: [overdue, overdue]", 12, "states.open.rules.inform.when[1]",
         "listed twice"),
        ("notify: {leader: [handling, origin]}", "notify: {leader: [origin, origin]}", 10,
         "states.open.rules.overdue.notify.leader[1]", "listed twice"),
        ("    deadline: {working_days: 5}\n", "", 8, "states.open.rules.remind", "needs a deadline"),
        ("    clock: paused\n", "    clock: paused\n    deadline: {working_days: 3}\n", 17,
         "states.wait.deadline", "paused state"),
        ("    final: true\n", "    final: true\n    rules: {overdue: {notify: {leader: [origin]}}}\n", 20,
         "states.done.rules", "final state"),
        ("trigger: hold,", "trigger: extend,", 21, "transitions[0].trigger", "reserved"),
    ],
)
def test_rule_problems_point_at_the_rule(old: str, new: str, line: int, key: str, needle: str) -> None:
    found = problems_of(edit(old, new))
    assert any(p.line == line and p.key == key and needle in p.message for p in found), found


def test_inform_needs_the_event_it_rides_on() -> None:
    text = edit("      overdue: {notify: {leader: [handling, origin]}}\n", "")
    problem = only(text)
    assert (problem.line, problem.key) == (11, "states.open.rules.inform.when[0]")
    assert "overdue" in problem.message


def test_every_problem_is_reported_at_once() -> None:
    text = edit("to: parent,", "to: parent, state: done,", edit("before: {working_days: 2}", "before: {working_days: 9}"))
    assert {p.key for p in problems_of(text)} == {"states.open.rules.remind.before",
                                                  "states.open.rules.auto_escalate.state"}


# ------------------------------------------- auto-escalation only along declared transitions

SHIPPED = sorted(BUILTIN_DIR.glob("*.yaml"))


def test_an_escalation_into_a_state_no_transition_reaches_is_refused() -> None:
    # The example: the shipped programme with received → verified.
    path = BUILTIN_DIR / "nghe-dan-noi.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("        state: escalated\n") == 1
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_workflow(text.replace("        state: escalated\n", "        state: verified\n"), str(path))
    [problem] = info.value.problems
    assert (problem.file, problem.key) == (str(path), "states.received.rules.auto_escalate.state")
    assert text.splitlines()[problem.line - 1].strip() == "state: escalated"  # the line that was edited
    assert "no declared transition leads from 'received' to 'verified'" in problem.message
    # It names what the author may choose instead (final states are not escalations).
    assert "(answered_on_site, escalated)" in problem.message


def test_staying_needs_a_transition_back_into_the_state() -> None:
    # Without `state:` the case stays in `open`: only pass_on (open → open) does that.
    problem = only(edit("from: [open], to: open, roles: [official],", "from: [wait], to: open, roles: [official],"))
    assert (problem.line, problem.key) == (11, "states.open.rules.auto_escalate")
    assert "from 'open' to 'open'" in problem.message and "(wait)" in problem.message


def test_two_transitions_to_the_target_leave_the_system_no_choice() -> None:
    twin = ("  - {trigger: hand_over, label: {vi: e, en: e}, from: [open], to: open, roles: [leader], "
            "requires: [target_unit]}\n")
    problem = only(BASE + twin)
    assert (problem.line, problem.key) == (11, "states.open.rules.auto_escalate")
    assert "2 declared transitions" in problem.message and "(pass_on, hand_over)" in problem.message


def test_the_system_cannot_fire_a_transition_needing_a_persons_answer() -> None:
    problem = only(edit("requires: [target_unit, reason]}", "requires: [target_unit, answer]}"))
    assert (problem.line, problem.key) == (11, "states.open.rules.auto_escalate")
    assert "cannot fill in answer" in problem.message and "'pass_on'" in problem.message


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_escalations_take_the_escalate_transition(path) -> None:
    wf = load_workflow(path)
    ruled = [name for name, state in wf.spec.states.items() if state.rules and state.rules.auto_escalate]
    # Reception and dialogue cases are handled by named people, not moved by the system.
    assert ruled == {"tiep-cong-dan": [], "doi-thoai": [], "to-dan-van": ["received", "not_mediated"]}.get(
        path.stem, ["received", "escalated"])
    for name in ruled:
        via = wf.escalation(name)
        assert (via.trigger, via.dest) == ("escalate", "escalated")
        assert via in wf.transitions_from(name)  # from the machine's own table
    assert wf.escalation("answered") is None  # no rule, nothing to fire


# --------------------------------------------------- one finality per state name

# The same graph as BASE's, except that "done" is a way station before "end".
WAY_STATION = BASE.replace("key: t\n", "key: u\n").replace(
    "    final: true\n", "    deadline: {working_days: 1}\n  end:\n    label: {vi: z, en: z}\n    final: true\n"
) + "  - {trigger: stop, label: {vi: s, en: s}, from: [done], to: end, roles: [official]}\n"


def test_a_state_name_closing_a_case_in_one_programme_only_is_refused(tmp_path) -> None:
    parse_workflow(WAY_STATION, "u.yaml")  # each file alone is fine
    (tmp_path / "t.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "u.yaml").write_text(WAY_STATION, encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as info:
        load_workflows(tmp_path)
    [problem] = info.value.problems
    assert (problem.file, problem.key) == (str(tmp_path / "u.yaml"), "states.done.final")
    assert WAY_STATION.splitlines()[problem.line - 1].strip() == "done:"  # it has no final: line to point at
    assert "'done' is not final here but final in workflow 't'" in problem.message
    # A deployment's file is checked against the built-in programmes it joins.
    (tmp_path / "t.yaml").unlink()
    (tmp_path / "u.yaml").write_text(WAY_STATION.replace("done", "resolved"), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as info:
        load_workflows(tmp_path, over=load_builtin())
    [problem] = info.value.problems
    # Every shipped programme closes cases in "resolved"; the message names one of them.
    assert problem.key == "states.resolved.final" and "but final in workflow '" in problem.message
