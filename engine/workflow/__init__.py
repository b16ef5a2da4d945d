"""Declarative workflows: programmes describe their states, deadlines and permitted
transitions in YAML; the engine validates them and runs them on a state machine.

Import from here, not from the submodules: they may be reorganised.
"""

from __future__ import annotations

from .finality import final_states, is_final, is_open
from .loader import OPEN_WILDCARD, load_workflow, load_workflows, parse_workflow, spec_problems
from .machine import RESERVED_TRIGGERS, StatefulModel, Workflow
from .problems import Problem, WorkflowDefinitionError
from .spec import (
    FIELDS,
    ROLES,
    DeadlineSpec,
    FieldName,
    Label,
    Role,
    StateSpec,
    TransitionSpec,
    WorkflowSpec,
)

__all__ = [
    "FIELDS",
    "OPEN_WILDCARD",
    "RESERVED_TRIGGERS",
    "ROLES",
    "DeadlineSpec",
    "FieldName",
    "Label",
    "Problem",
    "Role",
    "StateSpec",
    "StatefulModel",
    "TransitionSpec",
    "Workflow",
    "WorkflowDefinitionError",
    "WorkflowSpec",
    "final_states",
    "is_final",
    "is_open",
    "load_workflow",
    "load_workflows",
    "parse_workflow",
    "spec_problems",
]
