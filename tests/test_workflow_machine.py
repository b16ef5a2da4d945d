"""The workflow runtime: cases move only along declared transitions, refusals say what
is allowed instead, and the shared machine never holds on to a case."""

from __future__ import annotations

import json
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.errors import InvalidTransition
from engine.workflow import Workflow, load_workflow, parse_workflow
from workflows import BUILTIN_DIR

OPEN = ["received", "answered_on_site", "escalated", "answered", "verified"]
FINAL = ["resolved", "merged", "withdrawn"]


class Case:
    """Stands for a Case row: all the machine needs is a ``state`` attribute."""

    def __init__(self, state: str = "received") -> None:
        self.state = state


@pytest.fixture(scope="module")
def default() -> Workflow:
    return load_workflow(BUILTIN_DIR / "nghe-dan-noi.yaml")


@pytest.fixture(scope="module")
def weekly() -> Workflow:
    return load_workflow(BUILTIN_DIR / "moi-tuan-mot-diem-den.yaml")


def run(workflow: Workflow, case: Case, *triggers: str) -> list[tuple[str, str]]:
    return [workflow.fire(case, trigger) for trigger in triggers]


def test_full_default_lifecycle(default: Workflow) -> None:
    case = Case(default.initial)
    steps = run(default, case, "escalate", "answer", "verify", "resolve")
    assert steps == [
        ("received", "escalated"), ("escalated", "answered"),
        ("answered", "verified"), ("verified", "resolved"),
    ]
    assert case.state == "resolved"
    assert default.is_final(case.state)


def test_answer_on_site_path(default: Workflow) -> None:
    case = Case()
    run(default, case, "answer_on_site", "verify", "resolve")
    assert case.state == "resolved"


def test_escalate_again_to_another_level(default: Workflow) -> None:
    case = Case()
    assert run(default, case, "escalate", "escalate") == [("received", "escalated"), ("escalated", "escalated")]


@pytest.mark.parametrize("path", [["answer_on_site"], ["escalate", "answer"]])
def test_reopen_after_a_failed_check(default: Workflow, path: list[str]) -> None:
    case = Case()
    run(default, case, *path)
    assert default.fire(case, "reopen")[1] == "escalated"
    run(default, case, "answer", "verify", "resolve")
    assert case.state == "resolved"


@pytest.mark.parametrize("state", OPEN)
@pytest.mark.parametrize(("trigger", "dest"), [("merge", "merged"), ("withdraw", "withdrawn")])
def test_merge_and_withdraw_from_any_open_state(default: Workflow, state: str, trigger: str, dest: str) -> None:
    case = Case(state)
    assert default.fire(case, trigger) == (state, dest)
    assert case.state == dest


def test_invalid_trigger_lists_what_is_allowed(default: Workflow) -> None:
    case = Case("received")
    with pytest.raises(InvalidTransition) as info:
        default.fire(case, "verify")
    error = info.value
    assert error.code == "invalid-transition"
    assert error.params["trigger"] == "verify"
    assert error.params["state"] == "received"
    assert error.params["allowed"] == ["answer_on_site", "escalate", "merge", "withdraw"]
    assert "answer_on_site, escalate, merge, withdraw" in error.message("vi")
    assert case.state == "received"  # a refusal changes nothing


def test_unknown_trigger_is_an_invalid_transition(default: Workflow) -> None:
    with pytest.raises(InvalidTransition) as info:
        default.transition("to_resolved", "received")  # no auto transitions
    assert info.value.params["allowed"] == ["answer_on_site", "escalate", "merge", "withdraw"]


@pytest.mark.parametrize("state", FINAL)
def test_final_states_have_no_transitions(default: Workflow, state: str) -> None:
    assert default.transitions_from(state) == []
    with pytest.raises(InvalidTransition) as info:
        default.fire(Case(state), "reopen")
    assert info.value.params["allowed"] == []


def test_transitions_from_follows_the_yaml_order(default: Workflow) -> None:
    for state in default.spec.states:
        expected = [t for t in default.spec.transitions if state in t.source]
        assert default.transitions_from(state) == expected
    assert [t.trigger for t in default.transitions_from("answered")] == ["verify", "reopen", "merge", "withdraw"]
    assert default.transition("answer", "escalated").scope == "handling"


def test_order_is_the_declaration_order_even_when_a_trigger_is_split() -> None:
    # "b" is declared once, "a" twice: from y the listing must be b, a (the YAML order),
    # not the order in which the machine first met each trigger.
    workflow = parse_workflow(textwrap.dedent("""\
        key: split
        name: {vi: a, en: a}
        initial: x
        states:
          x: {label: {vi: x, en: x}}
          y: {label: {vi: y, en: y}}
          z: {label: {vi: z, en: z}, final: true}
        transitions:
          - {trigger: a, label: {vi: a, en: a}, from: [x], to: y, roles: [official]}
          - {trigger: b, label: {vi: b, en: b}, from: [y], to: z, roles: [official]}
          - {trigger: a, label: {vi: a2, en: a2}, from: [y], to: z, roles: [leader]}
        """), "split.yaml")
    assert [t.label.vi for t in workflow.transitions_from("y")] == ["b", "a2"]
    assert workflow.transition("a", "y").roles == ("leader",)
    assert workflow.fire(Case("x"), "a") == ("x", "y")


def test_machine_keeps_no_reference_to_cases(default: Workflow) -> None:
    cases = [Case() for _ in range(1000)]
    for case in cases:
        default.fire(case, "escalate")
    assert all(case.state == "escalated" for case in cases)
    assert default._machine.models == []
    # Nothing was bolted onto the case either (no trigger methods, no is_<state>).
    assert vars(cases[0]) == {"state": "escalated"}


def test_concurrent_firing_on_different_cases(default: Workflow) -> None:
    def lifecycle(_: int) -> str:
        case = Case()
        run(default, case, "escalate", "answer", "verify", "resolve")
        return case.state

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(lifecycle, range(400))) == {"resolved"}
    assert default._machine.models == []


def test_labels_and_states(default: Workflow) -> None:
    assert default.label("escalated") == "Đã chuyển xử lý"
    assert default.label("escalated", "en") == "Escalated"
    assert default.label("merged", "vi-VN") == "Đã gộp"
    assert default.state("received").deadline is not None
    assert not default.is_final("verified") and default.is_open("verified")
    # A state the file does not declare (renamed since) is shown as stored, and open.
    assert default.label("archived") == "archived"
    assert not default.is_final("archived") and default.is_open("archived")
    with pytest.raises(KeyError):
        default.state("archived")


def test_weekly_programme_may_close_directly(weekly: Workflow) -> None:
    case = Case()
    assert run(weekly, case, "answer_on_site", "close") == [
        ("received", "answered_on_site"), ("answered_on_site", "resolved"),
    ]
    with pytest.raises(InvalidTransition):
        weekly.fire(Case("answered"), "close")


def test_to_dict_is_json(default: Workflow, weekly: Workflow) -> None:
    for workflow in (default, weekly):
        data = json.loads(json.dumps(workflow.to_dict(), ensure_ascii=False))
        assert data["key"] == workflow.key
        assert [s["name"] for s in data["states"]] == list(workflow.spec.states)
        assert len(data["transitions"]) == len(workflow.spec.transitions)
    data = default.to_dict()
    escalated = next(s for s in data["states"] if s["name"] == "escalated")
    assert escalated["deadline"] == {"appointment": True, "max_working_days": 15, "working_days": 10,
                                     "day_ends": "office_close"}  # said explicitly in the YAML
    assert escalated["triggers"] == ["escalate", "answer", "merge", "withdraw"]
    merge = next(t for t in data["transitions"] if t["trigger"] == "merge")
    assert merge["from"] == OPEN and merge["to"] == "merged"
    resolved = next(s for s in data["states"] if s["name"] == "resolved")
    assert resolved == {
        "name": "resolved", "label": {"vi": "Đã giải quyết xong", "en": "Resolved"},
        "final": True, "clock": "running", "deadline": None, "triggers": [],
    }
