"""No raw code reaches a person: every page each role of the demo can reach from its
menu, every export those pages link to, and every email and citizen message the demo
sends are scanned for state, trigger and vocabulary codes, ISO dates and catalogue keys.

The codes come from the loaded workflows, ``engine.vocab``, ``engine.support.vocab``, the
sweep's rule kinds and the triggers the demo's histories hold — never typed here.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
import random
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from engine import catalogue, vocab
from engine.deadline_rules.messages import KIND_OF_RULE
from engine.models import CaseEvent, OutboxMessage, User
from engine.support import vocab as support_vocab
from notifications import run_once
from notifications.text import SECTION_OF, event_phrase, workflow_state_label
from notifications.citizen_text import CitizenNotice, citizen_sentence, citizen_text, status_word
from web.app import create_app
from web.demo import DEMO_PASSWORD, USERS, load_demo

from .browser.web import Page, csrf_of
from .test_notify_support import give_emails, notify_settings, smtp_server  # noqa: F401

ROLES = tuple(USERS)  # canbo (official), lanhdao (leader), giamsat (Front), admin
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T[\d:.]+)?")  # a day or an instant as programs write them
MARKER = re.compile(r"⟦[^⟧]*⟧")
PER_PATTERN = 10  # pages of one shape (a case page, a meeting, a filter) visited per role
SKIP = ("/logout", "/static/", "/lang")


class _Visible(HTMLParser):
    """The text a person reads: text nodes, and the attributes a screen shows or speaks."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._form: tuple[str, dict[str, str]] | None = None  # a GET form, submitted as it stands
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        found = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "form" and (found.get("method") or "get").lower() == "get" and found.get("action"):
            self._form = (str(found["action"]), {})
        if self._form is not None and found.get("name"):
            name, fields = str(found["name"]), self._form[1]
            if tag == "input" and found.get("type") not in ("checkbox", "radio", "submit") and found.get("value"):
                fields[name] = str(found["value"])
            elif tag == "select":
                self._select = name
        if tag == "option" and self._form is not None and self._select and found.get("value"):
            if self._select not in self._form[1] or "selected" in found:
                self._form[1][self._select] = str(found["value"])
        self.parts.extend(str(found[a]) for a in self.SPOKEN if found.get(a))
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.parts.append(str(found["value"]))

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None
        if tag == "form" and self._form is not None:
            action, fields = self._form
            self.links.append(action + ("?" + urlencode(fields) if fields else ""))
            self._form = None
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self._hidden and data.strip():
            self.parts.append(data)


def visible(html: str) -> tuple[str, list[str]]:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts), parser.links


# A column headed "Mã" / "Code" holds identifiers beside their names (units' codes,
# the report's dimension keys) for programs that join tables: not text for a person.
ID_HEADERS = frozenset({"Mã", "Code"})


def _without_ids(rows: list[list[str]]) -> str:
    keep: list[int] | None = None
    out = []
    for row in rows:
        if keep is None and ID_HEADERS & set(row):
            keep = [i for i, cell in enumerate(row) if cell not in ID_HEADERS]
            out.append(" ".join(row))
            continue
        out.append(" ".join(row[i] for i in keep if i < len(row)) if keep is not None else " ".join(row))
    return "\n".join(out)


def csv_text(data: bytes) -> str:
    return _without_ids(list(csv.reader(io.StringIO(data.decode("utf-8-sig")))))


def _shown(cell) -> str:  # type: ignore[no-untyped-def]
    """A cell as the spreadsheet shows it: a date in its number format (day first, or ISO)."""
    value = cell.value
    if isinstance(value, (date, datetime)):
        day_first = str(cell.number_format).lower().startswith("dd/mm/yyyy")
        return value.strftime("%d/%m/%Y %H:%M" if isinstance(value, datetime) else "%d/%m/%Y") if day_first \
            else value.isoformat()
    return "" if value is None else str(value)


def xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(_without_ids([[_shown(c) for c in row] for row in sheet.iter_rows()]) for sheet in book.worksheets)


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
    path = re.sub(r"/[A-Z][A-Z0-9-]*-\d{4}-[A-Z0-9]+|/\d+", "/#", parts.path)
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
                    case = re.fullmatch(r"/cases/([A-Z]+-\d{4}-[A-Z0-9]+)", target)
                    if case:  # the Front's view of the same case, and its export (typed into /audit's form)
                        queue += [f"/audit/cases/{case.group(1)}", f"/audit/cases/{case.group(1)}/export.csv"]
        elif kind.startswith("text/csv"):
            text = csv_text(r.content)
        elif "spreadsheetml" in kind:
            text = xlsx_text(r.content)
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
    assert report == {}


def test_no_email_or_citizen_message_of_the_demo_shows_a_code(demo, smtp_server, notify_settings):  # noqa: F811
    codes = codes_of(demo)
    give_emails(demo.sessions, english=("lanhdao",))
    run_once(demo.sessions, notify_settings, demo.clock, workflows=demo.workflows, rng=random.Random(7))
    assert len(smtp_server.messages) >= 2
    bad = {}
    for message in smtp_server.messages:
        lang = "en" if message["To"].startswith("lanhdao@") else "vi"
        parts = [str(message["Subject"])] + [p.get_content() for p in message.walk()
                                              if p.get_content_maintype() == "text"]
        text = "\n".join(visible(p)[0] if "<html" in p else p for p in parts)
        found = offences(text, codes, lang=lang)
        if found:
            bad[f"{message['To']} {message['Subject']}"] = sorted(set(found))
    with demo.sessions() as s:  # every notice the demo raised, as the inbox and emails phrase it
        raised = [(m.kind, m.payload) for m in s.scalars(select(OutboxMessage))]
    assert {"case.created", "case.transitioned"} <= {kind for kind, _ in raised}
    raised += [(kind, {}) for kind in {*KIND_OF_RULE.values(), *SECTION_OF}]  # what the sweep raises
    state_label = workflow_state_label(demo.workflows)
    for kind, payload in raised:
        for lang in ("vi", "en"):
            text = event_phrase(kind, payload, lang, state_label, days_late=2, due_text="25/12/2026", unit_name="Xã A")
            found = offences(text, codes, lang=lang)
            if found:
                bad[f"{kind} {lang}"] = found
    for notice in ("received", "answered", "escalated", "extended", "resolved"):
        n = CitizenNotice(notice=notice, code="TAMNGAI-2026-0001", unit_name="Phòng Kinh tế xã Tam Ngãi",
                          due="25/12/2026", appointment="20/12/2026", tracking_url="https://nghedan.test/tra-cuu/x")
        for text in (citizen_sentence(n), citizen_text(n), status_word(notice)):
            found = offences(text, codes, lang="vi")
            if found:
                bad[f"citizen {notice}"] = found
    assert bad == {}
