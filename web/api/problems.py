"""Errors as RFC 9457 ``application/problem+json``.

Every refusal of the API has a stable ``type`` URI (``PROBLEM_BASE`` + a code: the
engine's ``DomainError.code`` or one of the web codes below), a short ``title``
and a ``detail`` in the caller's language, the HTTP ``status``, and extension
members where they help a client act: ``allowed`` (triggers possible now) on a
refused transition, ``errors`` (field, location, message) on invalid input,
``roles`` on a role refusal, ``current_version`` on a stale version.

Never in a problem: the input that was sent (it may be a megabyte), stack
traces, SQL, or anything that tells a case outside the caller's units from a
case that does not exist.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from engine.catalogue import has, pick
from engine.catalogue import text as _
from engine.errors import DomainError, InvalidTransition, NotFound, OutOfScope, RoleNotAllowed, StaleVersion

__all__ = [
    "PROBLEM_BASE", "PROBLEM_MEDIA_TYPE", "Problem", "FieldProblem", "ApiProblem", "problem_json",
    "from_domain", "from_validation", "from_http", "from_api_problem", "validation_items", "retry_after",
    "title", "STATUS_OF",
]

PROBLEM_BASE = "https://nghedan.vn/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

# Domain codes (engine.errors) and web codes → HTTP status.
STATUS_OF: dict[str, int] = {
    "not-found": 404,
    "out-of-scope": 404,  # never shown as such: see ``from_domain``
    "invalid-transition": 409,
    "role-not-allowed": 403,
    "missing-field": 422,
    "invalid-field": 422,
    "stale-version": 409,
    "conflict": 409,
    "idempotency-key-reused": 422,
    "domain-error": 422,
    # web codes
    "unauthenticated": 401,
    "unit-out-of-scope": 403,
    "invalid-input": 422,
    "malformed-body": 422,
    "unknown-trigger": 422,
    "body-too-large": 413,
    "rate-limited": 429,
    "method-not-allowed": 405,
    "unavailable": 503,
    "server-error": 500,
}

# The title of each code is ``problem.<code>`` in the catalogue (engine.catalogue); a code
# without one has the title of ``domain-error``.


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `data.answer`.")
    location: str = Field(description="body, query, path or header")
    type: str = Field(description="Machine-readable reason, e.g. `string_too_long`, `missing`, `extra_forbidden`.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with nghedan's extension members."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"Stable URI of the kind of problem, under {PROBLEM_BASE}")
    title: str
    status: int
    detail: str
    allowed: list[str] | None = Field(default=None, description="Triggers possible now (refused transitions).")
    errors: list[FieldProblem] | None = Field(default=None, description="Each invalid field (invalid input).")


class ApiProblem(Exception):
    """A refusal raised by the web layer itself (authentication, throttling, ...)."""

    def __init__(self, code: str, detail_vi: str, detail_en: str | None = None, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail_en or detail_vi)
        self.code = code
        self.status = STATUS_OF[code]
        self.detail_vi = detail_vi
        self.detail_en = detail_en or detail_vi
        self.headers = headers or {}
        self.extra = extra

    def detail(self, lang: str) -> str:
        return pick((self.detail_vi, self.detail_en), lang)


def title(code: str, lang: str) -> str:
    return _(f"problem.{code}" if has(f"problem.{code}") else "problem.domain-error", lang)


def problem_json(code: str, detail: str, lang: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    status = status or STATUS_OF.get(code, 422)
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title(code, lang),
                            "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return _response(body, status, headers, lang)


def _response(body: dict[str, Any], status: int, headers: dict[str, str] | None, lang: str) -> JSONResponse:
    all_headers = {"Content-Language": lang}
    all_headers.update(headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=all_headers)


def from_api_problem(exc: ApiProblem, lang: str) -> JSONResponse:
    return problem_json(exc.code, exc.detail(lang), lang, headers=exc.headers, **exc.extra)


def from_domain(err: DomainError, lang: str, *, not_found_key: str | None = None) -> JSONResponse:
    """The problem for a domain refusal. ``OutOfScope`` is answered exactly as a
    missing case would be (same status, type, title and detail, built from the key
    the caller sent), so case codes cannot be probed."""
    if isinstance(err, OutOfScope):
        err = NotFound(what="ý kiến / case", key=(not_found_key if not_found_key is not None
                                                  else str(err.params.get("case", "")))[:40])
    code = err.code if err.code in STATUS_OF else "domain-error"
    extra: dict[str, Any] = {}
    if isinstance(err, InvalidTransition):
        extra["allowed"] = list(err.params.get("allowed", []))
        extra["state"] = err.params.get("state")
        extra["trigger"] = err.params.get("trigger")
    elif isinstance(err, RoleNotAllowed):
        extra["roles"] = list(err.params.get("roles", []))
        extra["trigger"] = err.params.get("trigger")
    elif isinstance(err, StaleVersion):
        for name in ("expected", "actual"):
            value = err.params.get(name)
            if isinstance(value, int):
                extra["current_version" if name == "actual" else "expected_version"] = value
    elif "field" in err.params:
        extra["errors"] = [{"field": str(err.params["field"])[:64], "location": "body", "type": err.code,
                            "message": err.message(lang)}]
    return problem_json(code, err.message(lang), lang, status=STATUS_OF.get(err.code, 422), **extra)


# What each pydantic error type says, ``validation.<type>`` in the catalogue, with the
# error's context ({max_length}, {expected} ...) as parameters; pydantic's own English
# message only for a type the catalogue does not know.


def _safe_ctx(ctx: Any) -> dict[str, str]:
    if not isinstance(ctx, dict):
        return {}
    return {str(k): str(v)[:200] for k, v in ctx.items()}


def validation_items(errors: Sequence[Any], lang: str) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for err in list(errors)[:50]:
        if not isinstance(err, dict):
            continue
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else "body"
        field = ".".join(loc[1:] if loc and loc[0] == location else loc)[:200] or location
        kind = str(err.get("type", "invalid"))[:64]
        message = str(err.get("msg", "invalid"))[:300]
        if has(f"validation.{kind}"):
            try:
                message = _(f"validation.{kind}", lang, **_safe_ctx(err.get("ctx")))
            except (KeyError, IndexError, ValueError):
                message = _(f"validation.{kind}", lang).split(" {")[0]
        items.append({"field": field, "location": location, "type": kind, "message": message})
    return items


def from_validation(exc: RequestValidationError, lang: str) -> JSONResponse:
    items = validation_items(exc.errors(), lang)
    if items and all(i["type"] == "json_invalid" for i in items):
        detail = _("api.not_json", lang)
        return problem_json("malformed-body", detail, lang, errors=items)
    fields = ", ".join(sorted({i["field"] for i in items}))[:300]
    detail = _("api.invalid_input", lang, fields=fields)
    return problem_json("invalid-input", detail, lang, errors=items)


def from_http(exc: HTTPException, lang: str) -> JSONResponse:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 404:
        detail = _("api.no_such_resource", lang)
        return problem_json("not-found", detail, lang, headers=headers)
    if status == 405:
        detail = _("api.method_not_allowed", lang)
        return problem_json("method-not-allowed", detail, lang, headers=headers)
    if status == 413:
        detail = _("api.body_too_large", lang)
        return problem_json("body-too-large", detail, lang, headers=headers)
    if status == 400:
        # FastAPI's "There was an error parsing the body": invalid UTF-8, nesting
        # too deep for the JSON parser, a broken form encoding.
        detail = _("api.unreadable_body", lang)
        return problem_json("malformed-body", detail, lang, headers=headers)
    if status == 401:
        return problem_json("unauthenticated", str(exc.detail)[:200], lang, headers=headers)
    code = "server-error" if status >= 500 else "domain-error"
    return problem_json(code, str(exc.detail)[:200], lang, status=status, headers=headers)


def retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
