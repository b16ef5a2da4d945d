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
from engine.catalogue import text as _

from .content import parse_instant

__all__ = ["CitizenNotice", "LANG", "status_word", "build_notice", "citizen_sentence", "citizen_text", "local_day"]

# The texts are messages of the catalogue: ``citizen.sentence.<notice>`` and, for a Zalo
# template's status parameter (at most 30 characters), ``citizen.status.<notice>``. Messages
# to citizens are in Vietnamese (the language they registered in is not recorded).
LANG = "vi"


def status_word(notice: str) -> str:
    return _(f"citizen.status.{notice}", LANG)


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
    return _(f"citizen.sentence.{n.notice}", LANG,
             code=n.code, unit=n.unit_name or _("citizen.competent_body", LANG),
             due=_("citizen.due", LANG, day=n.due) if n.due else "",
             appointment=_("citizen.appointment", LANG, day=n.appointment) if n.appointment else "")


def citizen_text(n: CitizenNotice) -> str:
    return _("citizen.sms", LANG, sentence=citizen_sentence(n), url=n.tracking_url)
