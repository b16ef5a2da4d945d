"""The JSON API (``/api/v1``) and the Open311 adapter (``/open311/v2``).

``install_api(app, container)`` is the one call the application factory makes: it
adds the routers, the request-body limit and the OpenAPI components the problems
refer to (unmatched paths are answered by ``web.errors``). The limits and the rate
limiter come from the container (``web.container``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import Scope

from .lang import negotiate
from .problems import problem_json

if TYPE_CHECKING:  # the container builds this package's settings and rate limiter
    from ..container import Container

__all__ = ["install_api", "API_PREFIXES"]

API_PREFIXES = ("/api/", "/open311/")


def _too_large(scope: Scope, limit: int) -> Response:
    path = str(scope.get("path", ""))
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
    lang = negotiate(headers.get("accept-language"))
    if path.startswith("/open311/"):
        from ..open311.formats import render_errors

        fmt = "xml" if path.endswith(".xml") else "json"
        return render_errors(fmt, 413, [f"request body over {limit} bytes"])
    detail = (f"Nội dung yêu cầu vượt quá {limit} byte." if lang == "vi" else f"The request body exceeds {limit} bytes.")
    return problem_json("body-too-large", detail, lang, limit=limit)


def install_api(app: FastAPI, container: Container) -> None:
    from ..open311 import router as open311_router
    from ..open311.schemas import OPEN311_MODELS
    from .bodylimit import BodyLimitMiddleware
    from .bulk import router as bulk_router
    from .cases import router as cases_router
    from .casework import router as casework_router
    from .files import router as files_router
    from ..uploads import UPLOAD_PATHS
    from .catalog import router as catalog_router
    from .meetings import router as meetings_router
    from .openapi import install_problem_schema
    from .programmes import router as programmes_router
    from .support import router as support_router

    settings = container.api_settings
    for router in (bulk_router, cases_router, files_router, meetings_router, catalog_router, open311_router,
                   support_router, programmes_router, casework_router):
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, prefixes=API_PREFIXES,
                       respond=_too_large, upload_paths=UPLOAD_PATHS,
                       upload_max_bytes=container.files.limits.max_step_bytes)

    # Unmatched paths (404, 405) are answered by web.errors, by path prefix.
    install_problem_schema(app, extra_models=OPEN311_MODELS)
