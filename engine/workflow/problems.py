"""What is wrong with a workflow definition, said so that a programme coordinator
can find it: file, line, dotted key and the problem in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

__all__ = ["Problem", "WorkflowDefinitionError"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file. ``key`` is a dotted path such as
    ``states.resolved.deadline``; empty when the problem concerns the whole file."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class WorkflowDefinitionError(Exception):
    """A definition (or a directory of them) cannot be used; ``problems`` lists why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
