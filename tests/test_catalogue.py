"""The one catalogue: both languages for every message, every key the code and the
templates use is in it, one fallback on every surface, and the import command."""

from __future__ import annotations

import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from engine import catalogue
from engine.catalogue import LANGS, po_path, pot_path, text

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"t": None, "w": None, "words": None, "_": None}  # as babel.cfg documents


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _ids(path: Path) -> list[str]:
    with path.open("rb") as fh:
        return [m.id for m in read_po(fh) if m.id]


def test_every_message_has_vietnamese_and_english_with_the_same_placeholders():
    vi, en = catalogue.messages("vi"), catalogue.messages("en")
    assert len(vi) > 500
    assert set(_ids(po_path("vi"))) == set(vi) == set(en) == set(_ids(pot_path()))
    for key in vi:
        assert vi[key].strip() and en[key].strip(), key
        assert _names(vi[key]) == _names(en[key]), key
    assert text("nav_cases", "vi") == "Ý kiến" and text("nav_cases", "en") == "Cases"


def test_every_key_the_code_and_the_templates_use_is_in_the_catalogue():
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    used: dict[str, str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        if isinstance(message, str):
            used.setdefault(message, filename)
    assert len(used) > 350  # the extraction sees the templates and the code
    assert "reports_title" in used and "chain_intact" in used and "track_title" in used
    missing = {key: where for key, where in used.items() if not catalogue.has(key)}
    assert missing == {}


def test_nothing_waits_outside_the_catalogue():
    """A dict module merged from another branch must be folded in (scripts.catalogue_import)."""
    from web.pages.messages import MESSAGES

    assert MESSAGES == {}
    assert sorted(p.name for p in (ROOT / "web" / "pages").glob("messages_*.py")) == []


@pytest.fixture()
def partial_catalogue(monkeypatch):
    """The real catalogue, with one message that has no English and one key that none has."""
    real = catalogue.messages

    def messages(lang):
        table = dict(real(lang))
        if lang == "en":
            for key in ("app_name", "error.not-found", "problem.not-found", "mail.section.overdue",
                        "cli.error"):
                table.pop(key, None)
        return table

    monkeypatch.setattr(catalogue, "messages", messages)
    return real


def test_a_message_without_english_is_vietnamese_and_a_missing_key_is_visible(partial_catalogue):
    assert text("app_name", "en") == partial_catalogue("vi")["app_name"]
    assert text("app_name", "fr") == text("app_name", "vi")
    assert text("no.such.key", "en") == "⟦no.such.key⟧"
    assert text("nav_cases", "en") == "Cases"


def test_every_surface_falls_back_the_same_way(partial_catalogue):
    from engine.errors import NotFound
    from notifications.mail import section_title
    from web.api.problems import problem_json
    from web.pages.i18n import Translator

    vi = partial_catalogue("vi")
    assert Translator("en")("app_name") == vi["app_name"]  # pages and reports
    err = NotFound(what="x", key="y")
    assert Translator("en").error(err) == err.message("en") == vi["error.not-found"].format(what="x", key="y")
    assert section_title("overdue", "en") == vi["mail.section.overdue"]  # emails
    body = problem_json("not-found", "d", "en").body.decode()  # API
    assert vi["problem.not-found"] in body
    assert Translator("en")("no.such.key") == "⟦no.such.key⟧"


@pytest.fixture()
def scratch_catalogue(tmp_path):
    """A copy of the catalogue the import may write to; the real one is read again after."""
    real = catalogue.LOCALE_DIR
    shutil.copytree(real, tmp_path / "locale")
    catalogue.LOCALE_DIR = tmp_path / "locale"
    catalogue.messages.cache_clear()
    yield
    catalogue.LOCALE_DIR = real
    catalogue.messages.cache_clear()


def test_the_import_folds_a_dict_module_into_both_languages(scratch_catalogue, tmp_path, monkeypatch, capsys):
    from scripts import catalogue_import

    pkg = tmp_path / "pending"
    pkg.mkdir()
    (pkg / "messages_assign.py").write_text(
        'ASSIGN_MESSAGES = {"assign_take": ("Nhận việc", "Take it"),\n'
        '                   "nav_cases": ("Ý kiến", "Cases"),\n'
        '                   "assign_to": ("Giao cho {name}", "Assign to {name}")}\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert catalogue_import.main(["pending/messages_assign.py"]) == 0
    out = capsys.readouterr().out
    assert "2 new" in out and "delete pending/messages_assign.py" in out and "**ASSIGN_MESSAGES," in out
    catalogue.messages.cache_clear()
    assert text("assign_to", "vi", name="An") == "Giao cho An"
    assert text("assign_take", "en") == "Take it" and "assign_take" in _ids(pot_path())
    before = {lang: po_path(lang).read_bytes() for lang in LANGS}
    assert catalogue_import.main(["pending/messages_assign.py"]) == 0  # again: nothing changes
    assert {lang: po_path(lang).read_bytes() for lang in LANGS} == before
    # A key already there with other text is kept and named; half a pair is refused.
    (pkg / "messages_bad.py").write_text('BAD_MESSAGES = {"nav_cases": ("Hồ sơ", "Files")}\n', encoding="utf-8")
    assert catalogue_import.main(["pending/messages_bad.py"]) == 0
    assert "nav_cases" in capsys.readouterr().out
    catalogue.messages.cache_clear()
    assert text("nav_cases", "vi") == "Ý kiến"
    (pkg / "messages_half.py").write_text('HALF_MESSAGES = {"x_only": ("Chỉ tiếng Việt", "")}\n', encoding="utf-8")
    assert catalogue_import.main(["pending/messages_half.py"]) == 2
    assert "x_only" in capsys.readouterr().err
    assert {lang: po_path(lang).read_bytes() for lang in LANGS} == before
    assert catalogue_import.main(["pending/messages_bad.py", "--replace"]) == 0  # the module's text wins
    catalogue.messages.cache_clear()
    assert (text("nav_cases", "vi"), text("nav_cases", "en")) == ("Hồ sơ", "Files")


def test_the_import_runs_as_a_command():
    done = subprocess.run([sys.executable, "-m", "scripts.catalogue_import", "web/pages/no_such.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "catalogue_import" in done.stderr
