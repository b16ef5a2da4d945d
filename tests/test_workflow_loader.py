"""Workflow definitions: the built-in files load, and every kind of mistake is reported
with the right file, line and key (coordinators fix files from these messages alone)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from engine.workflow import (
    FIELDS,
    ROLES,
    Problem,
    WorkflowDefinitionError,
    load_workflow,
    load_workflows,
    parse_workflow,
)
from workflows import BUILTIN_DIR, load_builtin

# Line numbers below refer to this text (line 1 is "key: t").
BASE = textwrap.dedent("""\
    key: t
    name: {vi: "Thử", en: "Test"}
    initial: open
    states:
      open:
        label: {vi: "Mở", en: "Open"}
        deadline: {working_days: 5}
      done:
        label: {vi: "Xong", en: "Done"}
        final: true
    transitions:
      - trigger: finish
        label: {vi: "Kết thúc", en: "Finish"}
        from: [open]
        to: done
        roles: [official]
    """)


def problems_of(text: str, filename: str = "t.yaml") -> list[Problem]:
    with pytest.raises(WorkflowDefinitionError) as info:
        parse_workflow(text, filename)
    return info.value.problems


def only_problem(text: str, filename: str = "t.yaml") -> Problem:
    found = problems_of(text, filename)
    assert len(found) == 1, found
    return found[0]


def more_transitions(block: str, text: str = BASE) -> str:
    """``text`` with transitions appended (``block`` written as list items)."""
    return text + textwrap.indent(textwrap.dedent(block), "  ")


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ---------------------------------------------------------------------- built-ins


def test_builtin_workflows_load() -> None:
    builtin = load_builtin()
    assert set(builtin) == {"nghe-dan-noi", "moi-tuan-mot-diem-den", "tiep-cong-dan", "doi-thoai", "to-dan-van"}
    for key, workflow in builtin.items():
        assert workflow.key == key
        assert (BUILTIN_DIR / f"{key}.yaml").is_file()


def test_base_text_is_valid() -> None:
    workflow = parse_workflow(BASE, "t.yaml")
    assert workflow.key == "t"
    assert workflow.spec.open_states == ("open",)
    assert workflow.spec.final_states == ("done",)


def test_default_workflow_is_exactly_the_design_table() -> None:
    spec = load_workflow(BUILTIN_DIR / "nghe-dan-noi.yaml").spec
    open_states = ("received", "answered_on_site", "escalated", "answered", "verified")
    table = {
        # trigger: (from, to, roles, scope, requires, optional)
        "answer_on_site": (("received",), "answered_on_site", ("official", "leader"), "case", ("answer",), ()),
        "escalate": (("received", "escalated"), "escalated", ("official", "leader"), "case",
                     ("target_unit", "reason"), ("appointment",)),
        "answer": (("escalated",), "answered", ("official", "leader"), "handling", ("answer",), ()),
        "verify": (("answered_on_site", "answered"), "verified", ("leader",), "case",
                   ("satisfaction", "note"), ()),
        "reopen": (("answered_on_site", "answered"), "escalated", ("leader",), "case", ("reason",), ()),
        "resolve": (("verified",), "resolved", ("official", "leader"), "case", (), ()),
        "merge": (open_states, "merged", ("leader",), "case", ("duplicate_of",), ()),
        "withdraw": (open_states, "withdrawn", ("official", "leader"), "case", ("reason",), ()),
    }
    # The citizen's own steps (issue 16): rating keeps the case and its deadline where
    # they are, one entry per state with an answer; a re-check sends it back.
    citizen = [(t.trigger, t.source, t.dest, t.roles, t.requires, t.deadline) for t in spec.transitions
               if t.roles == ("citizen",)]
    assert citizen == [
        *[("citizen_rate", (s,), s, ("citizen",), ("satisfaction",), "keep")
          for s in ("answered_on_site", "answered", "verified")],
        ("citizen_recheck", ("answered_on_site", "answered", "verified"), "escalated", ("citizen",), ("reason",),
         "restart"),
    ]
    staff = [t for t in spec.transitions if t.roles != ("citizen",)]
    assert [t.trigger for t in staff] == list(table)
    for t in staff:
        assert (t.source, t.dest, t.roles, t.scope, t.requires, t.optional) == table[t.trigger], t.trigger
        assert t.label.vi and t.label.en
    assert list(spec.states) == [*open_states, "resolved", "merged", "withdrawn"]
    assert spec.final_states == ("resolved", "merged", "withdrawn")
    labels = {name: state.label.vi for name, state in spec.states.items()}
    assert labels == {
        "received": "Đã tiếp nhận", "answered_on_site": "Đã trả lời tại chỗ",
        "escalated": "Đã chuyển xử lý", "answered": "Đã có kết quả trả lời",
        "verified": "Đã kiểm tra kết quả", "resolved": "Đã giải quyết xong",
        "merged": "Đã gộp", "withdrawn": "Đã rút",
    }
    deadlines = {name: s.deadline for name, s in spec.states.items()}
    assert deadlines["received"] is not None and deadlines["received"].working_days == 10
    assert "Điều 28" in (deadlines["received"].basis or "")
    escalated = deadlines["escalated"]
    assert escalated is not None
    assert (escalated.appointment, escalated.max_working_days, escalated.working_days) == (True, 15, 10)
    for name in ("answered_on_site", "answered", "verified"):
        deadline = deadlines[name]
        assert deadline is not None and deadline.working_days == 5
    assert all(deadlines[name] is None for name in spec.final_states)


def test_weekly_programme_differs_only_in_data() -> None:
    spec = load_workflow(BUILTIN_DIR / "moi-tuan-mot-diem-den.yaml").spec
    received, escalated = spec.states["received"].deadline, spec.states["escalated"].deadline
    assert received is not None and received.working_days == 5
    assert escalated is not None
    assert (escalated.appointment, escalated.max_working_days, escalated.calendar_days) == (True, 20, 30)
    close = next(t for t in spec.transitions if t.trigger == "close")
    assert (close.source, close.dest, close.requires) == (("answered_on_site",), "resolved", ("note",))


def test_vocabularies() -> None:
    assert ROLES == ("official", "leader", "auditor", "admin", "member", "citizen")
    assert FIELDS == ("answer", "target_unit", "reason", "appointment", "satisfaction", "duplicate_of", "note")


# ----------------------------------------------------------------- file problems


def test_yaml_syntax_error_has_its_line() -> None:
    problem = only_problem(edit("    to: done\n", "    to: [done\n"))
    assert problem.file == "t.yaml"
    assert problem.key == ""
    assert problem.line == 16
    assert "YAML" in problem.message


def test_top_level_must_be_a_mapping() -> None:
    problem = only_problem("\n- key: t\n- name: x\n")
    assert (problem.line, problem.key) == (2, "")
    assert "mapping" in problem.message


def test_empty_file() -> None:
    problem = only_problem("# nothing yet\n")
    assert problem.key == "" and "empty" in problem.message


def test_duplicate_yaml_key_is_reported() -> None:
    text = edit("    final: true\n", "    final: true\n  done:\n    label: {vi: a, en: b}\n    final: true\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (11, "states.done")
    assert "duplicate" in problem.message


def test_key_must_match_file_name() -> None:
    problem = only_problem(BASE, filename="other.yaml")
    assert (problem.file, problem.line, problem.key) == ("other.yaml", 1, "key")
    # Pseudo file names (text that never was a file) are not checked.
    assert parse_workflow(BASE, "<string>").key == "t"


# ---------------------------------------------------------------- shape problems


def test_unknown_role_and_field() -> None:
    text = edit("    roles: [official]\n", "    roles: [official, chairman]\n    requires: [answer, photo]\n")
    found = {p.key: p for p in problems_of(text)}
    assert set(found) == {"transitions[0].roles[1]", "transitions[0].requires[1]"}
    assert found["transitions[0].roles[1]"].line == 16
    assert "chairman" in found["transitions[0].roles[1]"].message
    assert "leader" in found["transitions[0].roles[1]"].message  # lists what is allowed
    assert found["transitions[0].requires[1]"].line == 17
    assert "photo" in found["transitions[0].requires[1]"].message


def test_misspelt_key_is_not_ignored() -> None:
    problem = only_problem(edit("    deadline: {working_days: 5}\n", "    deadlines: {working_days: 5}\n"))
    assert (problem.line, problem.key) == (7, "states.open.deadlines")
    assert "unknown key" in problem.message


def test_missing_key_points_at_its_parent() -> None:
    problem = only_problem(edit('    label: {vi: "Kết thúc", en: "Finish"}\n', ""))
    assert (problem.line, problem.key) == (12, "transitions[0].label")
    assert "missing" in problem.message


def test_bad_state_name_and_trigger_slug() -> None:
    text = edit("  - trigger: finish\n", "  - trigger: Finish-Now\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (12, "transitions[0].trigger")


@pytest.mark.parametrize(
    ("deadline", "needle"),
    [
        ("{}", "exactly one"),
        ("{working_days: 5, hours: 4}", "exactly one"),
        ("{appointment: true, working_days: 5}", "max_working_days"),
        ("{appointment: true, max_working_days: 15, working_days: 5, calendar_days: 7}", "at most one"),
        ("{max_working_days: 15, working_days: 5}", "appointment"),
        ("{working_days: 0}", "greater than 0"),
        ("{calendar_days: 400}", "366"),
        ("{hours: 9000}", "8784"),
        ("{working_days: true}", "integer"),
    ],
)
def test_deadline_shapes(deadline: str, needle: str) -> None:
    problem = only_problem(edit("{working_days: 5}", deadline))
    assert problem.line == 7
    assert problem.key.startswith("states.open.deadline")
    assert needle in problem.message


def test_state_rules_are_typed() -> None:
    # The rules' format is issue 3's (tests/test_timers_rules.py checks it in detail).
    text = edit("    deadline: {working_days: 5}\n",
                "    deadline: {working_days: 5}\n"
                "    rules: {remind: {before: {working_days: 2}, notify: {leader: [handling]}}}\n")
    rules = parse_workflow(text, "t.yaml").state("open").rules
    assert rules is not None and rules.remind is not None
    assert rules.remind.before.working_days == 2
    assert rules.remind.notify.pairs() == (("leader", "handling"),)


# ---------------------------------------------------------------- graph problems


def test_unknown_initial_state() -> None:
    problem = only_problem(edit("initial: open", "initial: opne"))
    assert (problem.line, problem.key) == (3, "initial")
    assert "opne" in problem.message


def test_unknown_source_and_dest() -> None:
    text = edit("    from: [open]\n    to: done\n", "    from: [open, closed]\n    to: finished\n")
    found = {p.key: p for p in problems_of(text)}
    assert found["transitions[0].from[1]"].line == 14
    assert "closed" in found["transitions[0].from[1]"].message
    assert found["transitions[0].to"].line == 15
    assert "finished" in found["transitions[0].to"].message
    # "done" is unreachable now, but saying so would only echo the misspelling.
    assert set(found) == {"transitions[0].from[1]", "transitions[0].to"}


def test_open_wildcard_expands_to_non_final_states() -> None:
    text = more_transitions("""\
          - trigger: drop
            label: {vi: "Bỏ", en: "Drop"}
            from: "*open"
            to: done
            roles: [leader]
        """)
    workflow = parse_workflow(text, "t.yaml")
    assert workflow.spec.transitions[1].source == ("open",)


def test_bad_list_item_is_reported_once() -> None:
    # Each bad item once, and no "list too short" echo after pydantic drops them.
    found = problems_of(edit("from: [open]", 'from: ["*all", Open]'))
    assert [(p.line, p.key) for p in found] == [(14, "transitions[0].from[0]"), (14, "transitions[0].from[1]")]
    problem = only_problem(edit("from: [open]", "from: [Open]"))
    assert (problem.line, problem.key) == (14, "transitions[0].from[0]")


def test_unknown_wildcard() -> None:
    problem = only_problem(edit("from: [open]", 'from: "*all"'))
    assert (problem.line, problem.key) == (14, "transitions[0].from")
    assert "*open" in problem.message


def test_unreachable_state() -> None:
    text = edit("    final: true\n", "    final: true\n  limbo:\n    label: {vi: a, en: b}\n    final: true\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (11, "states.limbo")
    assert "reached" in problem.message


def test_empty_roles() -> None:
    problem = only_problem(edit("roles: [official]", "roles: []"))
    assert (problem.line, problem.key) == (16, "transitions[0].roles")


def test_deadline_on_final_state() -> None:
    problem = only_problem(edit("    final: true\n", "    final: true\n    deadline: {working_days: 1}\n"))
    assert (problem.line, problem.key) == (11, "states.done.deadline")


def test_final_state_as_source() -> None:
    problem = only_problem(edit("from: [open]", "from: [open, done]"))
    assert (problem.line, problem.key) == (14, "transitions[0].from[1]")
    assert "final" in problem.message


def test_dead_end() -> None:
    text = edit("    deadline: {working_days: 5}\n",
                "    deadline: {working_days: 5}\n  waiting:\n    label: {vi: Chờ, en: Waiting}\n")
    text = more_transitions("""\
          - trigger: wait
            label: {vi: "Chờ", en: "Wait"}
            from: [open]
            to: waiting
            roles: [official]
        """, text)
    problem = only_problem(text)
    assert (problem.line, problem.key) == (8, "states.waiting")
    assert "dead end" in problem.message


def test_loop_without_way_to_a_final_state() -> None:
    text = edit("    deadline: {working_days: 5}\n",
                "    deadline: {working_days: 5}\n  ping:\n    label: {vi: a, en: b}\n"
                "  pong:\n    label: {vi: c, en: d}\n")
    text = more_transitions("""\
          - trigger: go
            label: {vi: "Đi", en: "Go"}
            from: [open, pong]
            to: ping
            roles: [official]
          - trigger: back
            label: {vi: "Về", en: "Back"}
            from: [ping]
            to: pong
            roles: [official]
        """, text)
    found = {p.key for p in problems_of(text)}
    assert found == {"states.ping", "states.pong"}


def test_same_trigger_twice_from_one_state() -> None:
    text = more_transitions("""\
          - trigger: finish
            label: {vi: "Kết thúc", en: "Finish"}
            from: "*open"
            to: done
            roles: [leader]
        """)
    problem = only_problem(text)
    assert (problem.line, problem.key) == (19, "transitions[1].from")
    assert "transitions[0]" in problem.message


def test_field_both_required_and_optional() -> None:
    text = edit("    roles: [official]\n", "    roles: [official]\n    requires: [note, answer]\n    optional: [answer]\n")
    problem = only_problem(text)
    assert (problem.line, problem.key) == (18, "transitions[0].optional[0]")
    assert "answer" in problem.message


def test_reserved_trigger_name() -> None:
    problem = only_problem(edit("trigger: finish", "trigger: state"))
    assert (problem.line, problem.key) == (12, "transitions[0].trigger")


def test_initial_state_cannot_be_final() -> None:
    found = {p.key for p in problems_of(edit("initial: open", "initial: done"))}
    assert "initial" in found


# ------------------------------------------------------------ many at once, dirs


def test_all_problems_are_reported_together() -> None:
    text = edit("initial: open", "initial: nowhere")
    text = edit("roles: [official]", "roles: []", text)
    text = edit("    final: true\n", "    final: true\n    deadline: {hours: 2}\n", text)
    error = pytest.raises(WorkflowDefinitionError, parse_workflow, text, "bad.yaml").value
    keys = {p.key for p in error.problems}
    assert {"initial", "transitions[0].roles", "states.done.deadline", "key"} <= keys
    lines = str(error).splitlines()
    assert len(lines) == len(error.problems)
    assert any(line.startswith("bad.yaml:3: initial: unknown state 'nowhere'") for line in lines)
    assert lines[0] == "bad.yaml:1: key: key 't' must equal the file name 'bad'"
    # In file order, so that they can be fixed top to bottom.
    assert [p.line for p in error.problems] == sorted(p.line or 0 for p in error.problems)
    assert all(line.startswith("bad.yaml:") for line in lines)


def test_shape_problems_are_all_reported() -> None:
    text = edit("roles: [official]", "roles: [mayor]")
    text = edit("{working_days: 5}", "{weeks: 1}", text)
    text = edit('name: {vi: "Thử", en: "Test"}', 'name: {vi: "Thử"}', text)
    keys = {p.key for p in problems_of(text)}
    assert keys == {"transitions[0].roles[0]", "states.open.deadline.weeks", "name.en"}


def test_load_workflows_reads_a_directory(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "u.yaml").write_text(edit("key: t", "key: u"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a workflow", encoding="utf-8")
    (tmp_path / ".#t.yaml").write_text("editor lock file", encoding="utf-8")
    assert list(load_workflows(tmp_path)) == ["t", "u"]


def test_load_workflows_collects_problems_of_all_files(tmp_path: Path) -> None:
    # A copied file whose key was not changed: the key would clash, the name tells.
    (tmp_path / "a.yaml").write_text(edit("key: t", "key: b"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(edit("key: t", "key: b"), encoding="utf-8")
    (tmp_path / "c.yaml").write_text("key: [", encoding="utf-8")
    error = pytest.raises(WorkflowDefinitionError, load_workflows, tmp_path).value
    assert [(Path(p.file).name, p.key) for p in error.problems] == [("a.yaml", "key"), ("c.yaml", "")]


def test_load_workflows_needs_a_directory(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        load_workflows(tmp_path / "missing")


def test_load_workflow_reports_the_path(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(edit("initial: open", "initial: x"), encoding="utf-8")
    error = pytest.raises(WorkflowDefinitionError, load_workflow, path).value
    assert error.problems[0].file == str(path)
    assert str(error).startswith(f"{path}:3: initial:")
