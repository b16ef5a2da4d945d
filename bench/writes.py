"""Ingest and transition throughput of the case service against raw Core inserts
and updates writing the same rows (case, event, report facts, outbox, deadline
timers) — the floor any service pays on top of, measured on the same database in
the same run. What the ratio prices is the service's own work: the checks, the
reads it decides from (the stage's history and timers, the calendar), the hash
chain and the ORM's unit of work."""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update

from engine import migrate
from engine.clock import FrozenClock
from engine.db import WRITE, make_engine, make_session_factory
from engine.deadline_rules.stages import LIVE
from engine.models import Case, CaseEvent, CaseFacts, OutboxMessage, Timer, Unit
from engine.models.rollups import COUNTERS, UPSERT, RollupDeadline
from engine.search_index import folded_content, index_rows
from engine.services import directory
from engine.services.cases import CaseService, NewCase
from engine.actors import Actor
from workflows import load_builtin

BATCH = 20  # one meeting's opinions
ROUNDS = 5
TREE = "code,name,level,parent_code\nBP,Tỉnh,province,\nBX,Xã,commune,BP\nBX1,Ấp 1,village,BX\nBXKT,Phòng,department,BX\n"


def _timed(work: Callable[[], int]) -> float:
    start = time.perf_counter()
    n = work()
    return n / (time.perf_counter() - start)


def _setup(url: str) -> tuple[Engine, CaseService, Actor]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    clock = FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))
    service = CaseService(sessions, load_builtin(), clock)
    import io
    with service.uow() as uow:
        directory.import_units(uow.session, directory.read_units_csv(io.StringIO(TREE)))
        user = directory.add_user(uow.session, "bench", "bench", now=clock.now())
        directory.grant_role(uow.session, user, "official", "BX")
        uow.commit()
    with sessions() as s:
        actor = directory.actor_for(s, "bench")
    return engine, service, actor


# The baselines' statements are built once and executed with parameters, the
# fastest way to write with Core (a new ``.values(...)`` per row would pay for
# building and cache-keying a statement each time).
INSERT_CASE_RETURNING = insert(Case).returning(Case.id)
INSERT_EVENT, INSERT_FACTS, INSERT_OUTBOX, INSERT_TIMER = (insert(CaseEvent), insert(CaseFacts),
                                                          insert(OutboxMessage), insert(Timer))
SELECT_VERSION = select(Case.version).where(Case.id == bindparam("cid"))
UPDATE_CASE = update(Case).where(Case.id == bindparam("cid"), Case.version == bindparam("old_version"))
UPDATE_FACTS = update(CaseFacts).where(CaseFacts.case_id == bindparam("cid")).values(
    on_site_at=func.coalesce(CaseFacts.on_site_at, bindparam("at")), met_at=func.coalesce(CaseFacts.met_at, bindparam("at")))
# The report roll-up (engine.models.rollups) and its open-deadline row, which the
# service writes in the same transaction: the same upsert, with the rows it sends.
UPSERT_ROLLUP = UPSERT  # the service's own constant upsert
INSERT_DEADLINE = insert(RollupDeadline)
DELETE_DEADLINE = delete(RollupDeadline).where(RollupDeadline.case_id == bindparam("cid"))
# The stage's live timers, as the service selects them: by case and stage, on the
# (case_id, rule, stage_seq) index. ``status = 'pending'`` alone would be planned on
# the sweep's (status, due_at) index and walk every pending timer in the database.
CANCEL_TIMERS = update(Timer).where(Timer.case_id == bindparam("cid"), Timer.stage_seq == bindparam("stage"),
                                    Timer.status.in_(LIVE))


# The search index's text (engine.search_index): a column on PostgreSQL (its trigram
# index follows it), a column and an FTS row on SQLite — both written by the service.
FOLDED = folded_content("Nội dung ý kiến")


def _case_row(code: str, unit_id: int, now: datetime, due: datetime) -> dict[str, Any]:
    return dict(code=code, workflow_key="nghe-dan-noi", state="received", kind="kien_nghi", topic="khac",
                channel="meeting", content="Nội dung ý kiến", content_folded=FOLDED, origin_unit_id=unit_id, handling_unit_id=unit_id,
                received_at=now, stage_started_at=now, due_at=due, created_at=now, updated_at=now, event_count=1,
                head_hash="0" * 64, version=1, stage_seq=1, identity_salt="5a" * 32)


def _rollup_rows(unit_ids: list[int], received: datetime, counts: list[tuple[datetime, str, str, int]],
                 scale: int = 1) -> list[dict[str, Any]]:
    """A case's roll-up rows under each unit above it: ``counts`` of (instant, grain,
    counter, +n), bucketed by the instant's local day ("d") or month ("m")."""
    from engine.calendar import LOCAL_TZ

    zero = dict.fromkeys(COUNTERS, 0)
    rows = []
    for uid in unit_ids:
        for at, grain, counter, n in counts:
            day = at.astimezone(LOCAL_TZ).date()
            rows.append({**zero, counter: n * scale, "unit_id": uid, "grain": grain,
                         "bucket": day.isoformat() if grain == "d" else f"{day:%Y-%m}",
                         "received_month": f"{received.astimezone(LOCAL_TZ):%Y-%m}", "topic": "khac",
                         "workflow_key": "nghe-dan-noi"})
    return rows


def _created_rollup(unit_ids: list[int], now: datetime, due: datetime, scale: int = 1) -> list[dict[str, Any]]:
    # received on the day and month it came in; overdue from the deadline's day and month
    return _rollup_rows(unit_ids, now, [(now, "d", "received", 1), (due, "d", "overdue_on", 1),
                                        (now, "m", "received", 1), (due, "m", "overdue_on", 1)], scale)


def _creation_rows(case_id: int, code: str, unit_id: int, now: datetime, due: datetime) -> tuple[Any, ...]:
    event = dict(case_id=case_id, seq=1, at=now, actor="bench", trigger="receive", from_state=None,
                 to_state="received", note="", data={"content": "Nội dung ý kiến"}, prev_hash="0" * 64,
                 hash=hashlib.sha256(json.dumps({"c": code}).encode()).hexdigest())
    facts = dict(origin_unit_id=unit_id, received_month=f"{now:%Y-%m}", topic="khac", workflow_key="nghe-dan-noi",
                 case_id=case_id, kind="kien_nghi", received_at=now)
    outbox = dict(dedup_key=f"case:{code}:event:1", kind="case.created", case_id=case_id, unit_id=unit_id,
                  payload={"code": code}, created_at=now, status="pending")
    timers = [dict(case_id=case_id, rule=rule, stage_seq=1, state="received", due_at=due, status="pending",
                   created_at=now, result="") for rule in ("remind", "overdue", "auto_escalate")]
    return event, facts, outbox, timers


def _raw_ingest_per_row(engine: Engine, n: int, unit_id: int, chain: list[int], now: datetime, tag: str) -> int:
    """The rows the service writes for each opinion — the case, its creation event,
    its report facts, its outbox message and its three deadline timers (remind,
    overdue, auto-escalate) —, one transaction per meeting and one statement per row,
    as the service issues them; no checks, no chain."""
    due = now + timedelta(days=14)
    rollup = _created_rollup(chain, now, due)
    for start in range(0, n, BATCH):
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            for i in range(start, min(start + BATCH, n)):
                code = f"RAW-{tag}-{i:07d}"
                case_id = conn.execute(INSERT_CASE_RETURNING, _case_row(code, unit_id, now, due)).scalar_one()
                event, facts, outbox, timers = _creation_rows(case_id, code, unit_id, now, due)
                conn.execute(INSERT_EVENT, event)
                conn.execute(INSERT_FACTS, facts)
                conn.execute(INSERT_OUTBOX, outbox)
                conn.execute(INSERT_TIMER, timers)
                conn.execute(INSERT_DEADLINE, {"case_id": case_id, "overdue_from": due})
                conn.execute(UPSERT_ROLLUP, rollup)
                index_rows(conn, [(case_id, FOLDED)])
    return n


def _raw_ingest_multirow(engine: Engine, n: int, unit_id: int, chain: list[int], now: datetime, tag: str) -> int:
    """The same rows, one transaction and one multi-row statement per table per
    meeting: the floor for writing them."""
    due = now + timedelta(days=14)
    for start in range(0, n, BATCH):
        codes = [f"RAW-{tag}-{i:07d}" for i in range(start, min(start + BATCH, n))]
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            ids = list(conn.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True),
                                    [_case_row(code, unit_id, now, due) for code in codes]).scalars())
            rows = [_creation_rows(cid, code, unit_id, now, due) for cid, code in zip(ids, codes)]
            conn.execute(INSERT_EVENT, [r[0] for r in rows])
            conn.execute(INSERT_FACTS, [r[1] for r in rows])
            conn.execute(INSERT_OUTBOX, [r[2] for r in rows])
            conn.execute(INSERT_TIMER, [t for r in rows for t in r[3]])
            conn.execute(INSERT_DEADLINE, [{"case_id": cid, "overdue_from": due} for cid in ids])
            # one row per key for the meeting: its opinions share unit, month and deadline
            conn.execute(UPSERT_ROLLUP, _created_rollup(chain, now, due, scale=len(ids)))
            index_rows(conn, [(cid, FOLDED) for cid in ids])
    return n


def _raw_transitions(engine: Engine, ids: list[int], chain: list[int], now: datetime) -> int:
    """Per answer on the spot, the rows the service writes: the case, the event, the
    report facts, the outbox message, the stage's timers cancelled and the next
    stage's two timers, the roll-up's counters moved and the open deadline's row."""
    old_due, new_due = now + timedelta(days=14), now + timedelta(days=10)
    # answered on the spot, on the day it came in; overdue from the new deadline, not the old
    rollup = _rollup_rows(chain, now, [(now, "d", "on_site", 1), (new_due, "d", "overdue_on", 1),
                                       (old_due, "d", "overdue_on", -1), (now, "m", "on_site", 1)])
    for case_id in ids:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            version = conn.execute(SELECT_VERSION, {"cid": case_id}).scalar_one()
            conn.execute(UPDATE_CASE, dict(
                cid=case_id, old_version=version, state="answered_on_site", answer="Đã trả lời", version=version + 1,
                event_count=2, updated_at=now, stage_seq=2, last_stage_outcome="met", last_stage_state="received",
                last_stage_ended_at=now))
            conn.execute(INSERT_EVENT, dict(
                case_id=case_id, seq=2, at=now, actor="bench", trigger="answer_on_site", from_state="received",
                to_state="answered_on_site", note="", data={"answer": "Đã trả lời"}, prev_hash="0" * 64, hash="1" * 64))
            conn.execute(UPDATE_FACTS, {"cid": case_id, "at": now})
            conn.execute(INSERT_OUTBOX, dict(dedup_key=f"raw:{case_id}:2", kind="case.transitioned", case_id=case_id,
                                             payload={}, created_at=now, status="pending"))
            conn.execute(CANCEL_TIMERS, {"cid": case_id, "stage": 1, "status": "cancelled", "result": "stage ended"})
            conn.execute(INSERT_TIMER, [dict(case_id=case_id, rule=rule, stage_seq=2, state="answered_on_site",
                                             due_at=now + timedelta(days=10), status="pending", created_at=now,
                                             result="") for rule in ("remind", "overdue")])
            conn.execute(DELETE_DEADLINE, {"cid": case_id})
            conn.execute(INSERT_DEADLINE, {"case_id": case_id, "overdue_from": new_due})
            conn.execute(UPSERT_ROLLUP, rollup)
    return len(ids)


def _interleaved(variants: dict[str, Callable[[int], int]], rounds: int) -> dict[str, float]:
    """Each variant's median rate over ``rounds`` rounds run in turn (A B C, A B C,
    ...), so a burst of load from elsewhere on a shared machine hits all of them."""
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(rounds):
        for name, work in variants.items():
            rates[name].append(_timed(lambda: work(r)))
    return {name: statistics.median(values) for name, values in rates.items()}


def run_write_benchmarks(url: str, scale: int) -> list[dict[str, Any]]:
    engine, service, actor = _setup(url)
    try:
        now = service.clock.now()
        with engine.connect() as conn:
            unit_id, path = conn.execute(select(Unit.id, Unit.path).where(Unit.code == "BX1")).one()
        chain = [int(p) for p in path.strip("/").split("/")]
        per_round = max(BATCH, scale // ROUNDS)
        item = NewCase(workflow="nghe-dan-noi", unit="BX1", topic="khac", kind="kien_nghi", content="Nội dung ý kiến")

        def ingest(_: int) -> int:
            for start in range(0, per_round, BATCH):
                service.create_many(actor, [item] * min(BATCH, per_round - start))
            return per_round

        # Warm every path once so none pays for imports and statement caches.
        _raw_ingest_per_row(engine, BATCH, unit_id, chain, now, "warm1")
        _raw_ingest_multirow(engine, BATCH, unit_id, chain, now, "warm2")
        service.create_many(actor, [item] * BATCH)
        ingest_rates = _interleaved({
            "per_row": lambda r: _raw_ingest_per_row(engine, per_round, unit_id, chain, now, f"row{r}"),
            "multirow": lambda r: _raw_ingest_multirow(engine, per_round, unit_id, chain, now, f"multi{r}"),
            "ours": ingest,
        }, ROUNDS)

        with engine.connect() as conn:
            raw_ids = list(conn.execute(select(Case.id).where(Case.code.like("RAW-row%")).order_by(Case.id)).scalars())
            codes = list(conn.execute(select(Case.code).where(Case.code.not_like("RAW-%"), Case.state == "received")
                                      .order_by(Case.id)).scalars())
        m = min(len(raw_ids), len(codes)) // ROUNDS

        def fire(r: int) -> int:
            for code in codes[r * m:(r + 1) * m]:
                service.fire(actor, code, "answer_on_site", {"answer": "Đã trả lời"})
            return m

        fire_rates = _interleaved({"raw": lambda r: _raw_transitions(engine, raw_ids[r * m:(r + 1) * m], chain, now),
                                   "ours": fire}, ROUNDS)
        ingest_name = f"ingest ({per_round * ROUNDS} cases, batches of {BATCH})"
        return [
            {"name": ingest_name, "per_second": ingest_rates["ours"], "baseline": "raw Core, one statement per row",
             "baseline_per_second": ingest_rates["per_row"], "ratio": ingest_rates["ours"] / ingest_rates["per_row"]},
            {"name": ingest_name, "per_second": ingest_rates["ours"], "baseline": "raw Core, one multi-row INSERT per table",
             "baseline_per_second": ingest_rates["multirow"],
             "ratio": ingest_rates["ours"] / ingest_rates["multirow"]},
            {"name": f"transitions ({m * ROUNDS}, one transaction each)", "per_second": fire_rates["ours"],
             "baseline": "raw Core, the same statements", "baseline_per_second": fire_rates["raw"],
             "ratio": fire_rates["ours"] / fire_rates["raw"]},
        ]
    finally:
        engine.dispose()
