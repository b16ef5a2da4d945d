"""The one definition of "on time" (đúng hạn) every table of a report uses.

Only opinions resolved by the status instant are judged, and each falls in exactly
one class, so the three add up to *resolved*:

* **late** (trễ hạn) — some deadline stage of the case ended after its limit
  (``data.stage_outcome == "missed"``), *whichever* stage: an opinion answered on
  the spot but closed after the closing stage's limit is late;
* **extended** (đúng hạn sau gia hạn) — no stage missed, and at least one stage met
  only thanks to an accepted extension (gia hạn);
* **on time** (đúng hạn) — every stage met within its limit.

The outcome of each stage is the one the deadline engine froze into the event that
ended it; only stages ended before the status instant count. :func:`flags` is that
rule over the ``case_facts`` projection (SQL, for the aggregates), :func:`classify`
the same rule over one case's instants (for a single case, and for the tests), and
``RULE`` its wording, printed under every table that shows the figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_

__all__ = ["ON_TIME", "EXTENDED", "LATE", "RULE", "flags", "classify"]

ON_TIME: Literal["on_time"] = "on_time"
EXTENDED: Literal["extended"] = "extended"
LATE: Literal["late"] = "late"

RULE = (
    "Chỉ tính ý kiến đã giải quyết xong. Trễ hạn: có ít nhất một bước xử lý có thời hạn (kể cả bước khép lại "
    "ý kiến đã trả lời tại chỗ) kết thúc sau thời hạn. Đúng hạn sau gia hạn: không bước nào trễ, nhưng có bước "
    "chỉ kịp trong thời hạn đã được lãnh đạo gia hạn. Đúng hạn: mọi bước đều kết thúc trong thời hạn. "
    "Ba số cộng lại bằng số đã giải quyết xong.",
    "Resolved opinions only. Late: at least one stage with a limit (including closing an opinion answered on "
    "the spot) ended after its limit. On time after an extension: no stage late, but one was in time only "
    "thanks to an extension a leader accepted. On time: every stage ended within its limit. The three add up "
    "to the resolved opinions.",
)


def _before(column: Any, end: datetime) -> ColumnElement[bool]:
    return column < end


def _not_before(column: Any, end: datetime) -> ColumnElement[bool]:
    return or_(column.is_(None), column >= end)


def flags(f: Any, end: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    """(on time, extended, late) as conditions on a ``case_facts`` row, status at ``end``."""
    resolved = _before(f.resolved_at, end)
    late = and_(resolved, _before(f.missed_at, end))
    extended = and_(resolved, _not_before(f.missed_at, end), _before(f.extended_at, end))
    on_time = and_(resolved, _not_before(f.missed_at, end), _not_before(f.extended_at, end))
    return on_time, extended, late


def classify(resolved_at: datetime | None, extended_at: datetime | None, missed_at: datetime | None,
             end: datetime) -> str | None:
    """The class of one case at ``end`` (None: not resolved by then); the first
    instant a stage was met after an extension / missed, as ``case_facts`` keeps them."""
    if resolved_at is None or resolved_at >= end:
        return None
    if missed_at is not None and missed_at < end:
        return LATE
    if extended_at is not None and extended_at < end:
        return EXTENDED
    return ON_TIME
