"""No raw code reaches a person: every page each role of the demo can reach from its
menu, every export those pages link to, and every email and citizen message the demo
sends are scanned for state, trigger and vocabulary codes, ISO dates and catalogue keys.

The codes come from the loaded workflows, ``engine.vocab``, ``engine.support.vocab``, the
sweep's rule kinds and the triggers the demo's histories hold — never typed here.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from engine import catalogue, vocab
from engine.deadline_rules.messages import KIND_OF_RULE
from engine.models import CaseEvent, User
from engine.support import vocab as support_vocab
from notifications import run_once
from notifications.citizen_text import CitizenNotice, citizen_sentence, citizen_text, status_word
from web.app import create_app
from web.demo import DEMO_PASSWORD, USERS, load_demo

from .browser.web import Page, csrf_of
from .test_notify_support import all_text, give_emails, notify_settings, smtp_server  # noqa: F401

ROLES = tuple(USERS)  # canbo (official), lanhdao (leader), giamsat (Front), admin
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MARKER = re.compile(r"⟦[^⟧]*⟧")
PER_PATTERN = 40  # pages of one shape (a case page, a meeting, a filter) visited per role
SKIP = ("/logout", "/static/", "/lang")


class _Visible(HTMLParser):
    """The text a person reads: text nodes, and the attributes a screen shows or speaks."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        found = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        self.parts.extend(str(found[a]) for a in self.SPOKEN if found.get(a))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.parts.append(str(found["value"]))

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible(html: str) -> tuple[str, list[str]]:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts), parser.links


def xlsx_strings(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                      if n.startswith("xl/") and n.endswith(".xml"))
    return "\n".join(re.findall(r"<t[^>]*>([^<]*)</t>", xml))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def codes_of(container) -> set[str]:  # type: ignore[no-untyped-def]
    found: set[str] = set(KIND_OF_RULE)
    for wf in container.workflows.values():
        found |= set(wf.spec.states) | {t.trigger for t in wf.spec.transitions}
    for module in (vocab, support_vocab):
        for value in vars(module).values():
            if isinstance(value, dict) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value.values()):
                found |= set(value)
    with container.sessions() as s:
        found |= set(s.scalars(select(CaseEvent.trigger).distinct()))
        people = set(s.scalars(select(User.username)))
    # A username is a person's data, not a code (the demo's admin is called "admin").
    return {c for c in found if c and len(c) > 2} - people


def offences(text: str, codes: set[str], *, lang: str) -> list[str]:
    """Codes, catalogue keys, ISO dates and missing-key markers in what a person reads."""
    found = MARKER.findall(text) + ISO_DAY.findall(text)
    keys = {k for k in catalogue.messages("vi") if "_" in k or "." in k}
    # In English an ordinary word may equal a code ("received"): only the codes no
    # sentence uses (to_cao, answered_on_site, auto_escalate) count there.
    wanted = codes if lang == "vi" else {c for c in codes if "_" in c or "-" in c}
    for token in set(re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]", text)):
        if token in wanted or token in keys:
            found.append(token)
    return found


def shape(url: str) -> str:
    """A link's shape: the path with codes and numbers blanked, and its query's names."""
    parts = urlsplit(url)
    path = re.sub(r"/[A-Za-z]{1,8}-\d{4}-\d+|/\d+", "/#", parts.path)
    return path + "?" + ",".join(sorted({k for k, _ in parse_qsl(parts.query)}))


def crawl(page: Page, codes: set[str], lang: str) -> tuple[dict[str, list[str]], int]:
    """Every page and download reachable by GET from the menu; what each shows that it should not."""
    seen: set[str] = set()
    per_shape: Counter[str] = Counter()
    queue = ["/", "/cases", "/meetings", "/inbox", "/reports", "/audit", "/support", "/programmes", "/admin"]
    bad: dict[str, list[str]] = {}
    visited = 0
    while queue:
        url = queue.pop(0)
        if url in seen or any(url.startswith(s) for s in SKIP):
            continue
        seen.add(url)
        if per_shape[shape(url)] >= PER_PATTERN:
            continue
        per_shape[shape(url)] += 1
        r = page.get(url)
        visited += 1
        assert r.status_code < 500, (url, r.status_code)
        if r.status_code != 200:
            continue
        kind = r.headers.get("content-type", "")
        if kind.startswith("text/html"):
            text, links = visible(r.text)
            for link in links:
                target = urljoin(url, link)
                if target.startswith("/") and not target.startswith("//"):
                    queue.append(target.split("#")[0])
        elif kind.startswith("text/csv"):
            text = r.content.decode("utf-8-sig")
        elif "spreadsheetml" in kind:
            text = xlsx_strings(r.content)
        elif kind.startswith("application/pdf"):
            text = pdf_text(r.content)
        else:
            continue  # JSON and images are for machines
        found = offences(text, codes, lang=lang)
        if found:
            bad[url] = sorted(set(found))
    return bad, visited


@pytest.fixture
def demo(container):  # type: ignore[no-untyped-def]
    load_demo(container)
    return container


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_page_or_export_of_the_demo_shows_a_code(demo, lang):
    codes = codes_of(demo)
    assert {"to_cao", "answered_on_site", "escalated", "escalate", "auto_escalate"} <= codes
    with demo.sessions() as s:
        for user in s.scalars(select(User)):
            user.language = lang
        s.commit()
    report: dict[str, dict[str, list[str]]] = {}
    with TestClient(create_app(container=demo)) as http:
        for username in ROLES:
            page = Page(http)
            assert page.login(username, DEMO_PASSWORD).status_code == 303
            bad, visited = crawl(page, codes, lang)
            assert visited > 30, (username, visited)  # the walk reached the cases, not just the menu
            if bad:
                report[username] = bad
            page.post("/logout", {}, csrf=csrf_of(page.get("/").text))
    if report:
        import json; open(f"/tmp/scan-{lang}.json", "w").write(json.dumps(report, ensure_ascii=False, indent=1))  # DEBUG
    assert report == {}


def test_no_email_or_citizen_message_of_the_demo_shows_a_code(demo, smtp_server, notify_settings):  # noqa: F811
    codes = codes_of(demo)
    give_emails(demo.sessions, english=("lanhdao",))
    run_once(demo.sessions, notify_settings, demo.clock, workflows=demo.workflows, rng=random.Random(7))
    assert len(smtp_server.messages) >= 3
    bad = {}
    for message in smtp_server.messages:
        lang = "en" if message["To"].startswith("lanhdao@") else "vi"
        parts = [str(message["Subject"])] + [p.get_content() for p in message.walk()
                                              if p.get_content_maintype() == "text"]
        text = "\n".join(visible(p)[0] if "<html" in p else p for p in parts)
        found = offences(text, codes, lang=lang)
        if found:
            bad[f"{message['To']} {message['Subject']}"] = sorted(set(found))
    for notice in ("received", "answered", "escalated", "extended", "resolved"):
        n = CitizenNotice(notice=notice, code="TAMNGAI-2026-0001", unit_name="Phòng Kinh tế xã Tam Ngãi",
                          due="25/12/2026", appointment="20/12/2026", tracking_url="https://nghedan.test/tra-cuu/x")
        for text in (citizen_sentence(n), citizen_text(n), status_word(notice)):
            found = offences(text, codes, lang="vi")
            if found:
                bad[f"citizen {notice}"] = found
    assert bad == {}
