"""Log lines without secrets or personal data, for the web server and the worker.

Two places could leak: uvicorn's access log, which writes every request line with
its query string (an Open311 client sends ``api_key`` there, a search box a
citizen's name or phone), and the application's own records (a message or a
traceback that quotes a token, a password or a phone number). ``SecretFilter`` sits
on every handler of the configuration ``nghedan serve`` gives uvicorn
(:func:`server_log_config`) and the worker's (:func:`install`):

* a query string keeps the values of a few harmless parameters (filters, paging,
  formats) and loses every other value: a parameter nobody listed is redacted, not
  shown. Headers (``Authorization``, cookies) are never logged at all;
* any other record is rendered once, traceback included, and scrubbed of tokens
  (``nd_…``, ``whsec_…``, bearer credentials), ``key=value`` pairs whose key names a
  secret (password, token, api_key, session, csrf, pin…), e-mail addresses and
  phone numbers. A citizen's name has no shape to find; no code of ours logs one
  (database errors hide their parameters: ``engine.db``).
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

__all__ = ["SecretFilter", "redact_path", "scrub", "server_log_config", "install", "REDACTED"]

REDACTED = "[redacted]"

# Query parameters whose values are never a secret nor about a person.
SAFE_PARAMS = frozenset({
    "state", "status", "unit", "topic", "programme", "workflow", "kind", "overdue", "sort", "order", "after",
    "cursor", "limit", "page", "format", "level", "parent", "start", "end", "start_date", "end_date", "year",
    "month", "period", "service_code", "jurisdiction_id", "service_request_id", "done", "saved", "bye", "lang",
})

_PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\[\]-]{0,40}")
_SECRET_KEY = (r"(?:api[_-]?key|access[_-]?token|token|password|passwd|pass|secret|pin|csrf\w*|session\w*|"
               r"authorization|cookie|nd_session|nd_csrf)")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\bbearer\s+[^\s,;\"']+"), f"Bearer {REDACTED}"),
    (re.compile(r"\bnd_[A-Za-z0-9_-]{6,}"), REDACTED),
    (re.compile(r"\bwhsec_[A-Za-z0-9_-]{6,}"), REDACTED),
    (re.compile(rf"(?i)(\b{_SECRET_KEY}\b[\"']?\s*[=:]\s*[\"']?)[^\s&,;\"'}})]+"), rf"\1{REDACTED}"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Vietnamese numbers (0xx…, +84…, 84…), written with or without separators.
    (re.compile(r"(?<![\w.])(?:\+?84|0)(?:[\s.-]?\d){8,10}(?![\w.])"), "[phone]"),
)


def scrub(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_path(path: str) -> str:
    """A request target with the value of every parameter not known harmless replaced."""
    base, sep, query = path.partition("?")
    if not sep:
        return scrub(path)
    kept = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        if not _PARAM_NAME.fullmatch(name) or scrub(name) != name:
            kept.append(REDACTED)  # a name that is itself a value (?nd_… or worse)
            continue
        shown = value if name in SAFE_PARAMS else REDACTED
        kept.append(f"{name}={quote(shown, safe='[],:')}")
    if not kept and query:
        kept = [REDACTED]  # not a key=value query at all
    return scrub(unquote(base)) + "?" + "&".join(kept)


class SecretFilter(logging.Filter):
    """Rewrites each record so that no handler can write a secret (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._rewrite(record)
        except Exception:  # noqa: BLE001  (a record we cannot read is not written as it was)
            record.msg, record.args, record.exc_info, record.exc_text = "[unreadable log record]", (), None, None
        return True

    def _rewrite(self, record: logging.LogRecord) -> None:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, redact_path(str(path)), version, status)
            return
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        record.msg, record.args = scrub(text), ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None


def server_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the filter on every handler, and the
    application's loggers sent to the same (filtered) handler instead of Python's
    unfiltered last-resort one."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"secrets": {"()": SecretFilter}}
    config["handlers"] = {name: {**handler, "filters": ["secrets"]}
                          for name, handler in LOGGING_CONFIG["handlers"].items()}
    config["root"] = {"handlers": ["default"], "level": "INFO"}
    return config


def install(level: int = logging.INFO, fmt: str = "%(asctime)s %(name)s %(message)s") -> None:
    """The worker's logging: one stderr handler, filtered."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(fmt))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
