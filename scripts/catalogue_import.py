"""Fold a ``key → (vi, en)`` dict module into the gettext catalogues, then say what to delete.

    python -m scripts.catalogue_import web/pages/messages_assign.py [--replace]

Engineers who worked beside the catalogue kept their new strings in a module of their own
(``web/pages/messages_<name>.py`` with ``<NAME>_MESSAGES``, merged into
``web.pages.messages.MESSAGES``). After merging such a branch, run this on the module: every
``*_MESSAGES`` dict in it becomes msgids of ``engine/locale/{vi,en}/LC_MESSAGES/nghedan.po``
(Vietnamese and English) and of ``nghedan.pot``; then delete the module and its two lines in
``web/pages/messages.py`` as printed. Nothing reads such a dict at runtime, so a string not
folded in shows as ``⟦key⟧`` and fails tests/test_catalogue.py.

A key already in the catalogue with other text is a conflict: the catalogue's text is kept
(``--replace`` takes the module's) and the key is listed. Re-running is harmless.
"""

from __future__ import annotations

import argparse
import importlib
import string
import sys
from pathlib import Path
from typing import Iterable, Mapping

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from engine.catalogue import DOMAIN, LANGS, po_path, pot_path

__all__ = ["fold", "dicts_of", "placeholders", "main"]

Pairs = Mapping[str, tuple[str, str]]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check(entries: Pairs) -> list[str]:
    problems = []
    for key, pair in entries.items():
        if not (isinstance(key, str) and key and isinstance(pair, tuple) and len(pair) == 2
                and all(isinstance(s, str) and s.strip() for s in pair)):
            problems.append(f"{key!r}: needs non-empty (vi, en) texts")
        elif placeholders(pair[0]) != placeholders(pair[1]):
            problems.append(f"{key!r}: vi and en use different {{placeholders}}")
    return problems


def _read(path: Path, lang: str | None) -> Catalog:
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="nghedan", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, no_location=True)


def fold(entries: Pairs, *, replace: bool = False) -> tuple[list[str], list[str]]:
    """Add ``entries`` to both catalogues and the template; (added keys, conflicting keys)."""
    problems = _check(entries)
    if problems:
        raise ValueError("; ".join(problems[:5]))
    catalogs = {lang: _read(po_path(lang), lang) for lang in LANGS}
    template = _read(pot_path(), None)
    added, conflicts = [], []
    for key, pair in entries.items():
        texts = dict(zip(LANGS, pair))
        present = catalogs["vi"].get(key)
        if present is None:
            added.append(key)
        elif any((catalogs[lang].get(key) or present).string != texts[lang] for lang in LANGS):
            conflicts.append(key)
            if not replace:
                continue
        for lang in LANGS:
            existing = catalogs[lang].get(key)
            if existing is None:
                catalogs[lang].add(key, texts[lang])
            else:  # Catalog.add would keep the old translation
                existing.string = texts[lang]
        if template.get(key) is None:
            template.add(key, "")
    for lang in LANGS:
        _write(po_path(lang), catalogs[lang])
    _write(pot_path(), template)
    return added, conflicts


def dicts_of(module_name: str) -> dict[str, Pairs]:
    module = importlib.import_module(module_name)
    return {name: value for name, value in vars(module).items()
            if name.endswith("MESSAGES") and isinstance(value, dict)}


def _module_name(path: str) -> str:
    p = Path(path)
    if p.suffix != ".py":
        raise ValueError(f"{path}: not a Python file")
    return ".".join(p.with_suffix("").parts)


def _advice(path: str, names: Iterable[str]) -> str:
    module = Path(path).stem
    if module == "messages":  # the merge point itself: it stays, empty, for the next branch's line
        return f"Now empty MESSAGES in {path} (keep the file) and delete the messages_<name>.py it imported"
    lines = [f"Now delete {path}"]
    for name in names:
        lines.append(f"  and in web/pages/messages.py the lines `from .{module} import {name}` and `**{name},`")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.catalogue_import", description=__doc__.split("\n")[0])
    parser.add_argument("module", help="path of the dict module, e.g. web/pages/messages_assign.py")
    parser.add_argument("--replace", action="store_true", help="on a conflict take the module's text")
    args = parser.parse_args(argv)
    try:
        found = dicts_of(_module_name(args.module))
        if not found:
            raise ValueError(f"{args.module}: no *_MESSAGES dict")
        entries: dict[str, tuple[str, str]] = {}
        for value in found.values():
            entries.update(value)
        added, conflicts = fold(entries, replace=args.replace)
    except (ValueError, ImportError, OSError) as exc:
        print(f"catalogue_import: {exc}", file=sys.stderr)
        return 2
    print(f"{args.module}: {len(entries)} messages, {len(added)} new in {', '.join(LANGS)}"
          + (f"; {len(conflicts)} already there with other text ({'replaced' if args.replace else 'kept'}): "
             + ", ".join(conflicts[:20]) if conflicts else ""))
    print(_advice(args.module, found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
