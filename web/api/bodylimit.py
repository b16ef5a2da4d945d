"""Refuse request bodies over a size limit before anything parses them (413).

Pure ASGI, for the paths of the API and Open311 only (pages have their own needs).
A declared ``Content-Length`` over the limit is answered at once without reading;
a body without one (chunked) is counted as it streams and refused when it passes
the limit. ``BodyTooLarge`` is an ``HTTPException`` so that FastAPI's body reader
lets it through unchanged to the route's error handling.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware", "BodyTooLarge", "is_upload"]


def is_upload(scope: Scope, upload_paths: re.Pattern[str] | None) -> bool:
    """A multipart post to a path that takes files (web.uploads): only those may send
    a step's files; the same path posted as a plain form keeps the usual limit."""
    if upload_paths is None or not upload_paths.match(str(scope.get("path", ""))):
        return False
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower().startswith(b"multipart/form-data")
    return False


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body over {limit} bytes")
        self.limit = limit




class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, prefixes: Sequence[str],
                 respond: Callable[[Scope, int], Response], upload_paths: re.Pattern[str] | None = None,
                 upload_max_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # A step with files (web.uploads) may send up to a step's files.
        self.upload_paths = upload_paths
        self.upload_max_bytes = upload_max_bytes
        self.prefixes = tuple(prefixes)
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        limit = self.upload_max_bytes if is_upload(scope, self.upload_paths) else self.max_bytes
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                break
        if declared is not None and (declared > limit or declared < 0):
            await self.respond(scope, limit)(scope, receive, send)
            return

        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self.respond(scope, limit)(scope, receive, send)
