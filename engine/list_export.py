"""The export of a case list as it is filtered on screen: CSV and Excel, through
``engine.tabular``, labels rather than codes, the citizen as an export may carry it.

The rows are the list's own query (``engine.listing.page_cases``, the same
filters, order and scope), read page by page up to ``EXPORT_LIMIT``. The citizen
goes through ``engine.disclosure`` with purpose ``EXPORT``: masked at most (a file
is a copy outside any access control), and a denunciation's author not at all, for
every role. Headers come from the caller (the pages' catalogue), in the reader's
language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .actors import Actor
from .calendar import LOCAL_TZ, WorkingCalendar
from .deadlines import lateness
from .disclosure import EXPORT, contact_for, disclosure
from .listing import CaseQuery, CaseRow, page_cases
from .models import Case, Meeting, Unit
from .tabular import CsvWriter, put_cell
from .vocab import CHANNELS, KINDS, TOPICS, label
from .workflow import Workflow, is_final

__all__ = ["COLUMNS", "EXPORT_LIMIT", "ExportRow", "list_rows", "list_csv", "list_xlsx"]

EXPORT_LIMIT = 10_000
# The keys the caller gives a header for, in column order.
COLUMNS = ("code", "received", "programme", "kind", "topic", "channel", "meeting", "village", "handling_unit",
           "state", "deadline", "late", "content", "citizen")


@dataclass(frozen=True)
class ExportRow:
    values: tuple[Any, ...]  # in COLUMNS order


def _contacts(session: Session, actor: Actor, ids: Sequence[int]) -> dict[int, tuple[str, Any]]:
    origin, handling = aliased(Unit), aliased(Unit)
    out: dict[int, tuple[str, Any]] = {}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(Case.id, Case.kind, Case.citizen_name, Case.citizen_phone, Case.citizen_address, origin.path,
                   handling.path, Meeting.held_on)
            .join(origin, origin.id == Case.origin_unit_id).join(handling, handling.id == Case.handling_unit_id)
            .outerjoin(Meeting, Meeting.id == Case.meeting_id).where(Case.id.in_(ids[chunk:chunk + 500])))
        for cid, kind, name, phone, address, o_path, h_path, held_on in rows:
            level = disclosure(actor, kind, o_path, h_path, purpose=EXPORT)
            out[cid] = (level, contact_for(level, name, phone, address), held_on)
    return out


def _citizen_text(level: str, contact: Any, words: Mapping[str, str]) -> str:
    if contact.withheld:
        return words["withheld"]
    shown = [x for x in (contact.name, contact.phone) if x]
    return ", ".join(shown) if shown else words["anonymous"]


def list_rows(session: Session, actor: Actor, query: CaseQuery, workflows: Mapping[str, Workflow], lang: str,
              cal: WorkingCalendar, now: datetime, words: Mapping[str, str]) -> list[ExportRow]:
    """The list's rows as cells. ``words``: the reader's text for ``withheld`` (a
    protected author) and ``anonymous``."""
    found: list[CaseRow] = []
    cursor = None
    while len(found) < EXPORT_LIMIT:
        page = page_cases(session, actor, query, limit=100, cursor=cursor)
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    found = found[:EXPORT_LIMIT]
    contacts = _contacts(session, actor, [r.id for r in found])
    out = []
    for r in found:
        wf = workflows.get(r.workflow)
        final = is_final(workflows, r.workflow, r.state)
        overdue = r.due_at is not None and not final and r.due_at < now
        level, contact, held_on = contacts[r.id]
        out.append(ExportRow((
            r.code, r.received_at.astimezone(LOCAL_TZ).date(), wf.name.get(lang) if wf else r.workflow,
            label(KINDS, r.kind, lang), label(TOPICS, r.topic, lang), label(CHANNELS, r.channel, lang),
            held_on, r.origin_unit_name, r.handling_unit_name, wf.label(r.state, lang) if wf else r.state,
            r.due_at.astimezone(LOCAL_TZ).replace(tzinfo=None) if r.due_at else None,
            (lateness(cal, r.due_at, now) if overdue and r.due_at else None), r.content,
            _citizen_text(level, contact, words),
        )))
    return out


def list_csv(headers: Sequence[str], rows: Sequence[ExportRow]) -> str:
    out = CsvWriter()
    out.row(headers)
    for r in rows:
        out.row(v.strftime("%d/%m/%Y %H:%M") if isinstance(v, datetime) else
                v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v for v in r.values)
    return out.take()


def list_xlsx(title: str, headers: Sequence[str], rows: Sequence[ExportRow]) -> bytes:
    from openpyxl import Workbook  # only exports need it
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for col, text in enumerate(headers, start=1):
        put_cell(ws, 1, col, text).font = Font(bold=True)
    for i, r in enumerate(rows, start=2):
        for col, value in enumerate(r.values, start=1):
            cell = put_cell(ws, i, col, value)
            if isinstance(value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif hasattr(value, "strftime"):
                cell.number_format = "dd/mm/yyyy"
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
