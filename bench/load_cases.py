"""Bulk-load a list-page database: a province of COMMUNES x VILLAGES (the sizes of
bench.bench_sweep), a leader and an official in commune X0, and ``n`` cases spread
over the villages in various states and deadlines, one event row each.

Units and users go through ``engine.services.directory`` (paths, password hashes);
cases and events are raw Core ``executemany`` inserts, so the same loader works on
SQLite and PostgreSQL (bench_sweep's loader writes with plain sqlite3).
"""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import Engine, insert, select

from engine.db import WRITE, make_session_factory
from engine.models import Case, CaseEvent, Unit
from engine.services import directory

from .bench_sweep import COMMUNES, NOW, VILLAGES

CHUNK = 5_000
LEADER, OFFICIAL = "lb-leader", "lb-official"
STATES = ("received", "received", "received", "escalated", "answered", "verified", "resolved", "answered_on_site")
TOPICS = ("giao_thong", "dat_dai", "moi_truong", "khac")


def _tree_csv() -> str:
    lines = ["code,name,level,parent_code", "LP,Tỉnh,province,"]
    for c in range(COMMUNES):
        lines.append(f"LX{c},Xã {c},commune,LP")
        lines += [f"LX{c}-{v},Ấp {v},village,LX{c}" for v in range(VILLAGES)]
    return "\n".join(lines) + "\n"


def load_directory(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as s, s.begin():
        directory.import_units(s, directory.read_units_csv(io.StringIO(_tree_csv())))
        for name, role in ((LEADER, "leader"), (OFFICIAL, "official")):
            directory.grant_role(s, directory.add_user(s, name, "bench-password", now=NOW), role, "LX0")


def load_cases(engine: Engine, n: int) -> list[str]:
    """Insert ``n`` cases (codes LB-2026-0000000...) and one event each; returns
    the codes of the ``received`` cases handled in commune X0's villages."""
    with engine.connect() as conn:
        villages = list(conn.execute(select(Unit.id, Unit.code).where(Unit.level == "village", Unit.code.like("LX%"))
                                     .order_by(Unit.id)))
    x0 = {uid for uid, code in villages if code.startswith("LX0-")}
    mine: list[str] = []
    for start in range(0, n, CHUNK):
        cases, states = [], {}
        for i in range(start, min(n, start + CHUNK)):
            village = villages[i % len(villages)][0]
            state = STATES[i % len(STATES)]
            received = NOW - timedelta(days=30, minutes=i % 40_000)
            due = None if i % 11 == 0 else NOW + timedelta(days=(i % 29) - 14, minutes=i % 997)
            code = f"LB-2026-{i:07d}"
            states[code] = state
            if state == "received" and village in x0:
                mine.append(code)
            cases.append(dict(code=code, workflow_key="nghe-dan-noi", state=state, kind="kien_nghi",
                              topic=TOPICS[i % len(TOPICS)], channel="meeting", content=f"Ý kiến số {i}: đường hư hỏng",
                              origin_unit_id=village, handling_unit_id=village, received_at=received,
                              stage_started_at=received, due_at=due, created_at=received, updated_at=received,
                              event_count=1, head_hash="0" * 64, version=1, stage_seq=1))
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            conn.execute(insert(Case), cases)
            ids = conn.execute(select(Case.id, Case.code, Case.received_at).where(
                Case.code.between(cases[0]["code"], cases[-1]["code"])))
            conn.execute(insert(CaseEvent), [dict(
                case_id=cid, seq=1, at=at, actor=OFFICIAL, trigger="receive", from_state=None, to_state=states[code],
                note="", data={}, prev_hash="0" * 64, hash="0" * 64) for cid, code, at in ids])
    return mine
