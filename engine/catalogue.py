"""The one way to translate: gettext catalogues read with Babel.

Every text a person reads (pages, reports, emails and SMS, the CLI, API problems,
the engine's refusals) is a message id in ``engine/locale/{vi,en}/LC_MESSAGES/nghedan.po``;
``text`` is the only lookup and has one fallback for every surface: a language we do not
speak is Vietnamese, a message without English is shown in Vietnamese, and an id that no
catalogue has comes back as ``⟦id⟧`` — visible on the page, and a failure of the
key-coverage test (tests/test_catalogue.py), never a crash in front of a citizen.

The ``.po`` files are read as they are, once per process (no compiled ``.mo``): they are
the only thing a translator or an engineer edits, so there is no build step to forget and
no stale binary to ship. It lives in the engine because the engine's own errors are
rendered through it and the engine may import nothing of ours.

Domain labels (workflow states and actions, ``engine.vocab``) stay where they are
defined; ``pick`` gives them the same fallback.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from babel.messages.pofile import read_po

__all__ = ["LANGS", "DEFAULT_LANG", "DOMAIN", "LOCALE_DIR", "po_path", "pot_path", "language", "messages",
           "has", "text", "pick", "missing"]

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
DOMAIN = "nghedan"
LOCALE_DIR = Path(__file__).with_name("locale")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def pot_path() -> Path:
    return LOCALE_DIR / f"{DOMAIN}.pot"


def language(lang: str | None) -> str:
    """"vi", "vi-VN", "vi_VN" are Vietnamese, "en…" English; anything else the default."""
    code = (lang or "").lower()[:2]
    return code if code in LANGS else DEFAULT_LANG


@cache
def messages(lang: str) -> Mapping[str, str]:
    """The translated messages of one language (fuzzy or empty entries are not translations)."""
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    return MappingProxyType({m.id: m.string for m in catalog
                             if m.id and isinstance(m.id, str) and m.string and not m.fuzzy})


def missing(key: str) -> str:
    return f"⟦{key}⟧"


def has(key: str) -> bool:
    return key in messages(DEFAULT_LANG)


def text(key: str, lang: str | None = DEFAULT_LANG, /, **params: Any) -> str:
    template = messages(language(lang)).get(key) or messages(DEFAULT_LANG).get(key)
    if template is None:
        return missing(key)
    return template.format(**params) if params else template


def pick(pair: Any, lang: str | None, fallback: str = "") -> str:
    """A domain label in ``lang`` with ``text``'s fallback: a (vi, en) pair, or an object
    with ``vi``/``en`` attributes (a workflow ``Label``); English missing → Vietnamese."""
    if pair is None:
        return fallback
    vi, en = (pair.vi, pair.en) if hasattr(pair, "vi") else (pair[0], pair[1])
    if language(lang) == "en" and en:
        return en
    return vi or en or fallback
