"""Money and lengths as people type them, into integers.

Money is whole đồng. Accepted: an integer; digits grouped the Vietnamese way with
dots or spaces ("26.500.000", "26 500 000"); a number of "nghìn"/"ngàn", "triệu" or
"tỷ" with a decimal comma ("26,5 triệu", "2 tỷ"), optionally followed by "đồng"/"đ".
A result that is not a whole number of đồng is refused, and so are negative amounts
and anything over ``MAX_DONG`` (ten billion: no commune's gift, house or collection
comes near it, a typo of three extra zeros does). Floats are refused outright: a
float that reached here has already lost its exactness.

Lengths are typed in kilometres with a decimal comma or point ("46,3") and kept as
whole metres, at most ``MAX_KM``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import InvalidField

__all__ = ["MAX_DONG", "MAX_KM", "MAX_COUNT", "parse_dong", "parse_km", "parse_count", "format_dong", "format_km"]

MAX_DONG = 10_000_000_000
MAX_KM = 1_000
MAX_COUNT = 100_000

_SCALES = {"nghìn": 1_000, "nghin": 1_000, "ngàn": 1_000, "ngan": 1_000, "triệu": 1_000_000, "trieu": 1_000_000,
           "tr": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000, "ty": 1_000_000_000}
_GROUPED = re.compile(r"^\d{1,3}([. ]\d{3})+$")
_SCALED = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([^\d\s]+)$")


def _bad(field: str, vi: str, en: str) -> InvalidField:
    return InvalidField(field=field, problem_vi=vi, problem_en=en)


def _money_text(field: str, text: str) -> Decimal:
    raw = re.sub(r"\s*(đồng|đ|vnđ|vnd)$", "", text.strip().lower()).strip()
    if raw.isdigit():
        return Decimal(raw)
    if _GROUPED.match(raw):
        return Decimal(re.sub(r"[. ]", "", raw))
    scaled = _SCALED.match(raw)
    if scaled and scaled.group(2) in _SCALES:
        return Decimal(scaled.group(1).replace(",", ".")) * _SCALES[scaled.group(2)]
    raise _bad(field, "số tiền viết như 26.500.000 hoặc 26,5 triệu", "write an amount as 26.500.000 or 26,5 triệu")


def parse_dong(field: str, value: Any, *, positive: bool = False) -> int:
    """A whole, non-negative number of đồng (strictly positive with ``positive``)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise _bad(field, "số tiền phải là số nguyên đồng", "an amount must be a whole number of đồng")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str) and value.strip():
        if len(value) > 40:
            raise _bad(field, "số tiền quá dài", "the amount is too long")
        if value.strip().startswith("-"):
            raise _bad(field, "số tiền không được âm", "an amount may not be negative")
        amount = _money_text(field, value)
    elif value is None or (isinstance(value, str) and not value.strip()):
        if positive:
            raise _bad(field, "phải nhập số tiền", "an amount is required")
        return 0
    else:
        raise _bad(field, "số tiền không hợp lệ", "not an amount")
    if amount != amount.to_integral_value():
        raise _bad(field, "số tiền phải là số nguyên đồng", "an amount must be a whole number of đồng")
    if amount < 0:
        raise _bad(field, "số tiền không được âm", "an amount may not be negative")
    if positive and amount == 0:
        raise _bad(field, "số tiền phải lớn hơn 0", "the amount must be more than 0")
    if amount > MAX_DONG:
        raise _bad(field, "số tiền vượt quá 10 tỷ đồng: hãy kiểm tra lại", "more than 10 billion đồng: check it")
    return int(amount)


def parse_km(field: str, value: Any) -> int:
    """Kilometres as typed, in whole metres."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool) or isinstance(value, float):
        raise _bad(field, "độ dài ghi bằng số, ví dụ 46,3", "write the length as text or whole metres, e.g. 46,3")
    try:
        km = Decimal(value) if isinstance(value, int) else Decimal(str(value).strip().replace(",", ".")[:20])
    except InvalidOperation:
        raise _bad(field, "độ dài (km) không hợp lệ, ví dụ 46,3", "not a length in km, e.g. 46,3") from None
    if not km.is_finite() or km < 0 or km > MAX_KM:
        raise _bad(field, f"độ dài phải từ 0 đến {MAX_KM} km", f"the length must be 0 to {MAX_KM} km")
    metres = km * 1000
    if metres != metres.to_integral_value():
        raise _bad(field, "độ dài tính đến mét (3 chữ số thập phân)", "to the metre at most (3 decimals)")
    return int(metres)


def parse_count(field: str, value: Any, *, maximum: int = MAX_COUNT) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(field, "phải là số nguyên", "must be a whole number")
    if not 0 <= value <= maximum:
        raise _bad(field, f"phải từ 0 đến {maximum}", f"must be 0 to {maximum}")
    return value


def format_dong(amount: int) -> str:
    """26500000 → "26.500.000"."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(amount):,}".replace(",", ".")


def format_km(metres: int) -> str:
    """46300 → "46,3"."""
    text = f"{Decimal(metres) / 1000:f}".rstrip("0").rstrip(".") if metres % 1000 else str(metres // 1000)
    return text.replace(".", ",")
