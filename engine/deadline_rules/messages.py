"""The outbox rows a fired deadline rule writes: one per recipient, never personal data.

The dedup key is the timer and the recipient, so however often a sweep is re-run
(after a crash, by two workers at once) a person is told about one stage's deadline
once. When nobody holds the role the rule names, one unaddressed row is written
instead of nothing: an overdue case nobody is told about is exactly what this
system exists to prevent, and administrators can see those rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar, deadline_parts
from ..deadlines import lateness
from ..models import Case, OutboxMessage, Timer
from ..vocab import TOPICS

__all__ = ["KIND_OF_RULE", "INFORMED", "alert_payload", "alert_rows", "write_alerts"]

KIND_OF_RULE = {"remind": "deadline.reminder", "overdue": "deadline.overdue", "auto_escalate": "deadline.escalated"}
INFORMED = "deadline.informed"

_TEXT = {
    "deadline.reminder": ("Ý kiến {code} ({topic_vi}) tại {unit_vi} sắp đến hạn xử lý: {due}.",
                          "Case {code} ({topic_en}) at {unit_en} is due soon: {due}."),
    "deadline.overdue": ("Ý kiến {code} ({topic_vi}) tại {unit_vi} đã quá hạn xử lý ({due}).",
                         "Case {code} ({topic_en}) at {unit_en} is overdue (due {due})."),
    "deadline.escalated": ("Ý kiến {code} ({topic_vi}) quá hạn {late} ngày làm việc, đã tự động chuyển lên {unit_vi}.",
                           "Case {code} ({topic_en}), {late} working days overdue, was escalated to {unit_en}."),
}


def alert_payload(case: Case, calendar: WorkingCalendar, now: datetime, timer: Timer,
                  due: datetime | None, **extra: Any) -> dict[str, Any]:
    """Codes, units, state and lateness only: names and phone numbers stay in the app."""
    return {
        "code": case.code, "workflow": case.workflow_key, "topic": case.topic, "kind": case.kind,
        "state": case.state, "origin_unit": case.origin_unit.code, "handling_unit": case.handling_unit.code,
        "due_at": due.isoformat() if due else None,
        "working_days_late": lateness(calendar, due, now) if due else 0,
        "rule": timer.rule, "stage": timer.stage_seq, "timer": timer.id, **extra,
    }


def _text(kind: str, case: Case, calendar: WorkingCalendar, payload: dict[str, Any]) -> dict[str, str]:
    vi, en = _TEXT.get(kind, _TEXT["deadline.overdue"])
    due = payload.get("due_at")
    values = {
        "code": case.code, "topic_vi": TOPICS.get(case.topic, (case.topic,) * 2)[0],
        "topic_en": TOPICS.get(case.topic, (case.topic,) * 2)[1],
        "unit_vi": case.handling_unit.name, "unit_en": case.handling_unit.name,
        "due": _due_text(datetime.fromisoformat(due), calendar) if due else "—",
        "late": payload.get("working_days_late", 0),
    }
    return {"vi": vi.format(**values), "en": en.format(**values)}


def alert_rows(case: Case, timer: Timer, kind: str, calendar: WorkingCalendar, payload: dict[str, Any],
               now: datetime, recipients: Sequence[int], informed: Sequence[int] = ()) -> list[dict[str, Any]]:
    """The outbox rows to insert (the sweep inserts a whole batch's rows at once)."""
    body = {**payload, "text": _text(kind, case, calendar, payload)}
    rows: list[tuple[str, str, int | None]] = [(f"timer:{timer.id}:user:{uid}", kind, uid) for uid in recipients]
    if not recipients:
        rows.append((f"timer:{timer.id}:unaddressed", kind, None))
    told = set(recipients)
    # The informed are told without being asked to act; whoever already got the
    # actionable message is not told twice.
    rows += [(f"timer:{timer.id}:user:{uid}", INFORMED, uid) for uid in informed if uid not in told]
    return [
        {"dedup_key": key, "kind": row_kind, "recipient_user_id": uid, "actor_user_id": None, "case_id": case.id,
         "unit_id": case.handling_unit.id, "created_at": now, "status": "pending", "processed_at": None,
         "payload": {**body, "unaddressed": True} if uid is None else body}
        for key, row_kind, uid in rows
    ]


def write_alerts(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(OutboxMessage), rows)


def _due_text(due: datetime, calendar: WorkingCalendar) -> str:
    # 24:00 (a Civil Code limit) belongs to the day before, as on the case page.
    clock, day = deadline_parts(due, calendar.tz)
    return f"{clock} {day:%d/%m/%Y}"
