"""OpenAPI plumbing: the problem+json responses every operation documents, and
adding the ``Problem`` schema to the document's components."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .problems import PROBLEM_MEDIA_TYPE, FieldProblem, Problem

__all__ = ["problems", "install_problem_schema", "COMMON"]

_DESCRIPTIONS = {
    401: "Not authenticated: no token, or an invalid or revoked one.",
    403: "Your role may not do this here.",
    404: "No such resource (also: a case outside your units).",
    405: "Method not allowed.",
    409: "Wrong state for this action, or a stale `expected_version`.",
    413: "Request body too large.",
    422: "Invalid input.",
    429: "Too many requests; see Retry-After.",
    503: "Temporarily unavailable; see Retry-After.",
}
COMMON = (401, 413, 422, 429, 503)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    ref = {"$ref": "#/components/schemas/Problem"}
    return {s: {"description": _DESCRIPTIONS[s], "content": {PROBLEM_MEDIA_TYPE: {"schema": ref}}}
            for s in sorted(set(COMMON) | set(statuses))}


def install_problem_schema(app: FastAPI, extra_models: Sequence[type[BaseModel]] = ()) -> None:
    """Wrap ``app.openapi`` so the document defines the schemas that responses refer
    to by hand (the problems; the Open311 bodies, which are rendered as JSON or XML
    by the endpoint rather than through a response model), whoever else builds or
    wraps the document."""
    previous: Callable[[], dict[str, Any]] = app.openapi
    models = [Problem, FieldProblem, *extra_models]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None and "Problem" in app.openapi_schema.get("components", {}).get("schemas", {}):
            return app.openapi_schema
        document = previous()
        _, defs = models_json_schema([(m, "serialization") for m in models],
                                     ref_template="#/components/schemas/{model}")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in defs.get("$defs", {}).items():
            schemas.setdefault(name, schema)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
