"""The menu of a page: the sections ``engine.sections`` opens to the signed-in
person, each labelled in their language, the one holding the current page marked."""

from __future__ import annotations

from dataclasses import dataclass

from engine.sections import sections_for

from .common import Ctx

__all__ = ["MenuItem", "menu"]

# Every signed-in person's own pages, after their sections.
_ALWAYS = (("track", "/track"), ("password", "/account/password"))


@dataclass(frozen=True)
class MenuItem:
    key: str
    href: str
    label: str
    current: bool


def _holds(href: str, path: str) -> bool:
    return path == href if href == "/" else path == href or path.startswith(href + "/")


def menu(ctx: Ctx) -> list[MenuItem]:
    if ctx.user is None:
        return []
    entries = [(s.key, s.path) for s in sections_for(ctx.user.actor)] + list(_ALWAYS)
    path = ctx.request.url.path
    # The most specific entry holds the page: /meetings/new is the intake, not the meetings.
    holding = max((href for _, href in entries if _holds(href, path)), key=len, default=None)
    return [MenuItem(key, href, ctx.t(f"nav_{key}"), href == holding) for key, href in entries]
