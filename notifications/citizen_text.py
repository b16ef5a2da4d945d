"""What a message to the citizen says, in Vietnamese: one sentence per step.

Built only from ``engine.message_facts.citizen_facts`` (code, state, deadline,
appointment, the unit's name) and the tracking page's address. SMS folds it
(``sms_text``); Zalo sends the same facts as template parameters; email sends it as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from engine.calendar import LOCAL_TZ

from .content import parse_instant

__all__ = ["CitizenNotice", "STATUS_WORDS", "build_notice", "citizen_sentence", "citizen_text", "local_day"]

_SENTENCES = {
    "received": "Ý kiến của Ông/Bà đã được tiếp nhận, mã {code}{due}.",
    "answered": "Ý kiến mã {code} đã có kết quả trả lời.",
    "escalated": "Ý kiến mã {code} đã được chuyển đến {unit} để giải quyết{appointment}.",
    "extended": "Ý kiến mã {code} được gia hạn giải quyết{due}.",
    "resolved": "Ý kiến mã {code} đã được giải quyết xong.",
}
# What each step is called in a Zalo template's status parameter (at most 30 characters).
STATUS_WORDS = {"received": "Đã tiếp nhận", "answered": "Đã có kết quả trả lời", "escalated": "Đã chuyển xử lý",
                "extended": "Được gia hạn", "resolved": "Đã giải quyết xong"}


@dataclass(frozen=True)
class CitizenNotice:
    notice: str  # received | answered | escalated | extended | resolved
    code: str
    unit_name: str | None
    due: str | None  # dd/mm/yyyy, local
    appointment: str | None
    tracking_url: str


def local_day(value: Any) -> str | None:
    instant = parse_instant(value)
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y") if isinstance(instant, datetime) else None


def build_notice(notice: str, facts: Mapping[str, Any], unit_name: str | None, tracking_url: str) -> CitizenNotice:
    return CitizenNotice(notice=notice, code=str(facts.get("code") or ""), unit_name=unit_name,
                         due=local_day(facts.get("due_at")), appointment=local_day(facts.get("appointment")),
                         tracking_url=tracking_url)


def citizen_sentence(n: CitizenNotice) -> str:
    return _SENTENCES[n.notice].format(
        code=n.code, unit=n.unit_name or "cơ quan có thẩm quyền",
        due=f", hạn giải quyết {n.due}" if n.due else "",
        appointment=f", hẹn trả lời ngày {n.appointment}" if n.appointment else "")


def citizen_text(n: CitizenNotice) -> str:
    return f"{citizen_sentence(n)} Tra cứu: {n.tracking_url}"
