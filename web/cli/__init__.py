"""The ``nghedan`` command line: set-up, administration, cases and audit."""

from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
