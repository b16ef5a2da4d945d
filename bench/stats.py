"""Percentiles of latency samples, shared by the in-process and HTTP benchmarks."""

from __future__ import annotations

import statistics


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) of ``samples`` (nearest rank for p99)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
