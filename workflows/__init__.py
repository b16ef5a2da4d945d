"""The programmes shipped with nghedan, one YAML file each.

Deployments may point the application at another directory; these are the defaults
and the examples to copy. Only ``engine`` is imported here (see DESIGN.md layout).
"""

from __future__ import annotations

from pathlib import Path

from engine.workflow import Workflow, load_workflows

__all__ = ["BUILTIN_DIR", "load_builtin"]

BUILTIN_DIR = Path(__file__).parent


def load_builtin() -> dict[str, Workflow]:
    """Every built-in workflow by key; raises ``WorkflowDefinitionError`` listing all
    problems if a file is broken (a packaging bug, caught by the tests)."""
    return load_workflows(BUILTIN_DIR)
