"""The page a browser gets when the database cannot work (engine.storage_failures):
503 in the reader's language, saying that nothing was saved, instead of a bare
"Internal Server Error". The page must render without the database, so it falls
back to what the request itself carries (the language cookie) when reading the
signed-in user fails too."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response

from engine.storage_failures import StorageFailure, storage_failure

from ..deps import get_container
from ..security import LANG_COOKIE
from .common import Ctx, get_ctx, render
from .i18n import DEFAULT_LANG, LANGS, Translator

__all__ = ["storage_failure_page"]

log = logging.getLogger(__name__)


def _plain_ctx(request: Request, lang: str | None = None) -> Ctx:
    if lang not in LANGS:
        lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
        lang = lang if lang in LANGS else DEFAULT_LANG
    # No user and no form token: nothing on this page reads the database.
    return Ctx(request, get_container(request), None, lang, Translator(lang), "", None)


def _page(request: Request, failure: StorageFailure) -> Response:
    try:
        lang: str | None = get_ctx(request).lang  # the signed-in user's language, if the session still reads
    except Exception:  # the database refuses reads too
        lang = None
    ctx = _plain_ctx(request, lang)
    response = render(ctx, "error.html", status=503, title=ctx.t("unavailable_title"),
                      message=failure.message(ctx.lang))
    response.headers["Retry-After"] = "5"
    return response


def storage_failure_page(request: Request, exc: Exception) -> Response:
    failure = storage_failure(exc)
    if failure is None:
        raise exc  # a bug, not the storage: the server's own 500 and traceback log
    log.error("%s on %s %s", failure.log_line(), request.method, request.url.path)
    return _page(request, failure)
