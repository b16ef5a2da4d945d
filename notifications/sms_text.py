"""One function that makes an SMS of a text and measures it: ``fit_sms``.

Brandname SMS in Vietnam is cheapest and reaches every handset in the GSM 7-bit
alphabet, so Vietnamese is sent without diacritics ("tiếp nhận" → "tiep nhan", đ → d),
as eSMS's ``IsUnicode=0`` expects. One segment holds 160 characters, each of several
153 (the rest is the concatenation header); the GSM extension characters
(``^{}\\[~]|€``) count twice. What still is not GSM after folding becomes "?", so the
count is the count the operator bills. Over ``max_segments`` the message is refused
(``TooLong``): a message cut in the middle could drop the code or the link.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["SmsText", "TooLong", "fold_vietnamese", "fit_sms", "SINGLE", "MULTI"]

SINGLE, MULTI = 160, 153
_GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€")


class TooLong(ValueError):
    def __init__(self, segments: int, limit: int) -> None:
        super().__init__(f"the message needs {segments} SMS segments, more than the {limit} allowed")
        self.segments, self.limit = segments, limit


@dataclass(frozen=True)
class SmsText:
    text: str
    units: int  # GSM septets
    segments: int


def fold_vietnamese(text: str) -> str:
    """Vietnamese without diacritics, in the GSM alphabet."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return "".join(ch if ch in _GSM_BASIC or ch in _GSM_EXTENDED else "?"
                   for ch in unicodedata.normalize("NFC", stripped))


def fit_sms(text: str, max_segments: int) -> SmsText:
    folded = fold_vietnamese(text)
    units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in folded)
    segments = 1 if units <= SINGLE else -(-units // MULTI)
    if segments > max_segments:
        raise TooLong(segments, max_segments)
    return SmsText(folded, units, segments)
