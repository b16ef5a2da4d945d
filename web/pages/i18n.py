"""Languages of the web pages: Vietnamese by default, English on request.

Labels of the domain come from where they are defined (workflow YAML for states and
actions, ``engine.vocab`` for topics, kinds, channels); everything the templates
write themselves is a message of the gettext catalogue, looked up by
``engine.catalogue.text`` (the one lookup, with the one fallback). Also here: dates in local time, and the
Vietnamese alphabetical order. Folding for search is ``engine.search.fold``
(re-exported here for templates and helpers of the pages).
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from engine.calendar import LOCAL_TZ, deadline_parts
from engine.catalogue import DEFAULT_LANG, LANGS, has, pick, text
from engine.errors import DomainError
from engine.search import fold
from engine.vocab import ROLES

__all__ = ["LANGS", "DEFAULT_LANG", "Translator", "fold", "vi_sort_key", "local_date", "local_dt"]


def local_dt(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def local_date(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return local_dt(value, "%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


class Translator:
    """Everything a template needs to speak one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG

    def __call__(self, key: str, **params: Any) -> str:
        return text(key, self.lang, **params)

    def pick(self, pair: Any, fallback: str = "") -> str:
        return pick(pair, self.lang, fallback)

    def field(self, name: str) -> str:
        """A field of the workflow format (``field.<name>``); one the catalogue lacks keeps its name."""
        return text(f"field.{name}", self.lang) if has(f"field.{name}") else name

    def trigger(self, name: str, workflow: Any = None) -> str:
        """A history entry: the catalogue's ``trigger.<name>`` for entries that are not
        transitions, else the workflow's label."""
        if has(f"trigger.{name}"):
            return text(f"trigger.{name}", self.lang)
        if workflow is not None:
            for t in workflow.spec.transitions:
                if t.trigger == name:
                    return pick(t.label, self.lang)
        return name

    def due(self, value: datetime | None) -> str:
        """A deadline's exact instant: "17:00 ngày 25/02/2027", "24:00 ngày 24/02/2027"."""
        if value is None:
            return "—"
        clock, day = deadline_parts(value)
        return self("due_instant", time=clock, date=day.strftime("%d/%m/%Y"))

    def error(self, err: DomainError) -> str:
        """The engine's message, with field and trigger codes replaced by their labels."""
        params = dict(err.params)
        if isinstance(params.get("field"), str):
            params["field"] = self.field(params["field"])
        if isinstance(params.get("trigger"), str) and has(f"trigger.{params['trigger']}"):
            params["trigger"] = self.trigger(params["trigger"])
        if isinstance(params.get("roles"), list):  # "cần: Giám sát (MTTQ)", not "auditor"
            params["roles_text"] = ", ".join(self.pick(ROLES.get(r), r) for r in params["roles"])
        return err.message(self.lang, **params)


# -- Vietnamese text -------------------------------------------------------------

# The Vietnamese alphabet (with f, j, w, z where Latin puts them): ă, â after a; đ after d …
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
                 ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# Dictionary order of tones: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_sort_key(text: str) -> tuple[Any, ...]:
    """Order as a Vietnamese dictionary does: letters first (a < ă < â < b … d < đ),
    tones only to break ties, case last. Not built on ``fold``, which makes a, ă, â
    (and d, đ) one letter: right for search, wrong for alphabetical order."""
    letters: list[tuple[int, int]] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if unicodedata.combining(ch):
            if ch in _TONES and tones:
                tones[-1] = _TONES[ch]
            elif letters and letters[-1][0] == 2:
                base = _ALPHABET[letters[-1][1]]
                changed = _LETTER_MARKS.get((base, ch))
                if changed:
                    letters[-1] = (2, _RANK[changed])
            continue
        if ch in _RANK:
            letters.append((2, _RANK[ch]))
        elif ch.isdigit():
            letters.append((1, ord(ch)))
        elif ch.isspace():
            letters.append((0, 0))
        else:
            letters.append((3, ord(ch)))
        tones.append(0)
    return (tuple(letters), tuple(tones), text)
