"""Load workflow definitions from YAML and say precisely what is wrong with them.

The people who write these files are programme coordinators, not programmers, and a
workflow error found at start-up blocks every commune. So the loader reports *every*
problem it can find at once, each with file, line and a dotted key
(``transitions[2].roles``), instead of a traceback for the first one.

Checking happens in three passes, each only when the previous one produced a usable
document: YAML syntax, then the shape (pydantic, :mod:`engine.workflow.spec`), then
the graph (states that exist, can be reached and can be left). A file with a shape
error therefore does not show its graph errors yet: they would mostly be echoes of the
shape error (a transition dropped for a bad role makes its target "unreachable").
"""

from __future__ import annotations

import copy
import re
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import ValidationError

from .finality import finality_conflicts
from .machine import RESERVED_TRIGGERS, Workflow
from .problems import Problem, WorkflowDefinitionError
from .rule_checks import rule_problems
from .spec import FIELDS, KIND_CODES, ROLES, WorkflowSpec

__all__ = [
    "OPEN_WILDCARD",
    "load_workflow",
    "load_workflows",
    "parse_workflow",
    "spec_problems",
]

OPEN_WILDCARD = "*open"
_DEAD_END = "dead end: no transition leaves the non-final state {name!r}"
_FROM_ITEM = re.compile(r"^transitions\[(?P<t>\d+)\]\.from\[(?P<s>\d+)\](?P<tail>.*)$")


# --------------------------------------------------------------------------- public


def parse_workflow(text: str, filename: str) -> Workflow:
    """Parse one definition. ``filename`` is used in problems and its stem must equal
    the definition's ``key`` (skipped for pseudo names such as ``<string>``)."""
    return _parse(text, filename)[0]


def load_workflow(path: str | Path) -> Workflow:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise WorkflowDefinitionError([Problem(str(path), None, "", f"not UTF-8 text: {exc}")]) from None
    return parse_workflow(text, str(path))


def load_workflows(directory: str | Path, *, over: Mapping[str, Workflow] | None = None) -> dict[str, Workflow]:
    """Every ``*.yaml`` in ``directory`` (not recursive), in file-name order, by key;
    with ``over``, those workflows too, a file replacing the one of its key.

    Problems of all files are reported together, and with them the state names whose
    finality differs between the workflows returned (see :mod:`.finality`). Hidden
    files are skipped because editors leave lock and backup files (``.#x.yaml``).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise NotADirectoryError(f"workflow directory not found: {directory}")
    found: dict[str, Workflow] = {}
    where: dict[str, str] = {}
    line_maps: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("."):
            continue
        try:
            workflow, lines = _parse(path.read_text(encoding="utf-8"), str(path))
        except WorkflowDefinitionError as exc:
            problems.extend(exc.problems)
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), None, "", f"not UTF-8 text: {exc}"))
            continue
        if workflow.key in found:
            problems.append(Problem(
                str(path), lines.get("key"), "key",
                f"workflow key {workflow.key!r} is already defined in {where[workflow.key]}",
            ))
            continue
        found[workflow.key] = workflow
        where[workflow.key], line_maps[workflow.key] = str(path), lines
    combined = {**(over or {}), **found}
    for key, state, message in finality_conflicts(combined, newer=found):
        dotted = f"states.{state}.final"
        problems.append(Problem(where.get(key, f"<workflow {key}>"), _line_of(line_maps.get(key, {}), dotted),
                                dotted, message))
    if problems:
        raise WorkflowDefinitionError(problems)
    return combined


def spec_problems(spec: WorkflowSpec) -> list[tuple[str, str]]:
    """Graph problems of an already shape-valid spec, as ``(key, message)`` pairs.

    Public so that code building a :class:`WorkflowSpec` by hand (tests, migrations)
    can check it the same way files are checked.
    """
    out: list[tuple[str, str]] = []
    states = spec.states
    known = ", ".join(states) or "none"

    if spec.initial not in states:
        out.append(("initial", f"unknown state {spec.initial!r} (states: {known})"))
    elif states[spec.initial].final:
        out.append(("initial", f"the initial state {spec.initial!r} cannot be final"))

    for name, state in states.items():
        if state.final and state.deadline is not None:
            out.append((f"states.{name}.deadline",
                        "a final state cannot have a deadline: nothing is left to do in it"))

    first_declared: dict[tuple[str, str], int] = {}
    for i, t in enumerate(spec.transitions):
        base = f"transitions[{i}]"
        if t.trigger in RESERVED_TRIGGERS:
            out.append((f"{base}.trigger", f"{t.trigger!r} is reserved by the engine; choose another name"))
        if not t.roles:
            out.append((f"{base}.roles",
                        f"no role may fire this transition; list at least one of {', '.join(ROLES)}"))
        for j, source in enumerate(t.source):
            key = f"{base}.from[{j}]"
            if source not in states:
                out.append((key, f"unknown state {source!r} (states: {known})"))
            elif states[source].final:
                out.append((key, f"final state {source!r} cannot be left: a closed case stays closed"))
            earlier = first_declared.setdefault((t.trigger, source), i)
            if earlier != i:
                out.append((key, f"trigger {t.trigger!r} from state {source!r} is already declared "
                                 f"in transitions[{earlier}]"))
            elif source in t.source[:j]:
                out.append((key, f"state {source!r} is listed twice"))
        if t.dest not in states:
            out.append((f"{base}.to", f"unknown state {t.dest!r} (states: {known})"))
        if t.requires_assignee and set(t.roles) <= {"citizen"}:
            out.append((f"{base}.requires_assignee", "only staff are assigned: a transition only the citizen "
                                                     "fires cannot require an assignee"))
        if t.deadline == "keep" and set(t.source) != {t.dest}:
            out.append((f"{base}.deadline", "deadline: keep leaves the case where it is: "
                                            "from must list only the state in to"))
        for list_name in ("roles", "requires", "optional", "kinds"):
            values: tuple[str, ...] = getattr(t, list_name)
            for k, value in enumerate(values):
                if value in values[:k]:
                    out.append((f"{base}.{list_name}[{k}]", f"{value!r} is listed twice"))
        for k, field in enumerate(t.optional):
            if field in t.requires:
                out.append((f"{base}.optional[{k}]",
                            f"field {field!r} is listed in both requires and optional"))

    out.extend(rule_problems(spec))
    out.extend(_graph_shape_problems(spec))
    return out


# ------------------------------------------------------------------------- internals


def _parse(text: str, filename: str) -> tuple[Workflow, dict[str, int]]:
    node, data, problem = _read_yaml(text, filename)
    if problem is not None:
        raise WorkflowDefinitionError([problem])
    assert node is not None
    lines, duplicates = _line_map(node)
    problems = [Problem(filename, line, key, "duplicate key; only the last one would count")
                for key, line in duplicates]

    def at(key: str, message: str) -> Problem:
        return Problem(filename, _line_of(lines, key), key, message)

    data, source_paths, suppressed, expand_problems = _expand_open(data)
    problems.extend(at(k, m) for k, m in expand_problems)

    def remap(key: str) -> str:
        # Keys about expanded ``from`` entries point back to what was written.
        match = _FROM_ITEM.match(key)
        if match:
            paths = source_paths.get(int(match["t"]), [])
            if int(match["s"]) < len(paths):
                return paths[int(match["s"])] + match["tail"]
        return key

    def inside(key: str, parent: str) -> bool:
        return key.startswith((parent + ".", parent + "["))

    try:
        spec = WorkflowSpec.model_validate(data)
    except ValidationError as exc:
        # A non-string key (YAML 1.1 reads on/off/yes/no as booleans) is reported at
        # the mapping holding it: its loc ends in a meaningless index.
        errors = [(remap(_loc_to_key(e["loc"][:-1] if e["type"] == "invalid_key" else e["loc"])), e)
                  for e in exc.errors(include_url=False)]
        for key, error in errors:
            if any(key == s or inside(key, s) for s in suppressed):
                continue
            # pydantic drops a bad list item and then also finds the list too short.
            if error["type"] == "too_short" and any(inside(other, key) for other, _ in errors):
                continue
            problems.append(at(key, _message(error)))
        raise WorkflowDefinitionError(_in_file_order(problems)) from None

    found = spec_problems(spec)
    if not filename.startswith("<") and spec.key != Path(filename).stem:
        found.append(("key", f"key {spec.key!r} must equal the file name {Path(filename).stem!r}"))
    problems.extend(at(remap(k), m) for k, m in found)
    if problems:
        raise WorkflowDefinitionError(_in_file_order(problems))
    return Workflow(spec), lines


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    # People fix a file top to bottom; stable, so one line's problems keep their order.
    return sorted(problems, key=lambda p: p.line if p.line is not None else 0)


def _read_yaml(text: str, filename: str) -> tuple[yaml.Node | None, Any, Problem | None]:
    # One SafeLoader gives both the node tree (for line numbers) and the data, so the
    # two can never disagree.
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, None, Problem(filename, mark.line + 1 if mark else None, "",
                                   f"YAML syntax: {message or exc}")
    except yaml.YAMLError as exc:
        return None, None, Problem(filename, None, "", f"YAML syntax: {exc}")
    finally:
        loader.dispose()
    if node is None:
        return None, None, Problem(filename, None, "", "the file is empty; expected a workflow mapping")
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return None, None, Problem(filename, node.start_mark.line + 1, "",
                                   "the top level must be a mapping (key:, name:, states:, …)")
    return node, data, None


def _line_map(root: yaml.Node) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Dotted key -> 1-based line, plus the mapping keys written twice (PyYAML keeps
    the last silently, which hides a whole duplicated state)."""
    lines: dict[str, int] = {"": root.start_mark.line + 1}
    duplicates: list[tuple[str, int]] = []
    on_path: set[int] = set()  # anchors can make the tree recursive

    def walk(node: yaml.Node, path: str) -> None:
        if id(node) in on_path:
            return
        on_path.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                name = str(key_node.value)
                child = f"{path}.{name}" if path else name
                if name in seen:
                    duplicates.append((child, key_node.start_mark.line + 1))
                seen.add(name)
                # The key's line, not the value's: for a block value the value starts
                # on the next line, but people look for "roles:".
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = f"{path}[{i}]"
                lines[child] = item.start_mark.line + 1
                walk(item, child)
        on_path.discard(id(node))

    walk(root, "")
    return lines, duplicates


def _line_of(lines: Mapping[str, int], key: str) -> int | None:
    # A missing key (e.g. "label" not written) has no line: use its nearest parent.
    while True:
        if key in lines:
            return lines[key]
        if not key:
            return None
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""


def _expand_open(data: dict[str, Any]) -> tuple[
    dict[str, Any], dict[int, list[str]], list[str], list[tuple[str, str]]
]:
    """Replace ``"*open"`` in ``from`` by the non-final states, on a copy.

    Returns the data, for each transition the written key of every expanded source
    (so problems point at what the author wrote), keys already reported here, and
    problems. A plain string ``from: verified`` is accepted as a one-state list.
    """
    data = copy.deepcopy(data)
    states = data.get("states")
    open_states = [name for name, state in states.items()
                   if not (isinstance(state, dict) and state.get("final") is True)
                   ] if isinstance(states, dict) else []
    source_paths: dict[int, list[str]] = {}
    suppressed: list[str] = []
    problems: list[tuple[str, str]] = []
    transitions = data.get("transitions")
    if not isinstance(transitions, list):
        return data, source_paths, suppressed, problems

    for i, t in enumerate(transitions):
        if not isinstance(t, dict) or "from" not in t:
            continue
        written = t["from"]
        base = f"transitions[{i}].from"
        items: list[tuple[str, Any]]
        if isinstance(written, str):
            items = [(base, written)]
        elif isinstance(written, list):
            items = [(f"{base}[{j}]", value) for j, value in enumerate(written)]
        else:
            continue  # the shape check reports it
        expanded: list[Any] = []
        paths: list[str] = []
        for key, value in items:
            if value == OPEN_WILDCARD:
                expanded.extend(open_states)
                paths.extend([key] * len(open_states))
            elif isinstance(value, str) and value.startswith("*"):
                problems.append((key, f"unknown wildcard {value!r}; the only one is {OPEN_WILDCARD!r} "
                                      "(every non-final state)"))
                suppressed.append(key)
            else:
                expanded.append(value)
                paths.append(key)
        if not expanded and any(key in suppressed for key, _ in items):
            suppressed.append(base)  # "at least one source" would only echo the problem above
        t["from"] = expanded
        source_paths[i] = paths
    return data, source_paths, suppressed, problems


def _loc_to_key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif part == "[key]":
            continue  # a bad mapping key: the path already names it
        else:
            # Field names appear only if validation ever runs by name; YAML says from/to.
            part = {"source": "from", "dest": "to"}.get(part, part)
            key = f"{key}.{part}" if key else part
    return key


def _message(error: Mapping[str, Any]) -> str:
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    value = error.get("input")
    parent = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "literal_error":
        if parent == "roles":
            return f"unknown role {value!r}; roles are: {', '.join(ROLES)}"
        if parent in ("requires", "optional"):
            return f"unknown field {value!r}; fields are: {', '.join(FIELDS)}"
        if parent == "kinds":
            return f"unknown kind {value!r}; kinds are: {', '.join(KIND_CODES)}"
        return f"{value!r} is not allowed; expected {ctx.get('expected')}"
    if kind == "invalid_key" and isinstance(value, bool):
        return (f"a key YAML reads as {str(value).lower()}: on, off, yes and no are booleans in YAML, "
                "so write the documented key name (e.g. when:, not on:) or quote it")
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind == "string_pattern_mismatch":
        hint = ("lowercase letters, digits and '-'" if parent == "key"
                else "lowercase letters, digits and '_', starting with a letter")
        return f"{value!r} is not a valid name: use {hint}"
    return str(error["msg"])


def _graph_shape_problems(spec: WorkflowSpec) -> list[tuple[str, str]]:
    """Reachability: every state can be reached, can be left, and can end."""
    states = spec.states
    edges: dict[str, set[str]] = {name: set() for name in states}
    has_exit: set[str] = set()
    for t in spec.transitions:
        for source in t.source:
            if source in states:
                has_exit.add(source)
                if t.dest in states:
                    edges[source].add(t.dest)

    out: list[tuple[str, str]] = []
    if any(t.dest not in states or not set(t.source) <= set(states) for t in spec.transitions):
        # With a misspelt state the graph is wrong anyway; reachability problems
        # would only echo the "unknown state" ones. Dead ends are still meaningful.
        return [(f"states.{name}", _DEAD_END.format(name=name))
                for name, state in states.items() if not state.final and name not in has_exit]
    if spec.initial in states:
        reached = _closure([spec.initial], edges)
        for name in states:
            if name not in reached:
                out.append((f"states.{name}", f"state {name!r} cannot be reached from {spec.initial!r}"))

    reverse: dict[str, set[str]] = {name: set() for name in states}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    can_end = _closure(spec.final_states, reverse)
    for name, state in states.items():
        if state.final:
            continue
        if name not in has_exit:
            out.append((f"states.{name}", _DEAD_END.format(name=name)))
        elif name not in can_end:
            # Loops with no way out: cases would circle forever and never close.
            out.append((f"states.{name}", f"no path leads from {name!r} to a final state"))
    return out


def _closure(start: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
