"""The printed tables: each figure beside its baseline or target and its context."""

from __future__ import annotations

from typing import Any


def print_writes(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["name"]) for r in rows)
    base = max(len(r["baseline"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'nghedan/s':>10}  {'baseline/s':>10}  {'ratio':>6}  {'baseline':<{base}}")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['per_second']:>10.0f}  {r['baseline_per_second']:>10.0f}  "
              f"{r['ratio']:>6.2f}  {r['baseline']}")


def print_reads(reads: dict[str, Any]) -> None:
    load = reads["load"]
    print(f"\nbulk load (raw Core executemany): {load['cases']:,} cases in {load['seconds']:.1f} s "
          f"({load['per_second']:.0f}/s)")
    print_growth(reads["growth"])
    rows = reads["pages"] + reads["serving"]
    width = max(len(r["name"]) for r in rows)
    print(f"{'benchmark':<{width}}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'target':>9}  context")
    for r in reads["pages"]:
        print(f"{r['name']:<{width}}  {'':>7}  {r['p50_ms']:>7.1f}  {r['p99_ms']:>7.1f}  "
              f"{'p99<' + format(r['target_p99_ms'], '.0f'):>9}  {r['context']}")
    for r in reads["serving"]:
        if "mb" in r:
            print(f"{r['name']:<{width}}  {r['mb']:>7.0f} MB{'':>15}  {'<' + format(r['target_mb'], '.0f') + ' MB':>9}"
                  f"  {r['context']}")
        else:
            print(f"{r['name']:<{width}}  {r['per_second']:>7.0f}  {r['p50_ms']:>7.1f}  {r['p99_ms']:>7.1f}  "
                  f"{'':>9}  {r['context']}")
    print_scaling(reads["serving"])


def print_scaling(serving: list[dict[str, Any]]) -> None:
    """Throughput with two web processes over one, per endpoint."""
    by = {(r["name"].split(", serve")[0], r["workers"]): r["per_second"] for r in serving if "workers" in r}
    for name in dict.fromkeys(n for n, _ in by):
        if (name, 1) in by and (name, 2) in by and by[(name, 1)]:
            print(f"{name}: --workers 2 / --workers 1 = {by[(name, 2)] / by[(name, 1)]:.2f}")


def print_growth(steps: list[dict[str, Any]]) -> None:
    """The sweep and the report at each size, and the big-to-small ratio: the
    sweep's cost should follow its due timers (same count at both sizes)."""
    print(f"\n{'cases':>10}  {'MB':>6}  {'sweep s':>8}  {'CPU s':>6}  {'timers':>6}  {'stmts':>6}  "
          f"{'report s':>8}  {'province':>8}  {'JSON s':>6}")
    for s in steps:
        sw, rep = s["sweep"], s["report"]
        print(f"{s['cases']:>10,}  {s['mb']:>6.0f}  {sw['seconds']:>8.3f}  {sw['cpu']:>6.3f}  {sw['claimed']:>6}  "
              f"{sw['statements']:>6}  {rep['seconds']:>8.3f}  {s['province_report']['seconds']:>8.3f}  "
              f"{rep['json_seconds']:>6.3f}")
    print("(report: the whole country's year; province: one province's)")
    print("roll-ups folded after each load step: " + ", ".join(f"{s['rollup_seconds']:.1f} s" for s in steps))
    if len(steps) == 2:
        small, big = steps
        print(f"sweep time ratio {big['sweep']['seconds'] / small['sweep']['seconds']:.2f} (target < 2, "
              f"{big['sweep']['claimed']} timers due at each size; target < 1 s); "
              f"report {big['report']['seconds']:.3f} s (target < 1 s)")
