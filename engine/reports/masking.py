"""Personal data in what leaves the application (exports, the audit pages).

* A tố cáo (denunciation) never carries its author's identity out of the app — not
  masked, not hashed: the law protects the denouncer (Luật Tố cáo 2018, Điều 47).
  Even the SHA-256 of the identity that the history chains is withheld (a phone
  number is guessable from its hash in seconds).
* Otherwise the citizen's contact is shown in full only to someone whose grant lets
  them handle the case anyway — an ``official`` or ``leader`` over its origin or
  handling unit. Anyone else (the Front's auditors, administrators, the command line
  acting as the system) sees initials and the last three digits of the phone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actors import Actor

__all__ = ["FULL", "MASKED", "WITHHELD", "CONFIDENTIAL_KINDS", "FULL_CONTACT_ROLES", "disclosure",
           "mask_name", "mask_phone", "Contact", "contact_for"]

FULL, MASKED, WITHHELD = "full", "masked", "withheld"
CONFIDENTIAL_KINDS = frozenset({"to_cao"})
FULL_CONTACT_ROLES = frozenset({"official", "leader"})
# Keys of an event's data that describe the citizen (engine.services.cases._creation_data).
IDENTITY_DATA_KEYS = ("citizen_sha256",)


def disclosure(actor: Actor, kind: str, origin_path: str, handling_path: str) -> str:
    if kind in CONFIDENTIAL_KINDS:
        return WITHHELD
    if not actor.is_system and actor.roles_over(origin_path, handling_path) & FULL_CONTACT_ROLES:
        return FULL
    return MASKED


def mask_name(name: str | None) -> str | None:
    """"Nguyễn Văn Dân" → "N.V.D." (initials, diacritics kept on the capital)."""
    if not name or not name.strip():
        return None
    return "".join(part[0].upper() + "." for part in name.split())


def mask_phone(phone: str | None) -> str | None:
    """"0901234567" → "*******567"."""
    if not phone:
        return None
    digits = [ch for ch in phone if ch.isdigit()]
    if len(digits) <= 3:
        return "*" * len(digits)
    return "*" * (len(digits) - 3) + "".join(digits[-3:])


@dataclass(frozen=True)
class Contact:
    disclosure: str
    name: str | None
    phone: str | None
    address: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"disclosure": self.disclosure, "name": self.name, "phone": self.phone, "address": self.address}


def contact_for(level: str, name: str | None, phone: str | None, address: str | None) -> Contact:
    if level == FULL:
        return Contact(FULL, name, phone, address)
    if level == MASKED:
        return Contact(MASKED, mask_name(name), mask_phone(phone), "***" if address else None)
    return Contact(WITHHELD, None, None, None)
