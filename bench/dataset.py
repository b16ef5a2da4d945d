"""The one bulk loader every read-side benchmark uses: a country of provinces,
communes and villages sized to the cases (``communes_for``), and cases received
over 2026 up to NOW, as a year of real use would leave them.

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

from sqlalchemy import Engine, bindparam, insert, update

from engine.calendar import LOCAL_TZ
from engine.db import WRITE
from engine.models import Case, CaseEvent, CaseFacts, Meeting, RoleGrant, Timer, Unit, User
from engine.models.rollups import RollupDeadline
from engine.search_index import folded_content, index_rows

__all__ = ["NOW", "YEAR_START", "LEADER", "OFFICIAL", "PROVINCE_LEADER", "COMMUNES_PER_PROVINCE", "VILLAGES",
           "communes_for", "Province", "load_province", "CONTENTS", "RARE",
           "load_cases", "load_meetings", "sweep_instants"]

NOW = datetime(2026, 12, 9, 2, 0, tzinfo=timezone.utc)  # Wed 09/12/2026 09:00 in Hà Nội
YEAR_START = datetime(2026, 1, 1, tzinfo=LOCAL_TZ)
COMMUNES_PER_PROVINCE, VILLAGES = 100, 10  # since 2025: 34 provinces, ~3,300 communes
CHUNK = 10_000
LEADER, OFFICIAL = "lb-leader", "lb-official"  # commune X0000's; token-authenticated in the HTTP run
PROVINCE_LEADER = "lb-province"  # province P00's
TOPICS = ("giao_thong", "dat_dai", "moi_truong", "an_sinh_xa_hoi", "an_ninh_trat_tu", "xay_dung", "y_te",
          "giao_duc", "nong_nghiep", "dien_nuoc", "nguoi_co_cong", "thu_tuc_hanh_chinh", "khac")
PROGRAMMES = ("nghe-dan-noi", "moi-tuan-mot-diem-den")
ZERO = "0" * 64
# What the cases say: a handful of everyday complaints (each ~1/8 of the cases, the
# search benchmark's common term) and a rare phrase in one case of RARE_EVERY.
CONTENTS = ("đường liên ấp hư hỏng nặng", "nước sinh hoạt bị đục, có mùi", "đèn chiếu sáng công cộng không sáng",
            "rác thải tồn đọng ven kênh", "chậm cấp giấy chứng nhận quyền sử dụng đất",
            "tiếng ồn karaoke ban đêm", "trợ cấp người cao tuổi chưa nhận", "cống thoát nước bị nghẹt")
RARE, RARE_EVERY = "sạt lở bờ sông Cổ Chiên", 997


@dataclass
class Province:
    """The loaded tree: every village's id, commune by commune, and commune X0000's."""

    villages: list[int]
    x0_villages: set[int]
    x0_received: list[str] = field(default_factory=list)  # open cases the X0000 leader may act on


def communes_for(n: int) -> int:
    """The country has about 3,300 communes for a million opinions a year (~300
    each): the tree grows with the cases, from one province of 100 communes."""
    return max(COMMUNES_PER_PROVINCE, min(3_300, n // 300))


def _insert_level(conn: Any, rows: list[dict[str, Any]], parent_paths: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Insert one level of the tree; paths need the new ids, so they follow."""
    ids = conn.execute(insert(Unit).returning(Unit.id, Unit.code, sort_by_parameter_order=True),
                       [{k: v for k, v in r.items() if k != "parent_code"} | {"path": ""} for r in rows]).all()
    out = {code: (uid, f"{parent_paths.get(r['parent_code'], '/')}{uid}/") for (uid, code), r in zip(ids, rows)}
    conn.execute(update(Unit).where(Unit.id == bindparam("uid")).values(path=bindparam("new_path")),
                 [dict(uid=uid, new_path=path) for uid, path in out.values()])
    return out


def load_province(engine: Engine, n: int) -> Province:
    """A country of provinces (P00...) of COMMUNES_PER_PROVINCE communes
    (X0000...) of VILLAGES villages each, ``communes_for(n)`` communes in all; a
    leader and an official per commune, a leader per province. Written with Core
    (36,000 units through the directory service would take minutes); users get an
    unusable password (the HTTP run signs in with an API token)."""
    communes = communes_for(n)
    provinces = -(-communes // COMMUNES_PER_PROVINCE)
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        paths: dict[str, str] = {}
        levels = [
            [dict(code=f"P{p:02d}", name=f"Tỉnh {p}", level="province", parent_code=None) for p in range(provinces)],
            [dict(code=f"X{c:04d}", name=f"Xã {c}", level="commune", parent_code=f"P{c // COMMUNES_PER_PROVINCE:02d}")
             for c in range(communes)],
            [dict(code=f"X{c:04d}-{v}", name=f"Ấp {v}", level="village", parent_code=f"X{c:04d}")
             for c in range(communes) for v in range(VILLAGES)],
        ]
        units: dict[str, int] = {}
        for rows in levels:
            for r in rows:
                r["parent_id"] = units.get(r["parent_code"])
            level = _insert_level(conn, rows, paths)
            paths.update({code: path for code, (_, path) in level.items()})
            units.update({code: uid for code, (uid, _) in level.items()})
        people = [(LEADER, "leader", "X0000"), (OFFICIAL, "official", "X0000"), (PROVINCE_LEADER, "leader", "P00")]
        people += [(f"u-{role}-{c:04d}", role, f"X{c:04d}") for c in range(1, communes) for role in ("leader", "official")]
        people += [(f"u-leader-p{p:02d}", "leader", f"P{p:02d}") for p in range(1, provinces)]
        ids = conn.execute(insert(User).returning(User.id, sort_by_parameter_order=True), [dict(
            username=name, full_name=name, password_hash="!", language="vi", is_active=True, created_at=NOW)
            for name, _, _ in people]).scalars().all()
        conn.execute(insert(RoleGrant), [dict(user_id=uid, role=role, unit_id=units[unit])
                                         for uid, (_, role, unit) in zip(ids, people)])
    villages = [units[f"X{c:04d}-{v}"] for c in range(communes) for v in range(VILLAGES)]
    return Province(villages, set(villages[:VILLAGES]))


def _due_rule(k: int) -> str:
    # 40 % reminders, 40 % overdue alerts, 20 % auto-escalations (the costly kind).
    return "auto_escalate" if k % 5 == 0 else ("remind" if k % 2 else "overdue")


def _case(i: int, total: int, rnd: random.Random, village: int, rule: str | None, group: int) -> tuple[dict[str, Any], dict[str, Any],
                                                                               list[tuple[str, datetime, str]]]:
    """One case's row, its facts and its timers (rule, due_at, status)."""
    # Cases are recorded in about the order they were heard: case i of ``total``
    # at its share of the year, typed in up to three days after the meeting.
    span = (NOW - timedelta(days=1) - YEAR_START).total_seconds()
    received = max(YEAR_START, YEAR_START + timedelta(seconds=span * i / total, days=-rnd.uniform(0, 3)))
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
    content = f"Ý kiến số {i}: {CONTENTS[i % len(CONTENTS)]}" + (f" ({RARE})" if i % RARE_EVERY == 0 else "")
    row = dict(code=code, workflow_key=PROGRAMMES[i % 7 == 0], state=state, kind="kien_nghi",
               topic=TOPICS[i % len(TOPICS)], channel="meeting", content=content, content_folded=folded_content(content),
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
               sweeps: int = 1, *, total_cases: int | None = None, first_group: int = 0) -> int:
    """Insert cases number ``start`` to ``stop - 1`` of ``total_cases`` (default
    ``stop``), received in that order over the year; ``due_timers`` x ``sweeps`` of
    them, spread evenly, get a timer due half an hour before one of
    ``sweep_instants(sweeps)`` (from the ``first_group``-th on). Returns the number
    of timers armed."""
    total_cases = total_cases or stop
    total = due_timers * sweeps
    step = max(1, (stop - start) // total) if total else 0
    armed = 0
    for first in range(start, stop, CHUNK):
        rnd = random.Random(first)
        rows, facts, timers = [], [], []
        for i in range(first, min(stop, first + CHUNK)):
            rule, group = None, 0
            if step and (i - start) % step == 0 and armed < total:
                rule, group, armed = _due_rule(armed // sweeps), first_group + armed % sweeps, armed + 1
            village = province.villages[(i if rule is None else armed) % len(province.villages)]
            row, fact, timer = _case(i, total_cases, rnd, village, rule, group)
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
            index_rows(conn, [(cid, r["content_folded"]) for cid, r in zip(ids, rows)])
            timer_rows = [dict(case_id=cid, rule=rule, stage_seq=1, state="received", due_at=due, status=status,
                               created_at=r["received_at"], result="")
                          for cid, r, ts in zip(ids, rows, timers) for rule, due, status in ts]
            if timer_rows:
                conn.execute(insert(Timer), timer_rows)
            # An open case's overdue interval begins at its deadline (engine.models.rollups);
            # the roll-up's counters themselves are folded afterwards (bench.reads).
            deadlines = [dict(case_id=cid, overdue_from=r["due_at"]) for cid, r in zip(ids, rows)
                         if r["due_at"] is not None and r["state"] in ("received", "escalated")]
            if deadlines:
                conn.execute(insert(RollupDeadline), deadlines)
    return armed


def load_meetings(engine: Engine, province: Province, n: int) -> None:
    """``n`` meetings over the year, the programmes' mix."""
    rows = [dict(programme=PROGRAMMES[i % 5 == 0], held_on=date(2026, 1 + i % 11, 1 + i % 28),
                 unit_id=province.villages[i % len(province.villages)], place="", hosts="", attendees=20 + i % 30,
                 created_at=NOW) for i in range(n)]
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        conn.execute(insert(Meeting), rows)
