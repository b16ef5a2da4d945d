"""axe-core (npm, ``node_modules/axe-core``) on every page a browser test visits.

``chromium()`` (tests/browser/live.py) watches each page of its context: a page that
fires ``load`` is marked, and the mark is checked — axe injected, ``axe.run()`` with
the WCAG 2 A/AA rules — before the test's next action that may leave the document
(a navigation, a click, a key press, a selection, a closed page) and, for what is
still open, when the context closes. Checking from the ``load`` handler itself would
race the test: Playwright runs handlers in a greenlet of their own, so the test's
next click could unload the page while axe is reading it. Every violation of the
context is collected and fails the test once, naming the rule, the elements and the
page's address. Without ``node_modules`` the browser tests are skipped, except in CI
(``CI=true``), where that is a failure (``make test`` runs ``npm ci``).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import pytest

__all__ = ["AXE_JS", "axe_source_or_skip", "AxeChecker", "RULES"]

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Actions after which the current document may be gone (sync API method names).
_LEAVING = {
    "Page": ("goto", "reload", "go_back", "go_forward", "click", "dblclick", "tap", "press", "check", "uncheck",
             "set_checked", "select_option", "set_input_files", "dispatch_event", "set_content", "close",
             "set_viewport_size"),
    "Frame": ("goto", "click", "dblclick", "tap", "press", "check", "uncheck", "set_checked", "select_option",
              "set_input_files", "dispatch_event", "set_content"),
    "Locator": ("click", "dblclick", "tap", "press", "press_sequentially", "check", "uncheck", "set_checked",
                "select_option", "set_input_files", "dispatch_event"),
    "ElementHandle": ("click", "dblclick", "tap", "press", "check", "uncheck", "set_checked", "select_option",
                      "set_input_files", "dispatch_event"),
    "Keyboard": ("press", "down"),
    "Mouse": ("click", "dblclick", "down"),
}
_SCRIPTS = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_watched: dict[int, "AxeChecker"] = {}  # id(page) → the checker of its context
_devices: dict[int, Any] = {}  # id(page.keyboard), id(page.mouse) → the page
_RUN = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: rules}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.map(n => n.target.join(" "))}));
}"""


def axe_source_or_skip() -> str:
    if AXE_JS.is_file():
        return AXE_JS.read_text(encoding="utf-8")
    reason = f"axe-core not installed at {AXE_JS} (npm ci --no-audit --no-fund): browser tests check every page with it"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " — in CI this is a failure (make test installs it)")
    pytest.skip(reason)


def _page_of(obj: Any) -> Any:
    kind = type(obj).__name__
    if kind == "Page":
        return obj
    if kind in ("Frame", "Locator"):
        return obj.page
    if kind in ("Keyboard", "Mouse"):
        return _devices.get(id(obj))
    frame = obj.owner_frame() if kind == "ElementHandle" else None
    return frame.page if frame is not None else None


def _before(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _watched:
            page = _page_of(self)
            checker = _watched.get(id(page)) if page is not None else None
            if checker is not None:
                checker.check_if_loaded(page)
        return method(self, *args, **kwargs)

    wrapper.__axe_wrapped__ = True  # type: ignore[attr-defined]
    return wrapper


def _install() -> None:
    from playwright.sync_api import _generated as api

    for cls_name, names in _LEAVING.items():
        cls = getattr(api, cls_name)
        for name in names:
            method = getattr(cls, name)
            if not getattr(method, "__axe_wrapped__", False):
                setattr(cls, name, _before(method))


class AxeChecker:
    """The pages of one browser context, and what axe found on them."""

    def __init__(self, source: str, *, scripts: bool = True) -> None:
        self.source = source
        # With the pages' scripts off axe never finishes (its timers do not run): the
        # document is kept as it loaded and checked afterwards in a page that runs
        # scripts, with the page's own scripts taken out so the DOM stays the no-JS one.
        self.scripts = scripts
        self.snapshots: list[tuple[str, str]] = []
        self.loaded: set[int] = set()
        self.pages: dict[int, Any] = {}
        self.violations: list[str] = []
        self.checked: list[str] = []

    def watch(self, context: Any) -> None:
        _install()
        for page in context.pages:
            self._watch_page(page)
        context.on("page", self._watch_page)

    def _watch_page(self, page: Any) -> None:
        key = id(page)
        self.pages[key] = page
        _watched[key] = self
        _devices[id(page.keyboard)] = _devices[id(page.mouse)] = page
        page.on("load", lambda: self.loaded.add(key))
        page.on("close", lambda: self._forget(key))

    def _forget(self, key: int) -> None:
        self.loaded.discard(key)
        page = self.pages.pop(key, None)
        _watched.pop(key, None)
        if page is not None:
            _devices.pop(id(page.keyboard), None)
            _devices.pop(id(page.mouse), None)

    def check_if_loaded(self, page: Any) -> None:
        key = id(page)
        if key in self.loaded:
            self.loaded.discard(key)
            self.check(page)

    def check(self, page: Any) -> None:
        from playwright.sync_api import Error

        if not self.scripts:
            self.snapshots.append((page.url, page.content()))
            return
        for attempt in range(3):
            try:
                # Evaluated through the DevTools protocol, which the pages' CSP does not
                # govern: the check changes nothing the application's headers say.
                if not page.evaluate("typeof window.axe === 'object'"):
                    page.evaluate(self.source)
                found = page.evaluate(_RUN, RULES)
                break
            except Error as err:
                # The document went away under the check (a redirect still running):
                # check the one that replaced it once it has loaded.
                if attempt == 2 or "context was destroyed" not in str(err) and "navigat" not in str(err):
                    raise
                page.wait_for_load_state("load")
        self._record(page.url, found)

    def _record(self, url: str, found: list[dict[str, Any]]) -> None:
        self.checked.append(url)
        for v in found:
            targets = ", ".join(v["targets"][:5]) + (f" (+{len(v['targets']) - 5})" if len(v["targets"]) > 5 else "")
            self.violations.append(f"{url}: {v['id']} ({v['impact']}) {v['help']} — {targets}")

    def finish(self, *, check: bool = True, scripted_page: Any = None) -> None:
        """Check what is still open and unchecked (unless the test failed); stop watching.
        ``scripted_page()`` opens a page that runs scripts, for the no-JS snapshots."""
        try:
            for key in list(self.loaded if check else ()):
                page = self.pages.get(key)
                self.loaded.discard(key)
                if page is not None and not page.is_closed():
                    self.check(page)
        finally:
            for key in list(self.pages):
                self._forget(key)
        if check and self.snapshots and scripted_page is not None:
            page = scripted_page()
            try:
                for url, html in self.snapshots:
                    without = _SCRIPTS.sub("", html)
                    page.set_content(_HEAD.sub(lambda m: f'{m.group(0)}<base href="{url}">', without, count=1))
                    page.evaluate(self.source)
                    self._record(url, page.evaluate(_RUN, RULES))
            finally:
                page.context.browser.close()

    def report(self) -> str:
        return "axe-core found accessibility violations (WCAG 2 A/AA):\n" + "\n".join(
            f"  - {line}" for line in self.violations)
