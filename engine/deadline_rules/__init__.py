"""Deadlines that act: timers per stage, the sweep that fires them, escalation up the
unit tree, extensions and paused clocks.

The case service calls :mod:`.stages` on every transition (in its transaction);
the worker and ``nghedan sweep`` call :func:`sweep`. Nothing here commits except
the sweep's own batches, through the unit of work.
"""

from __future__ import annotations

from .extensions import EXTEND_ROLES, ExtensionRefused, extend_within
from .messages import INFORMED, KIND_OF_RULE
from .recipients import Recipients
from .stages import OUTCOMES, StageFacts, read_stage
from .sweep import DEFAULT_BATCH, SweepResult, claim_statement, sweep

__all__ = [
    "DEFAULT_BATCH", "EXTEND_ROLES", "ExtensionRefused", "INFORMED", "KIND_OF_RULE", "OUTCOMES",
    "Recipients", "StageFacts", "SweepResult", "claim_statement", "extend_within", "read_stage", "sweep",
]
