"""Input a person types: checked, trimmed and bounded before it reaches a case.

Each workflow field has one meaning in the engine (``target_unit`` moves the case,
``answer`` records the answer, ...), so programmes choose fields, never code.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from ..clock import ensure_utc
from ..errors import InvalidField

__all__ = ["LIMITS", "clean_text", "optional_text", "parse_instant", "clean_phone"]

LIMITS = {
    "content": 10_000,
    "answer": 10_000,
    "reason": 4_000,
    "note": 4_000,
    "citizen_name": 200,
    "citizen_address": 300,
    "citizen_phone": 32,
    "place": 200,
    "hosts": 400,
}

# Control characters other than newline and tab have no place in an opinion and
# break CSV exports and terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 .\-]{6,20}$")


def clean_text(field: str, value: Any, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidField(field=field, problem_vi="phải là chuỗi văn bản", problem_en="must be text")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()
    limit = LIMITS.get(field, 4_000)
    if len(text) > limit:
        raise InvalidField(field=field, problem_vi=f"dài quá {limit} ký tự", problem_en=f"longer than {limit} characters")
    if required and not text:
        raise InvalidField(field=field, problem_vi="không được để trống", problem_en="must not be empty")
    return text


def optional_text(field: str, value: Any) -> str | None:
    return clean_text(field, value, required=False) or None


def clean_phone(value: Any) -> str | None:
    text = optional_text("citizen_phone", value)
    if text is not None and not _PHONE.match(text):
        raise InvalidField(field="citizen_phone", problem_vi="số điện thoại không hợp lệ",
                           problem_en="not a phone number")
    return text


def parse_instant(field: str, value: Any) -> datetime:
    """An aware datetime or an ISO 8601 string with an offset; naive input is refused
    because "14:00" means something different in Hà Nội and in UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InvalidField(field=field, problem_vi="thời điểm không đúng dạng ISO 8601",
                               problem_en="not an ISO 8601 date-time") from None
    if not isinstance(value, datetime):
        raise InvalidField(field=field, problem_vi="phải là thời điểm", problem_en="must be a date-time")
    try:
        return ensure_utc(value)
    except ValueError:
        raise InvalidField(field=field, problem_vi="thiếu múi giờ (ví dụ +07:00)",
                           problem_en="needs a time zone offset (e.g. +07:00)") from None
