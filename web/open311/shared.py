"""What every Open311 endpoint shares: the router they attach to, the caller's
language, the api_key (query, form field or bearer token), invalid-input errors and
the OpenAPI ``responses`` of the standard's two formats."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from ..api.lang import negotiate
from ..api.problems import ApiProblem
from .formats import JSON_MEDIA_TYPE
from .routing import Open311Route

__all__ = ["router", "lang_of", "bad", "api_key_of", "errors_doc", "ok_doc"]

router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


def lang_of(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    return negotiate(request.headers.get("accept-language"), getattr(actor, "language", None))


def bad(vi: str, en: str) -> ApiProblem:
    return ApiProblem("invalid-input", vi, en)


def api_key_of(request: Request, api_key: str | None) -> str | None:
    if api_key:
        return api_key
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


_ERRORS = {
    "content": {JSON_MEDIA_TYPE: {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorOut"}}},
                "text/xml": {"schema": {"type": "string"}}},
}


def errors_doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    texts = {400: "Missing or invalid argument.", 403: "api_key missing, invalid or revoked; or role refused.",
             404: "Unknown service code or request.", 413: "Request body too large.",
             429: "Too many requests; see Retry-After.", 503: "Temporarily unavailable."}
    documented: dict[int | str, dict[str, Any]] = {
        s: {"description": texts[s], **_ERRORS} for s in sorted({400, 413, 429, 503, *statuses})}
    documented["4XX"] = {"description": "Any other refusal, in the same shape.", **_ERRORS}
    return documented


def ok_doc(model: type[BaseModel] | None, fmt: str, *, many: bool) -> dict[int | str, dict[str, Any]]:
    if fmt == "xml":
        return {"content": {"text/xml": {"schema": {"type": "string"}}}}
    if model is None:
        return {}
    ref: dict[str, Any] = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"content": {JSON_MEDIA_TYPE: {"schema": {"type": "array", "items": ref} if many else ref}}}
