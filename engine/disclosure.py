"""Who may see what of a citizen: the one rule every surface asks.

The law this follows:

* **A denouncer** (tố cáo). The Law on Denunciation 2018 (Luật Tố cáo, Điều 9 khoản 1
  điểm b and Điều 47) makes the person who resolves a denunciation, and the agency
  handling it, keep the denouncer's name, address and anything that identifies them
  confidential. Here that is the leaders over the unit that *now* handles the case
  (after an escalation, the new unit's leaders and no longer the old one's); nobody
  else sees who it is — not the officials, not the origin unit, not the Front's
  auditors, not an administrator. Even those leaders see it only inside the
  application: no export, notification, webhook, Open311 read, public page or log line
  carries it, masked or not.
* **Everyone else's personal data** (Decree 13/2023/NĐ-CP and the Law on Personal Data
  Protection in force since 1 January 2026: the minimum a role needs). Officials and
  leaders over the case's origin or handling unit answer the citizen and may call
  back: they see the full contact in the application. Auditors (the Front) and
  administrators supervise the handling, not the person: initials and the last three
  digits of the phone. A file that leaves the application is a copy outside any access
  control, so an export never carries more than the masked contact.
* Whoever cannot see the case (another commune, the public) sees no identity at all.

``disclosure`` is the decision; ``contact_for`` applies it. The case service hands
out snapshots already filtered by them; exports, pages, the API, notifications and
Open311 hold no rule of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actors import Actor

__all__ = ["FULL", "MASKED", "WITHHELD", "SHOW", "EXPORT", "is_confidential", "disclosure", "mask_name",
           "mask_phone", "Contact", "contact_for", "NOBODY", "PUBLIC", "CITIZEN", "case_fields", "publicly_listed",
           "files_disclosed", "beneficiaries_for", "identity_grants",
           "CONFIDENTIAL_KINDS"]

FULL, MASKED, WITHHELD = "full", "masked", "withheld"
# Where the identity would go: a page or API answer inside the application, or a
# file / message that leaves it.
SHOW, EXPORT = "show", "export"

_CONFIDENTIAL_KINDS = frozenset({"to_cao"})
CONFIDENTIAL_KINDS = _CONFIDENTIAL_KINDS
# A team member mediates between the parties and must be able to call them back; a
# denunciation's author stays the handling leaders' alone (the rule above).
_HANDLING_ROLES = frozenset({"official", "leader", "member"})
_RESOLVER_ROLE = "leader"


def is_confidential(kind: str | None) -> bool:
    """Is the author of an opinion of this kind protected by law (a denunciation)?"""
    return kind in _CONFIDENTIAL_KINDS


def disclosure(actor: Actor, kind: str, origin_path: str, handling_path: str, *, purpose: str = SHOW) -> str:
    """How much of the citizen's identity ``actor`` may see, for ``purpose``.

    The paths are the units' ``path`` ("/1/4/9/"). The system actor (the command
    line, the sweep) is nobody in particular: it gets what an export gets.
    """
    if purpose not in (SHOW, EXPORT):
        raise ValueError(f"unknown purpose {purpose!r}")
    inside = purpose == SHOW and not actor.is_system
    if is_confidential(kind):
        return FULL if inside and _RESOLVER_ROLE in actor.roles_over(handling_path) else WITHHELD
    if not actor.is_system and not actor.covers(origin_path, handling_path):
        return WITHHELD
    if inside and actor.roles_over(origin_path, handling_path) & _HANDLING_ROLES:
        return FULL
    return MASKED


def identity_grants(actor: Actor) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Where ``disclosure`` gives ``actor`` the identity in full, as unit paths: an
    ordinary citizen's over a case whose origin *or* handling unit lies under the
    first; a denouncer's over a case whose *handling* unit lies under the second.
    What searching by a citizen's name or phone may reach (``engine.citizen_search``)
    — finding a case by who raised it tells who raised it."""
    if actor.is_system:
        return (), ()  # nobody in particular: what an export gets, never the identity in full
    ordinary = tuple(sorted({g.unit_path for g in actor.grants if g.role in _HANDLING_ROLES}))
    resolving = tuple(sorted({g.unit_path for g in actor.grants if g.role == _RESOLVER_ROLE}))
    return ordinary, resolving


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
    """The citizen as one reader may see them."""

    disclosure: str
    name: str | None
    phone: str | None
    address: str | None

    @property
    def withheld(self) -> bool:
        return self.disclosure == WITHHELD

    @property
    def anonymous(self) -> bool:
        return not self.withheld and not (self.name or self.phone or self.address)

    def as_dict(self) -> dict[str, str | None]:
        return {"disclosure": self.disclosure, "name": self.name, "phone": self.phone, "address": self.address}


NOBODY = Contact(WITHHELD, None, None, None)


def contact_for(level: str, name: str | None, phone: str | None, address: str | None) -> Contact:
    if level == FULL:
        return Contact(FULL, name, phone, address)
    if level == MASKED:
        return Contact(MASKED, mask_name(name), mask_phone(phone), "***" if address else None)
    return NOBODY


# -- readers outside the application ------------------------------------------------
#
# The public (anyone with a tracking code: the tracking page without a PIN, Open311
# without an api_key) and the citizen who holds the receipt's PIN. Neither ever sees
# anyone's identity, not even their own (a PIN can be lost with the paper). The public
# sees where the case stands; the opinion's text may name people, and the answer is
# given to the person who asked, so both need the PIN.
PUBLIC, CITIZEN = "public", "citizen"
_PUBLIC_FIELDS = frozenset({"code", "workflow", "state", "kind", "topic", "received_at", "updated_at", "due_at",
                            "appointment_at", "handling_unit", "steps", "late_days"})
_CITIZEN_FIELDS = _PUBLIC_FIELDS | {"content", "answer", "rating"}


def case_fields(reader: str) -> frozenset[str]:
    """The fields of a case ``reader`` (``PUBLIC`` or ``CITIZEN``) may be shown."""
    if reader == PUBLIC:
        return _PUBLIC_FIELDS
    if reader == CITIZEN:
        return _CITIZEN_FIELDS
    raise ValueError(f"unknown reader {reader!r}")


def publicly_listed(kind: str | None) -> bool:
    """May a case of this kind appear in a public list (Open311 without a key)? A
    denunciation is read only by whoever holds its code: a list would show that one
    was made, against which unit and when."""
    return not is_confidential(kind)


def files_disclosed(actor: Actor, kind: str, origin_path: str, handling_path: str) -> bool:
    """May ``actor`` see (list, download) the case's files, inside the application?

    A photo or a letter can identify whoever handed it over, so a denunciation's files
    follow its author's identity: only those who see that in full. Anyone else's
    follow the case: whoever may see it (the Front included: its supervision needs
    the evidence). No file ever leaves through an export, a message or a public page.
    """
    if actor.is_system:
        return True  # the command line's audit re-hashes every file
    if is_confidential(kind):
        return disclosure(actor, kind, origin_path, handling_path) == FULL
    return actor.covers(origin_path, handling_path)


def beneficiaries_for(actor: Actor, unit_path: str, names: str | None, *, purpose: str = SHOW) -> str | None:
    """The people a support activity helped, or a fund's donor, as ``actor`` may see
    them: the same rule as an ordinary citizen's contact, on the unit of the record —
    full to officials and leaders over it inside the application, each name's initials
    to auditors, administrators and any file, nothing to anyone else (the public page
    never asks)."""
    if not names:
        return None
    level = disclosure(actor, "support", unit_path, unit_path, purpose=purpose)
    if level == FULL:
        return names
    if level == MASKED:
        return ", ".join(m for m in (mask_name(part) for part in names.split(",")) if m) or None
    return None
