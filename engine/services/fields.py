"""Input a person types: checked, trimmed and bounded before it reaches a case.

Every free-text field of every surface (API, pages, CLI, Open311, a meeting's
intake) passes ``clean_text``; the rule, decided once:

* control characters other than tab, newline and carriage return (C0, DEL, C1;
  NUL among them) are refused: they break exports and terminals, and PostgreSQL
  refuses NUL;
* bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
  are refused, not removed: they make stored text read differently from what it
  holds ("Trojan Source"), and silently dropping them would change what the
  person sees they typed. The direction marks U+200E, U+200F and U+061C are
  removed: invisible, harmless alone, and pasted in from other software;
* text is NFC-normalised, then trimmed of whitespace and invisible characters
  (zero-width and other format characters, NBSP, fillers) at both ends; what is
  left with nothing visible counts as empty. Inside the text, format characters
  stay (a zero-width joiner builds an emoji);
* lone surrogates are refused (not Unicode); lengths are bounded after cleaning.

Each workflow field has one meaning in the engine (``target_unit`` moves the case,
``answer`` records the answer, ...), so programmes choose fields, never code.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Mapping

from ..clock import ensure_utc
from ..errors import InvalidField

__all__ = ["LIMITS", "BIDI_CONTROLS", "BIDI_MARKS", "clean_text", "optional_text", "is_blank", "parse_instant",
           "clean_phone", "choice"]

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
    # support activities, the fund, home visits (engine.models.support)
    "description": 400,
    "donor": 200,
    "official": 200,
}

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
_MARKS = {ord(ch): None for ch in BIDI_MARKS}
# Letters that render as nothing (Hangul fillers, braille blank, the combining
# grapheme joiner): used to make a field look filled in.
_FILLERS = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")
# Refused: controls but tab, LF and CR; bidi embeddings, overrides, isolates; lone surrogates.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_PHONE = re.compile(r"^\+?[0-9 .\-]{6,20}$")


def _invisible(ch: str) -> bool:
    return ch.isspace() or ch in _FILLERS or unicodedata.category(ch) in ("Cf", "Cn", "Cc", "Zs", "Zl", "Zp")


def _refuse_hidden(field: str, text: str) -> None:
    found = _HIDDEN.search(text)
    if found is None:
        return
    point = ord(found.group())
    if chr(point) in BIDI_CONTROLS:
        raise InvalidField(field=field, problem_vi=(f"chứa ký tự điều khiển hướng chữ U+{point:04X}, làm văn bản "
                                                    "hiển thị khác với nội dung thật; hãy xóa ký tự đó"),
                           problem_en=(f"contains the bidirectional control U+{point:04X}, which makes text "
                                       "display differently from what it says; remove it"))
    if 0xD800 <= point <= 0xDFFF:
        raise InvalidField(field=field, problem_vi="chứa ký tự không hợp lệ (không phải Unicode)",
                           problem_en="contains an invalid character (not Unicode)")
    raise InvalidField(field=field, problem_vi=f"chứa ký tự điều khiển U+{point:04X}; hãy xóa ký tự đó",
                       problem_en=f"contains the control character U+{point:04X}; remove it")


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def is_blank(value: Any) -> bool:
    """No value, or text with nothing visible in it (the test every surface uses for
    "was this field filled in")."""
    return value is None or (isinstance(value, str) and not _trim(value))


def clean_text(field: str, value: Any, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidField(field=field, problem_vi="phải là chuỗi văn bản", problem_en="must be text")
    limit = LIMITS.get(field, 4_000)
    if len(value) > 4 * limit:  # not worth reading: far over the limit whatever cleaning removes
        raise InvalidField(field=field, problem_vi=f"dài quá {limit} ký tự", problem_en=f"longer than {limit} characters")
    _refuse_hidden(field, value)
    text = _trim(unicodedata.normalize("NFC", value.translate(_MARKS)))
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


# A value from a closed list (a kind, a topic, a capacity…), refused in the user's words.
def choice(field: str, value: Any, vocabulary: Mapping[str, Any]) -> str:
    if not isinstance(value, str) or value not in vocabulary:
        raise InvalidField(field=field, problem_vi=f"phải là một trong: {', '.join(vocabulary)}",
                           problem_en=f"must be one of: {', '.join(vocabulary)}")
    return value
