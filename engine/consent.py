"""Whether a message may go to a citizen: the one rule every surface and every channel asks.

A message about an opinion goes to the person who raised it only when
- a consent is recorded for the case, and the latest row (``citizen_consents`` is
  append-only) is a grant, not a withdrawal;
- for this purpose (``CASE_UPDATES``: news of how their opinion is handled —
  Decree 13/2023, Art. 11: consent is for a stated purpose) and on the channel agreed;
- and, for a denunciation, only when its author asked for messages themselves: the
  Law on Denunciation keeps the author's identity confidential
  (``engine.disclosure.is_confidential``), so a message that reaches them is their
  choice, never the default.
Fan-out asks it to create a delivery; every channel asks it again right before it
sends, so a withdrawal stops what has not gone yet.

The address is checked here too (a Vietnamese mobile number for SMS and Zalo, an
email address for email), once, for the web form, the API and Open311 alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .disclosure import is_confidential
from .errors import InvalidField
from .services.fields import optional_text

__all__ = ["CHANNELS", "CASE_UPDATES", "GIVEN", "WITHDRAWN", "ConsentInput", "CheckedConsent", "check_consent",
           "may_message", "normalise_mobile", "phone_tail_matches"]

CHANNELS = ("sms", "zalo", "email")
CASE_UPDATES = "case_updates"
GIVEN, WITHDRAWN = "given", "withdrawn"

# Vietnamese mobile numbers since the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
_MOBILE = re.compile(r"0[35789]\d{8}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+")


@dataclass(frozen=True)
class ConsentInput:
    """What the official typed at intake: the channel the citizen agreed to (None or
    "": no consent), the address for it, and for a denunciation whether its author
    asked for messages."""

    channel: str | None = None
    address: str | None = None
    author_requested: bool = False


@dataclass(frozen=True)
class CheckedConsent:
    channel: str
    address: str
    author_requested: bool
    purpose: str = CASE_UPDATES


def normalise_mobile(value: str) -> str | None:
    """"090 123.4567", "+84901234567" → "0901234567"; None if it is not a mobile number."""
    digits = re.sub(r"[\s.\-()]", "", value)
    if digits.startswith("+"):
        digits = digits[1:]
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None


def _refuse(field: str, vi: str, en: str) -> InvalidField:
    return InvalidField(field=field, problem_vi=vi, problem_en=en)


def check_consent(given: ConsentInput | None, case_kind: str | None) -> CheckedConsent | None:
    """The consent to record, None when none was given; refused with the field at fault."""
    if given is None or given.channel in (None, ""):
        if given is not None and given.address not in (None, ""):
            raise _refuse("consent_channel", "hãy chọn kênh nhận tin đã được người dân đồng ý",
                          "choose the channel the citizen agreed to")
        return None
    if not isinstance(given.channel, str) or given.channel not in CHANNELS:
        raise _refuse("consent_channel", "phải là sms, zalo hoặc email", "must be sms, zalo or email")
    # Control and bidirectional characters are refused as in any typed text (an email
    # header must not carry them either); what is left is checked as an address.
    raw = optional_text("consent_address", given.address) if isinstance(given.address, str) else None
    if not raw:
        raise _refuse("consent_address", "cần số điện thoại hoặc email để gửi tin",
                      "a phone number or email address is needed to send messages")
    if given.channel == "email":
        address: str | None = raw if len(raw) <= 254 and _EMAIL.fullmatch(raw) else None
        if address is None:
            raise _refuse("consent_address", "địa chỉ email không hợp lệ", "not an email address")
    else:
        address = normalise_mobile(raw) if len(raw) <= 32 else None
        if address is None:
            raise _refuse("consent_address", "không phải số di động Việt Nam (10 số, bắt đầu 03, 05, 07, 08, 09)",
                          "not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08, 09)")
    author_requested = given.author_requested is True
    if is_confidential(case_kind) and not author_requested:
        raise _refuse("consent_author_requested",
                      "với đơn tố cáo, chỉ gửi tin khi chính người tố cáo yêu cầu (đánh dấu ô này)",
                      "for a denunciation, messages only when its author asks for them (tick this box)")
    return CheckedConsent(channel=given.channel, address=address, author_requested=author_requested)


def may_message(latest: Any, *, case_kind: str | None, purpose: str = CASE_UPDATES,
                channel: str | None = None) -> bool:
    """May a message for ``purpose`` (over ``channel``, if given) go to the citizen whose
    case's latest consent row is ``latest`` (a ``CitizenConsent`` or None)?"""
    if latest is None or latest.action != GIVEN or latest.purpose != purpose:
        return False
    if latest.channel not in CHANNELS or not latest.address:
        return False
    if channel is not None and latest.channel != channel:
        return False
    if is_confidential(case_kind) and not latest.author_requested:
        return False
    return True


def phone_tail_matches(consent_address: str | None, citizen_phone: str | None, typed: Any) -> bool:
    """The tracking page's proof for a withdrawal without a PIN: the last four digits of
    the phone recorded (the consent's, else the case's), or the whole email address."""
    if not isinstance(typed, str):
        return False
    typed = typed.strip()
    for known in (consent_address, citizen_phone):
        if not known:
            continue
        if "@" in known:
            if typed.casefold() == known.casefold():
                return True
            continue
        digits = re.sub(r"\D", "", known)
        if len(digits) >= 4 and re.fullmatch(r"\d{4}", typed) and digits[-4:] == typed:
            return True
    return False
