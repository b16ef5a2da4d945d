"""Opaque keyset cursors: the position after the last row of a page.

A cursor is URL-safe base64 of a small JSON array naming the ordering it belongs
to and the sort key of the last row. It is not signed: it only says where to
continue, every page is still filtered by the actor's scope, and a forged cursor
can only skip rows the caller could have read anyway. Anything that does not
decode to the expected shape is an ``InvalidField`` on ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone
from typing import Any, Sequence

from .errors import InvalidField

__all__ = ["encode_cursor", "decode_cursor", "MAX_CURSOR"]

MAX_CURSOR = 200


def _bad() -> InvalidField:
    return InvalidField(field="cursor", problem_vi="con trỏ trang không hợp lệ (hãy dùng next_cursor đã nhận)",
                        problem_en="not a cursor this server gave out (use the next_cursor you received)")


def encode_cursor(order: str, key: Sequence[Any]) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps([order, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, shape: Sequence[type]) -> list[Any]:
    """The key stored in ``cursor`` for ``order``; each value converted to the type
    in ``shape`` (``datetime`` values must be ISO 8601 with an offset; ``None`` is
    allowed where the type is optional, spelled ``(type, None)``)."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR:
        raise _bad()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise _bad() from None
    if not isinstance(data, list) or len(data) != len(shape) + 1 or data[0] != order:
        raise _bad()
    out: list[Any] = []
    for value, kind in zip(data[1:], shape):
        out.append(_convert(value, kind))
    return out


def _convert(value: Any, kind: Any) -> Any:
    optional = isinstance(kind, tuple)
    base = kind[0] if optional else kind
    if value is None:
        if optional:
            return None
        raise _bad()
    if base is int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
            raise _bad()
        return value
    if base is datetime:
        if not isinstance(value, str) or len(value) > 40:
            raise _bad()
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _bad() from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise _bad()
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError:  # year 1 at +14:00 has no UTC instant
            raise _bad() from None
    raise TypeError(f"unsupported cursor type {kind!r}")
