"""Webhook subscriptions in the administration: the list, adding one (the
deployment's address policy, ``engine.address_policy``, refuses a bad URL and
its message is shown; the signing secret is shown once), removing one (asked
first, then saying how many unsent deliveries it gave up). The rules are
``notifications.subscriptions``'s, the same functions as ``nghedan notify webhooks``."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import select

from engine.errors import DomainError
from engine.models import Unit
from engine.uow import UnitOfWork
from notifications.subscriptions import KNOWN_EVENTS, add_subscription, list_subscriptions, remove_subscription

from .admin_forms import ADMIN_SECTIONS, admin_actor, confirm_page, done_page, fresh_nonce, nonce_of
from .common import Ctx, Form, redirect, render, signed_in, signed_in_post
from .data import unit_tree
from .support_forms import once_then, path_number

__all__ = ["router"]

router = APIRouter()


def _page(ctx: Ctx, *, status: int = 200, error: str | None = None, notice: str | None = None,
          values: dict[str, object] | None = None) -> Response:
    with ctx.c.sessions() as session:
        subs = list_subscriptions(session)
        units = [(o.code, "\u00a0\u00a0\u00a0" * o.depth + o.name) for o in unit_tree(list(session.scalars(select(Unit))))]
    events = [(e, ctx.t(f"adm_event_{e.replace('.', '_')}")) for e in KNOWN_EVENTS]
    return render(ctx, "admin_webhooks.html", status=status, subs=subs, error=error, notice=notice,
                  values=values or {"events": []}, units=units, events=events, nonce=fresh_nonce(),
                  sections=ADMIN_SECTIONS)


@router.get("/admin/webhooks")
def webhooks(removed: str = "", dropped: str = "", ctx: Ctx = Depends(signed_in)) -> Response:
    admin_actor(ctx)
    notice = None
    if removed.isdigit() and dropped.isdigit():
        notice = ctx.t("adm_hook_removed", id=int(removed), n=int(dropped))
    return _page(ctx, notice=notice)


@router.post("/admin/webhooks")
def add_webhook(checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    admin_actor(ctx)
    nonce = nonce_of(form)
    events = [e[:48] for e in form.getall("events", 20)]
    values: dict[str, object] = {"url": form.get("url").strip()[:600], "unit": form.get("unit").strip()[:32],
                                 "description": form.get("description")[:300], "events": events}
    made: list[tuple[int, str]] = []

    def work(uow: UnitOfWork) -> str:
        sub, secret = add_subscription(uow.session, str(values["url"]), events, now=ctx.c.clock.now(),
                                       policy=ctx.c.notify_settings.webhook_policy,
                                       unit_code=str(values["unit"]) or None, description=str(values["description"]))
        made.append((sub.id, secret))
        return f"/admin/webhooks#hook-{sub.id}"

    try:
        url = once_then(ctx, nonce, "admin.webhooks.add", values, work)
    except DomainError as err:
        return _page(ctx, status=400, error=ctx.t.error(err), values=values)
    if not made:  # the same form again: it was added the first time, its secret shown then
        return redirect(ctx, url)
    sub_id, secret = made[0]
    t = ctx.t
    return done_page(ctx, title=t("adm_done_title"), message=t("adm_hook_added", id=sub_id, url=values["url"]),
                     secret=secret, secret_label=t("adm_hook_secret"), links=[("/admin/webhooks", t("adm_webhooks"))])


@router.post("/admin/webhooks/{sub_id}/remove")
def remove_webhook(sub_id: str, checked: tuple[Ctx, Form] = Depends(signed_in_post)) -> Response:
    ctx, form = checked
    admin_actor(ctx)
    number = path_number(sub_id)
    t = ctx.t
    with ctx.c.sessions() as session:
        sub = next((s for s in list_subscriptions(session) if s.id == number), None)
    if form.get("confirm") != "1":
        if sub is None:
            return _page(ctx, status=404, error=t("adm_hook_none", id=number))
        return confirm_page(ctx, title=t("adm_hook_remove_title", id=number),
                            explain=t("adm_hook_remove_explain", url=sub.url), action=f"/admin/webhooks/{number}/remove",
                            fields={}, cancel="/admin/webhooks", button=t("adm_hook_remove_yes"))
    nonce = nonce_of(form)

    def work(uow: UnitOfWork) -> str:
        dropped = remove_subscription(uow.session, number, now=ctx.c.clock.now())
        return f"/admin/webhooks?removed={number}&dropped={dropped}"

    try:
        url = once_then(ctx, nonce, "admin.webhooks.remove", {"id": number}, work)
    except DomainError as err:
        return _page(ctx, status=400, error=ctx.t.error(err))
    return redirect(ctx, url)
