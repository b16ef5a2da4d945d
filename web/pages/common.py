"""What every page shares: the request context (who, which language, which CSRF
token), reading forms, rendering templates and the page-level refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from engine.models import Unit
from engine.vocab import CHANNELS, KINDS, ROLES, SATISFACTION, TOPICS, UNIT_LEVELS

from ..container import Container
from ..deps import get_container
from ..security import (ANON_COOKIE, LANG_COOKIE, SESSION_COOKIE, SignedIn, client_ip, cookie_options, is_https,
                        load_session, new_token, same_token)
from .i18n import DEFAULT_LANG, LANGS, Translator, local_date, local_dt

__all__ = ["Ctx", "get_ctx", "signed_in", "posted", "check_posted", "signed_in_post", "Form", "render", "redirect",
           "LoginRequired", "CsrfFailed", "PasswordChangeRequired", "PageNotFound", "Forbidden", "BadForm", "safe_next",
           "unit_names", "TEMPLATES", "from_this_site"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfFailed(Exception):
    pass


class PasswordChangeRequired(Exception):
    pass


class BadForm(Exception):
    pass


class PageNotFound(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass
class Ctx:
    request: Request
    c: Container
    user: SignedIn | None
    lang: str
    t: Translator
    csrf: str  # the token this page's forms carry
    expected_csrf: str | None  # what a post must carry (None: no token issued yet)
    set_anon: str | None = None
    flashes: list[str] = field(default_factory=list)

    @property
    def https(self) -> bool:
        return is_https(self.request.url.scheme)

    @property
    def ip(self) -> str:
        return client_ip(self.request.client)

    def has_role(self, role: str) -> bool:
        return self.user is not None and self.user.actor.has_role(role)

    @property
    def can_record(self) -> bool:
        """Whether the user may record opinions (an official or leader somewhere)."""
        return self.has_role("official") or self.has_role("leader")


def get_ctx(request: Request) -> Ctx:
    c = get_container(request)
    user = load_session(c, request.cookies.get(SESSION_COOKIE))
    if user is not None:
        lang = user.language if user.language in LANGS else DEFAULT_LANG
        return Ctx(request, c, user, lang, Translator(lang), user.csrf_token, user.csrf_token)
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    lang = lang if lang in LANGS else DEFAULT_LANG
    anon = request.cookies.get(ANON_COOKIE, "")
    if _TOKEN.match(anon):
        return Ctx(request, c, None, lang, Translator(lang), anon, anon)
    fresh = new_token()
    return Ctx(request, c, None, lang, Translator(lang), fresh, None, set_anon=fresh)


def signed_in(request: Request, ctx: Ctx = Depends(get_ctx)) -> Ctx:
    if ctx.user is None:
        if request.method == "GET":
            raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        raise LoginRequired(_page_of_post(request.url.path))
    if ctx.user.must_change_password and request.url.path not in OPEN_BEFORE_CHANGE:
        # A temporary password (a reset) opens only the page that replaces it.
        raise PasswordChangeRequired()
    return ctx


OPEN_BEFORE_CHANGE = frozenset({"/account/password", "/logout", "/lang"})


def _page_of_post(path: str) -> str:
    """Where to come back to after signing in again, for a form posted to ``path``."""
    for suffix in ("/act", "/remark"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    if path.endswith("/remove") and "/files/" in path:
        return path.split("/files/")[0]
    if path.startswith("/admin"):
        return "/admin"
    if path.startswith("/inbox"):
        return "/inbox"
    return path if path in ("/meetings/new", "/account/password") else "/"


class Form:
    """A posted form, as text only: a file where text was expected counts as empty."""

    def __init__(self, data: FormData) -> None:
        self._data = data

    def get(self, name: str, default: str = "") -> str:
        value = self._data.get(name)
        return value if isinstance(value, str) else default

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def getall(self, name: str, limit: int = 100) -> list[str]:
        """Every value of a repeated field (checkboxes), text only, at most ``limit``."""
        return [v for v in self._data.getlist(name)[:limit] if isinstance(v, str)]


async def read_form(request: Request) -> Form:
    try:
        data = await request.form(max_files=0, max_fields=4000, max_part_size=256 * 1024)
    except (MultiPartException, StarletteHTTPException):
        raise BadForm() from None
    return Form(data)


def _origin_ok(request: Request) -> bool:
    # Browsers send Origin with every POST; one from elsewhere is a forged request
    # even if it somehow carries a token.
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def from_this_site(request: Request) -> bool:
    """Whether a post comes from a page of this site (no Origin header, or ours)."""
    return _origin_ok(request)


def check_posted(ctx: Ctx, form: Form) -> None:
    """Refuse a form post without a valid CSRF token or from another site."""
    if not _origin_ok(ctx.request) or not same_token(form.get("csrf", ""), ctx.expected_csrf):
        raise CsrfFailed()


def posted(ctx: Ctx = Depends(get_ctx), form: Form = Depends(read_form)) -> tuple[Ctx, Form]:
    """A form post with a valid CSRF token, from a page of this site."""
    check_posted(ctx, form)
    return ctx, form


def signed_in_post(ctx: Ctx = Depends(signed_in), checked: tuple[Ctx, Form] = Depends(posted)) -> tuple[Ctx, Form]:
    """Signed in first (an expired session goes to the sign-in page), then the token."""
    return checked


# -- rendering -------------------------------------------------------------------

def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is escaped unless a template says otherwise (none does)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dmy"] = local_date
    env.filters["dmyhm"] = local_dt
    env.globals["unit_choices"] = unit_choices
    env.globals["menu"] = _menu
    env.globals.update(TOPICS=TOPICS, KINDS=KINDS, CHANNELS=CHANNELS, SATISFACTION=SATISFACTION, ROLES=ROLES,
                       UNIT_LEVELS=UNIT_LEVELS)
    return env


def _menu(ctx: Ctx) -> list[Any]:
    from .navigation import menu  # the menu reads the engine's sections; it renders through this module

    return menu(ctx)


def unit_choices(units: Iterable[Any]) -> list[tuple[str, str]]:
    """Options of a unit picker, children indented under their parent."""
    return [(u.code, "\u00a0\u00a0\u00a0" * u.depth + u.name) for u in units]


ENV = _env()


def render(ctx: Ctx, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    from .inbox import unread_count

    t = ctx.t
    body = ENV.get_template(template).render(
        ctx=ctx, t=t, lang=ctx.lang, user=ctx.user, csrf=ctx.csrf, path=ctx.request.url.path,
        unread=unread_count(ctx) if ctx.user else None,
        here=ctx.request.url.path + (f"?{ctx.request.url.query}" if ctx.request.url.query else ""),
        vocab=lambda pair_map, code: t.pick(pair_map.get(code), code), **values,
    )
    response = HTMLResponse(body, status_code=status)
    finish(ctx, response)
    return response


def finish(ctx: Ctx, response: Response) -> None:
    if ctx.set_anon:
        response.set_cookie(ANON_COOKIE, ctx.set_anon, max_age=86400 * 30, **cookie_options(ctx.https))
    # Pages of signed-in users hold personal data: never keep them in a shared cache.
    response.headers["cache-control"] = "no-store" if ctx.user else "no-cache"
    response.headers["content-language"] = ctx.lang


def redirect(ctx: Ctx, url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    finish(ctx, response)
    return response


def safe_next(value: str | None, default: str = "/") -> str:
    """Only a path of this site: no scheme, no host, no "//" or backslash tricks."""
    if not value or len(value) > 500 or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 32 for ch in value):
        return default
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


def unit_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    return dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(wanted))).tuples().all())
