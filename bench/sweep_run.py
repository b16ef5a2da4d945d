"""The sweep benchmark (issue 19): 10,000 timers due at once — 40 % reminders,
40 % overdue alerts, 20 % auto-escalations — swept on a small database and again
once it holds 1,000,000 cases, each time against a raw Core baseline that claims
the same number of due timers on the same index and writes the same rows.

Each size arms two groups of due timers at two instants: the sweep fires the
first, the baseline the second (a timer fires once, so the two cannot share one).
The baseline runs after the sweep because it writes as many alert rows as the
sweep did (who is told is the sweep's business, not the floor's). Per batch of 200
the baseline claims the timers (the same statement as the sweep: ``status`` and
``due_at`` on the due-timer index, ``SKIP LOCKED`` on PostgreSQL), reads their
cases by id, marks the timers fired, writes the alert rows and, for each
escalation, the case's UPDATE (version checked), its event, its report facts, the
stage's timers cancelled, the next stage's two timers, the event's outbox row, the
report roll-up's counters and the open overdue interval's row.

``python -m bench.sweep_run`` runs it alone (``BENCH_SWEEP_CASES``: the big size,
default 1,000,000; ``BENCH_DATABASE_URL`` as for ``python -m bench``)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, insert, literal_column, select, update

from engine import migrate
from engine.db import WRITE, make_engine
from engine.deadline_rules.stages import LIVE
from engine.deadline_rules.sweep import claim_statement
from engine.calendar import LOCAL_TZ
from engine.models import Case, CaseEvent, CaseFacts, OutboxMessage, Timer, Unit
from engine.models.rollups import COUNTERS, KEY, RollupDeadline

from .dataset import load_province, load_cases, sweep_instants
from .reads import _analyze, database_mb
from .sweep import BATCH, timed_sweep
from .writes import UPSERT_ROLLUP

__all__ = ["run_sweep_benchmark", "raw_sweep"]

DUE = 10_000
SMALL = 2 * DUE  # every case of the small database carries one of the two groups' timers

_CASES = (select(Case.id, Case.code, Case.state, Case.stage_seq, Case.event_count, Case.version,
                 Case.handling_unit_id, CaseFacts.received_month, CaseFacts.topic, Case.workflow_key,
                 Unit.path.label("origin_path"))
          .join(CaseFacts, CaseFacts.case_id == Case.id).join(Unit, Unit.id == Case.origin_unit_id)
          .where(Case.id.in_(bindparam("ids", expanding=True))))
_FIRE = update(Timer).where(Timer.id == bindparam("tid")).values(status="fired", fired_at=bindparam("at"),
                                                                 result=bindparam("why"))
_ESCALATE = update(Case).where(Case.id == bindparam("cid"), Case.version == bindparam("old_version")).values(
    state="escalated", version=bindparam("new_version"), event_count=bindparam("seq"), stage_seq=bindparam("seq"),
    due_at=bindparam("due"), stage_started_at=bindparam("at"), updated_at=bindparam("at"),
    head_hash=bindparam("hash"), last_stage_outcome="missed", last_stage_state=bindparam("old_state"),
    last_stage_ended_at=bindparam("at"))
_FACTS = update(CaseFacts).where(CaseFacts.case_id == bindparam("cid")).values(
    escalated_at=func.coalesce(CaseFacts.escalated_at, bindparam("at")),
    missed_at=func.coalesce(CaseFacts.missed_at, bindparam("at")))
# The live statuses inline: an executemany cannot expand an IN list.
_CANCEL = update(Timer).where(Timer.case_id == bindparam("cid"), Timer.stage_seq == bindparam("stage"),
                              Timer.status.in_([literal_column(f"'{s}'") for s in LIVE])).values(
    status="cancelled", result="stage ended")
_EVENT, _OUTBOX, _TIMER = insert(CaseEvent), insert(OutboxMessage), insert(Timer)
_DEADLINE_OFF = delete(RollupDeadline).where(RollupDeadline.case_id == bindparam("cid"))
_DEADLINE_ON = insert(RollupDeadline)


def _escalation_rollup(cases: list[Any], now: datetime, due: datetime) -> list[dict[str, Any]]:
    """The roll-up rows of a batch's escalations, one per key: under each unit above
    the origin, by day and by month — escalated (across: village to commune) and the
    old overdue interval ended now, the new one from the new deadline."""
    zero = dict.fromkeys(COUNTERS, 0)
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for c in cases:
        for uid in (int(p) for p in c.origin_path.strip("/").split("/")):
            for at, names in ((now, ("escalated", "across", "overdue_off")), (due, ("overdue_on",))):
                day = at.astimezone(LOCAL_TZ).date()
                for grain, bucket in (("d", day.isoformat()), ("m", f"{day:%Y-%m}")):
                    key = (uid, grain, c.received_month, bucket, c.topic, c.workflow_key)
                    row = merged.setdefault(key, {**zero, **dict(zip(KEY, key))})
                    for name in names:
                        row[name] += 1
    return list(merged.values())


def raw_sweep(engine: Engine, now: datetime, alerts: int, tag: str) -> dict[str, Any]:
    """Fire every timer due at ``now`` with constant Core statements, writing
    ``alerts`` alert rows in all (spread over the fired timers)."""
    dialect, fired, written = engine.dialect.name, 0, 0
    started = time.perf_counter()
    while True:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            timers = conn.execute(claim_statement(now, BATCH, dialect).with_only_columns(
                Timer.id, Timer.case_id, Timer.rule)).all()
            if not timers:
                break
            cases = {c.id: c for c in conn.execute(_CASES, {"ids": sorted({t.case_id for t in timers})})}
            share = [alerts * (fired + k + 1) // DUE - alerts * (fired + k) // DUE for k in range(len(timers))]
            conn.execute(_FIRE, [dict(tid=t.id, at=now, why=f"{n} messages") for t, n in zip(timers, share)])
            outbox = [dict(dedup_key=f"raw:{tag}:{t.id}:{k}", kind="deadline.alert", recipient_user_id=None,
                           case_id=t.case_id, unit_id=cases[t.case_id].handling_unit_id,
                           payload={"code": cases[t.case_id].code, "rule": t.rule}, created_at=now, status="pending")
                      for t, n in zip(timers, share) for k in range(n)]
            escalated = [cases[t.case_id] for t in timers if t.rule == "auto_escalate"]
            if escalated:
                due = now + timedelta(days=10)
                conn.execute(_ESCALATE, [dict(cid=c.id, old_version=c.version, new_version=c.version + 1,
                                              seq=c.event_count + 1, due=due, at=now, hash="1" * 64,
                                              old_state=c.state) for c in escalated])
                conn.execute(_EVENT, [dict(case_id=c.id, seq=c.event_count + 1, at=now, actor="system",
                                           trigger="auto_escalate", from_state=c.state, to_state="escalated", note="",
                                           data={"due_at": due.isoformat()}, prev_hash="0" * 64, hash="1" * 64)
                                      for c in escalated])
                conn.execute(_FACTS, [dict(cid=c.id, at=now) for c in escalated])
                conn.execute(_CANCEL, [dict(cid=c.id, stage=c.stage_seq) for c in escalated])
                conn.execute(_DEADLINE_OFF, [dict(cid=c.id) for c in escalated])
                conn.execute(_DEADLINE_ON, [dict(case_id=c.id, overdue_from=due) for c in escalated])
                conn.execute(UPSERT_ROLLUP, _escalation_rollup(escalated, now, due))
                conn.execute(_TIMER, [dict(case_id=c.id, rule=rule, stage_seq=c.event_count + 1, state="escalated",
                                           due_at=due, status="pending", created_at=now, result="")
                                      for c in escalated for rule in ("overdue", "auto_escalate")])
                outbox += [dict(dedup_key=f"raw:{tag}:case:{c.id}", kind="case.transitioned", recipient_user_id=None,
                                case_id=c.id, unit_id=c.handling_unit_id, payload={"code": c.code}, created_at=now,
                                status="pending") for c in escalated]
            if outbox:
                conn.execute(_OUTBOX, outbox)
            fired, written = fired + len(timers), written + len(outbox)
        if len(timers) < BATCH:
            break
    return {"seconds": time.perf_counter() - started, "claimed": fired, "rows": written}


def _claim_plan(engine: Engine, now: datetime) -> str:
    stmt = claim_statement(now, BATCH, engine.dialect.name).compile(engine)
    params = stmt.construct_params()
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN " + str(stmt), params).all()
        else:
            values = tuple(params[name] for name in stmt.positiontup or ())
            values = tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in values)
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(stmt), values).all()
    return " | ".join(str(r[-1]) for r in rows)


def _step(engine: Engine, cases: int, first_group: int) -> dict[str, Any]:
    ours_at, raw_at = sweep_instants(first_group + 2)[first_group:]
    ours = timed_sweep(engine, ours_at)
    raw = raw_sweep(engine, raw_at, ours["messages"], f"g{first_group}")
    return {"cases": cases, "mb": database_mb(engine), "ours": ours, "raw": raw,
            "timers_per_second": ours["claimed"] / ours["seconds"],
            "raw_timers_per_second": raw["claimed"] / raw["seconds"],
            "ratio": (ours["claimed"] / ours["seconds"]) / (raw["claimed"] / raw["seconds"]),
            "claim_plan": _claim_plan(engine, ours_at)}


def run_sweep_benchmark(url: str, big: int) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        province = load_province(engine, big)
        load_cases(engine, province, 0, SMALL, due_timers=DUE, sweeps=2, total_cases=max(big, SMALL))
        _analyze(engine)
        steps = [_step(engine, SMALL, 0)]
        if big > SMALL:
            started = time.perf_counter()
            load_cases(engine, province, SMALL, big, due_timers=DUE, sweeps=2, total_cases=big, first_group=2)
            _analyze(engine)
            load_seconds = time.perf_counter() - started
            steps.append(_step(engine, big, 2) | {"load_seconds": load_seconds})
        out: dict[str, Any] = {"steps": steps}
        if len(steps) == 2:
            out["time_ratio"] = steps[1]["ours"]["seconds"] / steps[0]["ours"]["seconds"]
        return out
    finally:
        engine.dispose()


def print_sweep(result: dict[str, Any]) -> None:
    print(f"\n{'cases':>10}  {'MB':>6}  {'timers':>6}  {'sweep s':>8}  {'timers/s':>8}  {'raw s':>7}  "
          f"{'raw/s':>7}  {'ratio':>5}  {'stmts':>6}  {'messages':>8}")
    for s in result["steps"]:
        o, r = s["ours"], s["raw"]
        print(f"{s['cases']:>10,}  {s['mb']:>6.0f}  {o['claimed']:>6}  {o['seconds']:>8.2f}  "
              f"{s['timers_per_second']:>8.0f}  {r['seconds']:>7.2f}  {s['raw_timers_per_second']:>7.0f}  "
              f"{s['ratio']:>5.2f}  {o['statements']:>6}  {o['messages']:>8}")
        print(f"  claim plan: {s['claim_plan']}")
    if "time_ratio" in result:
        print(f"sweep time ratio big/small {result['time_ratio']:.2f} (target < 1.5); ratio to raw target >= 0.5")


def main() -> int:
    big = int(os.environ.get("BENCH_SWEEP_CASES") or 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_sweep_benchmark(os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/sweep.db", big)
    print_sweep(result)
    print(json.dumps(result, default=str), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
