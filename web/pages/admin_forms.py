"""What the administration pages share: the admins-only check, a confirmation page
that asks before a destructive change, the page that then says what was done, and
a form's one-time nonce (a form sent twice does its work once)."""

from __future__ import annotations

from typing import Sequence

from fastapi.responses import Response

from engine.actors import Actor

from .admin import require_admin
from .common import BadForm, Ctx, Form, render
from .support_forms import NONCE, fresh_nonce

__all__ = ["require_admin", "admin_actor", "nonce_of", "confirm_page", "done_page", "fresh_nonce", "ADMIN_SECTIONS"]

# The administration's own sub-menu: (path, message key).
ADMIN_SECTIONS = (("/admin", "adm_overview"), ("/admin/users", "admin_users"), ("/admin/units", "admin_units"),
                  ("/admin/calendar", "adm_calendar"), ("/admin/webhooks", "adm_webhooks"))


def admin_actor(ctx: Ctx) -> Actor:
    require_admin(ctx)
    assert ctx.user is not None
    return ctx.user.actor


def nonce_of(form: Form) -> str:
    nonce = form.get("nonce")
    if not NONCE.match(nonce):
        raise BadForm()  # a hand-made post: never written twice by accident
    return nonce


def confirm_page(ctx: Ctx, *, title: str, explain: str, action: str, fields: dict[str, str],
                 lines: Sequence[str] = (), more: int = 0, cancel: str = "/admin", button: str = "",
                 status: int = 200) -> Response:
    """Asks first: nothing is written until the form below is sent."""
    return render(ctx, "admin_confirm.html", status=status, title=title, explain=explain, action=action,
                  fields=fields, lines=list(lines), more=more, cancel=cancel, button=button or ctx.t("adm_confirm"),
                  nonce=fresh_nonce(), sections=ADMIN_SECTIONS)


def done_page(ctx: Ctx, *, title: str, message: str, links: Sequence[tuple[str, str]] = (),
              secret: str | None = None, secret_label: str = "", details: Sequence[str] = ()) -> Response:
    """Says what a change did (a secret, shown this once, is never stored for a replay)."""
    return render(ctx, "admin_done.html", title=title, message=message, links=list(links), secret=secret,
                  secret_label=secret_label, details=list(details), sections=ADMIN_SECTIONS)
