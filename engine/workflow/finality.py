"""Which cases are closed: the one answer every surface (pages, API, Open311, CLI)
asks for, per (workflow, state), and the state names list queries use.

List queries select open or closed cases by state name alone, across programmes
(an index on ``state`` serves that; a (workflow, state) filter would not). That is
only right if a name closes a case in every programme that declares it or in none,
so :func:`finality_conflicts` is checked whenever workflows are loaded together.
"""

from __future__ import annotations

from typing import Collection, Mapping

from .machine import Workflow

__all__ = ["is_final", "is_open", "final_states", "finality_conflicts"]


def is_final(workflows: Mapping[str, Workflow], workflow: str, state: str) -> bool:
    """Whether a case of ``workflow`` in ``state`` is closed. An unknown workflow or
    state counts as open, as in list queries: such a case stays visible."""
    wf = workflows.get(workflow)
    return wf is not None and wf.is_final(state)


def is_open(workflows: Mapping[str, Workflow], workflow: str, state: str) -> bool:
    return not is_final(workflows, workflow, state)


def final_states(workflows: Mapping[str, Workflow]) -> list[str]:
    """The state names that close a case, for list queries (``CaseQuery.final_states``)."""
    return sorted({name for wf in workflows.values() for name in wf.spec.final_states})


def finality_conflicts(workflows: Mapping[str, Workflow],
                       newer: Collection[str] = ()) -> list[tuple[str, str, str]]:
    """``(workflow key, state, message)`` for every workflow that disagrees with the
    first one about whether a state name closes a case; the ``newer`` keys (the files
    being loaded) come last, so the problem is reported where it was just made."""
    first: dict[str, tuple[str, bool]] = {}
    out: list[tuple[str, str, str]] = []
    for key in sorted(workflows, key=lambda k: (k in newer, k)):
        for name, state in workflows[key].spec.states.items():
            seen = first.setdefault(name, (key, state.final))
            if seen[1] != state.final:
                out.append((key, name, (
                    f"state {name!r} is {'final' if state.final else 'not final'} here but "
                    f"{'final' if seen[1] else 'not final'} in workflow {seen[0]!r}: lists tell open from closed "
                    "cases by state name, so a name must close a case in every programme or in none; rename it")))
    return out
