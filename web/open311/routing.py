"""Errors of the Open311 adapter, in the standard's own shape: a list of
``{code, description}`` (``<errors><error>…`` in XML) with the HTTP status in
``code``. The standard names 400 (missing or invalid argument), 403 (``api_key``)
and 404 (unknown service code, jurisdiction or request); throttling is 429 and an
oversized body 413, as in the JSON API."""

from __future__ import annotations

import logging
from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from engine.errors import DomainError, NotFound, OutOfScope
from engine.storage_failures import storage_failure

from ..api.lang import negotiate
from ..api.problems import ApiProblem, validation_items
from .formats import render_errors

__all__ = ["Open311Route", "fmt_of", "open311_error_for_http"]

log = logging.getLogger(__name__)

_STATUS = {"not-found": 404, "out-of-scope": 404, "role-not-allowed": 403, "unauthenticated": 403,
           "unit-out-of-scope": 403, "rate-limited": 429, "body-too-large": 413, "unavailable": 503}


def fmt_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def _lang(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    return negotiate(request.headers.get("accept-language"), getattr(actor, "language", None))


def open311_error_for_http(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    lang = _lang(request)
    text = {404: ("Không có địa chỉ này.", "No such resource."),
            405: ("Phương thức không được hỗ trợ.", "Method not allowed."),
            413: ("Nội dung yêu cầu quá lớn.", "Request body too large.")}.get(status)
    if status == 400 or text is None:
        status, text = 400, ("Yêu cầu không đọc được.", "The request could not be read.")
    return render_errors(fmt_of(request), status, [text[0] if lang == "vi" else text[1]],
                         headers=dict(exc.headers or {}))


class Open311Route(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            fmt = fmt_of(request)
            try:
                return await original(request)
            except ApiProblem as exc:
                return render_errors(fmt, _STATUS.get(exc.code, 400), [exc.detail(_lang(request))],
                                     headers=exc.headers)
            except OutOfScope:
                # Exactly what the case service says of a code that does not exist.
                key = request.path_params.get("request_id", "")
                err = NotFound(what="ý kiến / case", key=str(key)[:40])
                return render_errors(fmt, 404, [err.message(_lang(request))])
            except DomainError as exc:
                return render_errors(fmt, _STATUS.get(exc.code, 400), [exc.message(_lang(request))])
            except RequestValidationError as exc:
                items = validation_items(exc.errors(), _lang(request))
                return render_errors(fmt, 400, [f"{i['field']}: {i['message']}" for i in items] or ["invalid"])
            except HTTPException as exc:
                return open311_error_for_http(request, exc)
            except Exception as exc:
                failure = storage_failure(exc)
                if failure is None:
                    raise
                log.error("%s on %s %s", failure.log_line(), request.method, request.url.path)
                return render_errors(fmt, 503, [failure.message(_lang(request))], headers={"Retry-After": "5"})

        return handler
