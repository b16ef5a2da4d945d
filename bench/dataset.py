"""The one bulk loader every read-side benchmark uses: a province of COMMUNES x
VILLAGES with a leader and an official per commune, and cases received over 2026
up to NOW, as a year of real use would leave them.

Fates (deterministic per case number): 85 % resolved — on the spot or after
escalation, mostly on time, some only after an extension, some late —, 3 %
withdrawn, 12 % still open, half of those past their deadline. Each case gets its
creation event and its report facts (``case_facts``), and open cases their
deadline timers: future ones pending, past ones fired, as the sweep would have
left them. ``due_timers`` of the loaded cases instead carry a timer due now
(reminders, overdue alerts and auto-escalations), which is what the sweep
benchmark sweeps.

Everything is written with SQLAlchemy Core ``executemany`` (``insertmanyvalues``
with RETURNING for the case ids), so the loader works on SQLite and PostgreSQL
alike; hashes are placeholders (the chains are not what these benchmarks read).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Engine, insert, select

from engine.calendar import LOCAL_TZ
from engine.db import WRITE
from engine.models import Case, CaseEvent, CaseFacts, Meeting, RoleGrant, Timer, Unit, User
from engine.services import directory

__all__ = ["NOW", "YEAR_START", "LEADER", "OFFICIAL", "COMMUNES", "VILLAGES", "Province", "load_province",
           "load_cases", "load_meetings", "sweep_instants"]

NOW = datetime(2026, 12, 9, 2, 0, tzinfo=timezone.utc)  # Wed 09/12/2026 09:00 in Hà Nội
YEAR_START = datetime(2026, 1, 1, tzinfo=LOCAL_TZ)
COMMUNES, VILLAGES = 50, 10
CHUNK = 10_000
LEADER, OFFICIAL = "lb-leader", "lb-official"  # commune X00's; token-authenticated in the HTTP run
TOPICS = ("giao_thong", "dat_dai", "moi_truong", "an_sinh_xa_hoi", "an_ninh_trat_tu", "xay_dung", "y_te",
          "giao_duc", "nong_nghiep", "dien_nuoc", "nguoi_co_cong", "thu_tuc_hanh_chinh", "khac")
PROGRAMMES = ("nghe-dan-noi", "moi-tuan-mot-diem-den")
ZERO = "0" * 64


@dataclass
class Province:
    villages: list[int]  # ids, commune by commune
    x0_villages: set[int]
    x0_received: list[str] = field(default_factory=list)  # open cases the X00 leader may act on


def _tree_csv() -> str:
    lines = ["code,name,level,parent_code", "P,Tỉnh,province,"]
    for c in range(COMMUNES):
        lines.append(f"X{c:02d},Xã {c},commune,P")
        lines += [f"X{c:02d}-{v},Ấp {v},village,X{c:02d}" for v in range(VILLAGES)]
    return "\n".join(lines) + "\n"


def load_province(engine: Engine) -> Province:
    """Units through the directory service (it computes the paths); users and grants
    raw, with an unusable password (Argon2 for 100 users would cost a minute)."""
    from engine.db import make_session_factory

    with make_session_factory(engine)() as s, s.begin():
        directory.import_units(s, directory.read_units_csv(__import__("io").StringIO(_tree_csv())))
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        units = {code: uid for uid, code in conn.execute(select(Unit.id, Unit.code))}
        users = []
        for c in range(COMMUNES):
            for role in ("leader", "official"):
                name = {("X00", "leader"): LEADER, ("X00", "official"): OFFICIAL}.get((f"X{c:02d}", role),
                                                                                      f"u-{role}-{c:02d}")
                users.append(dict(username=name, full_name=name, password_hash="!", language="vi",
                                  is_active=True, created_at=NOW))
        ids = conn.execute(insert(User).returning(User.id, User.username, sort_by_parameter_order=True), users)
        grants = []
        for uid, name in ids:
            role = "leader" if "leader" in name else "official"
            commune = "X00" if name in (LEADER, OFFICIAL) else f"X{name[-2:]}"
            grants.append(dict(user_id=uid, role=role, unit_id=units[commune]))
        conn.execute(insert(RoleGrant), grants)
    villages = [units[f"X{c:02d}-{v}"] for c in range(COMMUNES) for v in range(VILLAGES)]
    return Province(villages, set(villages[:VILLAGES]))


def _due_rule(k: int) -> str:
    # 40 % reminders, 40 % overdue alerts, 20 % auto-escalations (the costly kind).
    return "auto_escalate" if k % 5 == 0 else ("remind" if k % 2 else "overdue")


def _case(i: int, rnd: random.Random, village: int, rule: str | None, group: int) -> tuple[dict[str, Any], dict[str, Any],
                                                                               list[tuple[str, datetime, str]]]:
    """One case's row, its facts and its timers (rule, due_at, status)."""
    span = (NOW - timedelta(days=1) - YEAR_START).total_seconds()
    received = YEAR_START + timedelta(seconds=rnd.random() * span)
    facts: dict[str, Any] = dict(on_site_at=None, escalated_at=None, resolved_at=None, closed_at=None, met_at=None,
                                 extended_at=None, missed_at=None, satisfaction=None, satisfaction_at=None)
    timers: list[tuple[str, datetime, str]] = []
    due: datetime | None = received + timedelta(days=14)
    fate = 1.0 if rule else rnd.random()
    if fate < 0.85:
        done = received + timedelta(days=rnd.uniform(0.1, 20))
        state, due = "resolved", None
        facts.update(resolved_at=done, closed_at=done, satisfaction_at=done,
                     satisfaction="satisfied" if rnd.random() < 0.9 else "not_satisfied")
        if rnd.random() < 0.55:
            facts["on_site_at"] = received + timedelta(minutes=30)
        else:
            facts["escalated_at"] = received + timedelta(days=1)
        outcome = rnd.random()
        facts["met_at" if outcome < 0.9 else "extended_at" if outcome < 0.95 else "missed_at"] = done
    elif fate < 0.88:
        state, due = "withdrawn", None
        facts["closed_at"] = received + timedelta(days=2)
    else:
        state = "received" if rule or rnd.random() < 0.7 else "escalated"
        if state == "escalated":
            facts["escalated_at"] = received + timedelta(days=1)
        if rule:
            due = NOW + {"remind": timedelta(days=2), "overdue": timedelta(days=-1)}.get(rule, timedelta(days=-6))
            received = min(received, due - timedelta(days=14))
            timers.append((rule, NOW + timedelta(hours=group, minutes=-30), "pending"))
        else:
            due = NOW + timedelta(days=rnd.choice((-40, -3, 5, 12)), minutes=i % 997)
            timers.append(("overdue", due + timedelta(seconds=1), "pending" if due > NOW else "fired"))
            timers.append(("auto_escalate", due + timedelta(days=3), "pending" if due > NOW else "fired"))
    code = f"LB-2026-{i:07d}"
    row = dict(code=code, workflow_key=PROGRAMMES[i % 7 == 0], state=state, kind="kien_nghi",
               topic=TOPICS[i % len(TOPICS)], channel="meeting", content=f"Ý kiến số {i}: đường hư hỏng",
               origin_unit_id=village, handling_unit_id=village, received_at=received, stage_started_at=received,
               due_at=due, created_at=received, updated_at=received, event_count=1, head_hash=ZERO, version=1,
               stage_seq=1)
    facts.update(origin_unit_id=village, workflow_key=row["workflow_key"], kind="kien_nghi", topic=row["topic"],
                 received_at=received, received_month=received.astimezone(LOCAL_TZ).strftime("%Y-%m"))
    return row, facts, timers


def sweep_instants(sweeps: int) -> list[datetime]:
    """When to sweep so that each sweep finds its own group of due timers."""
    return [NOW + timedelta(hours=g) for g in range(sweeps)]


def load_cases(engine: Engine, province: Province, start: int, stop: int, due_timers: int = 0,
               sweeps: int = 1) -> int:
    """Insert cases number ``start`` to ``stop - 1``; ``due_timers`` x ``sweeps`` of
    them, spread evenly, get a timer due half an hour before one of
    ``sweep_instants(sweeps)``. Returns the number of timers armed."""
    total = due_timers * sweeps
    step = max(1, (stop - start) // total) if total else 0
    armed = 0
    for first in range(start, stop, CHUNK):
        rnd = random.Random(first)
        rows, facts, timers = [], [], []
        for i in range(first, min(stop, first + CHUNK)):
            rule, group = None, 0
            if step and (i - start) % step == 0 and armed < total:
                rule, group, armed = _due_rule(armed // sweeps), armed % sweeps, armed + 1
            village = province.villages[(i if rule is None else armed) % len(province.villages)]
            row, fact, timer = _case(i, rnd, village, rule, group)
            rows.append(row)
            facts.append(fact)
            timers.append(timer)
            if row["state"] == "received" and village in province.x0_villages:
                province.x0_received.append(row["code"])
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            ids = [cid for cid, in conn.execute(insert(Case).returning(Case.id, sort_by_parameter_order=True), rows)]
            conn.execute(insert(CaseEvent), [dict(
                case_id=cid, seq=1, at=r["received_at"], actor=OFFICIAL, trigger="receive", from_state=None,
                to_state="received", note="", data={"due_at": r["due_at"].isoformat()} if r["due_at"] else {},
                prev_hash=ZERO, hash=ZERO) for cid, r in zip(ids, rows)])
            conn.execute(insert(CaseFacts), [dict(f, case_id=cid) for cid, f in zip(ids, facts)])
            timer_rows = [dict(case_id=cid, rule=rule, stage_seq=1, state="received", due_at=due, status=status,
                               created_at=r["received_at"], result="")
                          for cid, r, ts in zip(ids, rows, timers) for rule, due, status in ts]
            if timer_rows:
                conn.execute(insert(Timer), timer_rows)
    return armed


def load_meetings(engine: Engine, province: Province, n: int) -> None:
    """``n`` meetings over the year, the programmes' mix."""
    rows = [dict(programme=PROGRAMMES[i % 5 == 0], held_on=date(2026, 1 + i % 11, 1 + i % 28),
                 unit_id=province.villages[i % len(province.villages)], place="", hosts="", attendees=20 + i % 30,
                 created_at=NOW) for i in range(n)]
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(insert(Meeting), rows)
