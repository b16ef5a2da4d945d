"""The data a person gives with a trigger, checked against what the workflow asks.

Each field has a single meaning across programmes; this module turns raw input
(form fields, JSON, CLI options) into typed values and the event's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..codes import normalise_code
from ..errors import InvalidField, MissingField
from ..models import Case, Unit
from ..vocab import SATISFACTION
from ..workflow import TransitionSpec
from .fields import clean_text, is_blank, optional_text, parse_instant

__all__ = ["TransitionInput", "read_transition_input"]

UnitResolver = Callable[[Session, str, Any, datetime], Unit]


@dataclass
class TransitionInput:
    note: str = ""
    answer: str | None = None
    reason: str | None = None
    target_unit: Unit | None = None
    appointment: datetime | None = None
    satisfaction: str | None = None
    duplicate_of: Case | None = None

    def event_data(self, due: datetime | None) -> dict[str, Any]:
        data: dict[str, Any] = {"due_at": due.isoformat() if due else None}
        for name in ("answer", "reason", "satisfaction"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.target_unit is not None:
            data["target_unit"] = self.target_unit.code
        if self.appointment is not None:
            data["appointment"] = self.appointment.isoformat()
        if self.duplicate_of is not None:
            data["duplicate_of"] = self.duplicate_of.code
        return data


def read_transition_input(session: Session, actor: Actor, case: Case, t: TransitionSpec,
                          data: Mapping[str, Any], resolve_unit: UnitResolver, now: datetime) -> TransitionInput:
    if not isinstance(data, Mapping):
        raise InvalidField(field="data", problem_vi="phải là một đối tượng", problem_en="must be an object")
    accepted = set(t.requires) | set(t.optional) | {"note"}
    for name in data:
        if name not in accepted:
            raise InvalidField(field=str(name)[:40], problem_vi=f"không dùng cho thao tác “{t.trigger}”",
                               problem_en=f"is not accepted by “{t.trigger}”")
    for name in t.requires:
        if is_blank(data.get(name)):
            raise MissingField(field=name, trigger=t.trigger)
    given = {k: v for k, v in data.items() if not is_blank(v)}
    out = TransitionInput(note=optional_text("note", given.get("note")) or "")
    if "answer" in given:
        out.answer = clean_text("answer", given["answer"])
    if "reason" in given:
        out.reason = clean_text("reason", given["reason"])
    if "satisfaction" in given:
        if given["satisfaction"] not in SATISFACTION:
            raise InvalidField(field="satisfaction", problem_vi="phải là satisfied hoặc not_satisfied",
                               problem_en="must be satisfied or not_satisfied")
        out.satisfaction = given["satisfaction"]
    if "appointment" in given:
        out.appointment = parse_instant("appointment", given["appointment"])
        if out.appointment <= now:
            raise InvalidField(field="appointment", problem_vi="hẹn trả lời phải ở tương lai",
                               problem_en="the appointment must be in the future")
    if "target_unit" in given:
        target = resolve_unit(session, "target_unit", given["target_unit"], now)
        if target.id == case.handling_unit_id:
            raise InvalidField(field="target_unit", problem_vi="ý kiến đang ở chính đơn vị này",
                               problem_en="the case is already with this unit")
        out.target_unit = target
    if "duplicate_of" in given:
        out.duplicate_of = _original(session, actor, case, given["duplicate_of"])
    return out


def _original(session: Session, actor: Actor, case: Case, raw: Any) -> Case:
    code = normalise_code(raw) if isinstance(raw, str) else None
    other = session.scalar(select(Case).where(Case.code == code)) if code else None
    if other is None or not (actor.is_system or actor.covers(other.origin_unit.path, other.handling_unit.path)):
        raise InvalidField(field="duplicate_of", problem_vi="không tìm thấy ý kiến gốc", problem_en="no such case")
    # Follow merges to the surviving case so duplicates never form a chain.
    seen = {case.id}
    while other.duplicate_of_id is not None and other.id not in seen:
        seen.add(other.id)
        other = session.get(Case, other.duplicate_of_id)  # type: ignore[assignment]
    if other.id in seen:
        raise InvalidField(field="duplicate_of", problem_vi="không thể gộp ý kiến vào chính nó",
                           problem_en="a case cannot be merged into itself")
    return other
