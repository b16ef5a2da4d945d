"""Timeliness at the level that handled each stage ("đúng hạn theo cấp xử lý").

The cohort's timeliness (engine.reports.timeliness) judges an opinion as a whole: a
stage missed anywhere makes it late, in every unit's report that counts it. This
section answers the other question a higher level asks: *whose* stages were late.
Each deadline stage belongs to the unit that held the case while it ran, and that
unit to its administrative level (engine.escalation_direction.level_unit: a
village or department counts for its commune); the event that ends the stage
records both its outcome (``data.stage_outcome``) and that level
(``data.stage_level``, decided when the stage ends, so a later re-parenting does
not rewrite a past report). For the report's unit, only the stages its own level
held and ended before the status instant count, in the order of the cohort's rule:

* **late** — one of them was missed;
* **extended** — none missed, one met only thanks to an extension;
* **on time** — every one met.

So an opinion that went overdue at the commune and was answered on time at the
district counts once as late for the commune and once as on time for the district.
Stages that ended before ``stage_level`` was recorded (migration MIG) are not in
this section; the cohort's figures count them as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..escalation_direction import ADMINISTRATIVE_LEVELS
from ..models import CaseEvent, CaseFacts
from .coverage import covers

__all__ = ["LevelTimeliness", "level_timeliness", "RULE"]

RULE = (
    "Chỉ tính các bước xử lý có thời hạn do chính cấp này (và các phòng, ban, thôn, ấp trực thuộc) đảm nhận, "
    "đã kết thúc: trễ hạn nếu có bước trễ; đúng hạn sau gia hạn nếu không bước nào trễ nhưng có bước chỉ kịp nhờ "
    "gia hạn; còn lại là đúng hạn. Ý kiến quá hạn ở cấp xã rồi được cấp trên trả lời đúng hạn là trễ hạn ở cấp "
    "xã và đúng hạn ở cấp trên.",
    "Only the deadline stages this level itself held (with its departments and villages), once ended: late if one "
    "was late; on time after an extension if none was late but one was in time only thanks to an extension; on "
    "time otherwise. An opinion overdue at the commune and answered on time above counts as late for the commune "
    "and on time for the level above.",
)


@dataclass(frozen=True)
class LevelTimeliness:
    unit: str
    on_time: int = 0
    extended: int = 0
    late: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "on_time": self.on_time, "extended": self.extended, "late": self.late}


def level_timeliness(session: Session, scope: Any, period: Any, programme: str | None,
                     end: datetime) -> LevelTimeliness | None:
    """The section for the report's own unit, over the report's cohort (received in
    the period, raised in the scope's tree as it was): one aggregate over the events
    that ended a stage held at this level. None when the report's unit is not a
    commune, district or province."""
    unit = scope.unit
    if unit is None or unit.level not in ADMINISTRATIVE_LEVELS:
        return None
    f, e = CaseFacts, CaseEvent
    where = [covers(scope.coverage, f.origin_unit_id, f.received_at), f.received_at >= period.start_utc,
             f.received_at < period.end_utc]
    if programme:
        where.append(f.workflow_key == programme)
    outcome, level = e.data["stage_outcome"].as_string(), e.data["stage_level"].as_string()
    per_case = (select(e.case_id.label("case_id"),
                       func.max(case((outcome == "missed", 1), else_=0)).label("late"),
                       func.max(case((outcome == "met_after_extension", 1), else_=0)).label("extended"))
                .where(e.case_id.in_(select(f.case_id).where(*where)), level == unit.code, e.at < end)
                .group_by(e.case_id).subquery())
    late, extended = per_case.c.late, per_case.c.extended
    row = session.execute(select(
        func.count(), func.sum(late),
        func.sum(case((and_(late == 0, extended == 1), 1), else_=0)))).one()
    total, n_late, n_extended = (int(v or 0) for v in row)
    return LevelTimeliness(unit.code, on_time=total - n_late - n_extended, extended=n_extended, late=n_late)
