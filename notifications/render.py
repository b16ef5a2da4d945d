"""The Jinja2 environment of the message templates (notifications/templates/<lang>/).

HTML templates are auto-escaped; text templates are not (they are never shown as
HTML). Each language has its own files, so a translator edits whole messages.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["TEMPLATES", "environment", "render_pair"]

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",),
                                      default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_pair(name: str, lang: str, **context: Any) -> tuple[str, str]:
    """(text, html) of template ``name`` in ``lang`` (falling back to Vietnamese)."""
    lang = lang if (TEMPLATES / lang / f"{name}.txt").exists() else "vi"
    env = environment()
    text = env.get_template(f"{lang}/{name}.txt").render(**context)
    html = env.get_template(f"{lang}/{name}.html").render(**context)
    return text, html
