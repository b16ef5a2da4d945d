"""The citizen reception register (sổ tiếp công dân) of a unit over a period, in the
columns of the register form the Government Inspectorate prescribes with its
reception procedure (Thông tư 04/2021/TT-TTCP; docs/programmes.md says how far the
columns were checked): one row per petition received at a reception day, oldest
first. The page, the PDF and the XLSX all print these rows; the citizen's identity
is what ``engine.disclosure`` lets the reader see for the purpose (a file that
leaves the application gets the masked contact at most, a denouncer never).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..disclosure import contact_for, disclosure
from ..models import Case, CaseEvent, Meeting, ReceptionDay, Unit, path_under
from ..tabular import put_cell
from ..vocab import KINDS, label
from .programmes import ROUTES
from .scope import resolve_scope

__all__ = ["COLUMNS", "ROUTE_LABELS", "OCCASION_LABELS", "Register", "reception_register", "register_xlsx"]

# (key, Vietnamese heading, English heading), in the form's order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("no", "STT", "No."),
    ("day", "Ngày tiếp", "Date received"),
    ("citizen", "Họ tên, địa chỉ người đến", "Name and address"),
    ("content", "Nội dung vụ việc", "Matter"),
    ("kind", "Phân loại đơn, vụ việc", "Kind"),
    ("receiver", "Người tiếp", "Received by"),
    ("route", "Hướng xử lý", "Route taken"),
    ("result", "Theo dõi kết quả giải quyết", "Result"),
    ("code", "Mã theo dõi", "Tracking code"),
)
ROUTE_LABELS = {"accepted": ("Tiếp nhận, thụ lý", "Accepted"), "guided": ("Hướng dẫn", "Guided"),
                "forwarded": ("Chuyển đơn", "Forwarded"), "pending": ("Chưa phân loại", "Not yet classified")}
OCCASION_LABELS = {"regular": ("định kỳ", "regular"), "ad_hoc": ("đột xuất", "ad hoc")}
_WITHHELD = ("(giữ bí mật)", "(confidential)")


@dataclass(frozen=True)
class Register:
    unit_name: str
    start: date
    end: date
    headings: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def reception_register(session: Session, actor: Actor, unit: str | None, start: date, end: date, *,
                       purpose: str, lang: str, state_label: Callable[[str, str], str]) -> Register:
    """``state_label(workflow, state)`` names a case's state in ``lang``."""
    scope = resolve_scope(session, actor, unit)
    en = lang.startswith("en")
    pick = (lambda pair: pair[1]) if en else (lambda pair: pair[0])
    found = session.execute(
        select(Case, Meeting.held_on, ReceptionDay.receiver_name, ReceptionDay.occasion)
        .join(Meeting, Meeting.id == Case.meeting_id).join(ReceptionDay, ReceptionDay.meeting_id == Meeting.id)
        .join(Unit, Unit.id == Meeting.unit_id)
        .where(or_(*(path_under(Unit.path, p) for p in scope.paths)), Meeting.held_on >= start,
               Meeting.held_on <= end)
        .order_by(Meeting.held_on, Meeting.id, Case.id)).all()
    routes: dict[int, str] = {}
    for case_id, trigger in session.execute(
            select(CaseEvent.case_id, CaseEvent.trigger).where(
                CaseEvent.case_id.in_([row[0].id for row in found]), CaseEvent.trigger.in_(list(ROUTES)))
            .order_by(CaseEvent.case_id, CaseEvent.seq)):
        routes.setdefault(case_id, ROUTES[trigger])
    rows = []
    for n, (case, held_on, receiver, occasion) in enumerate(found, start=1):
        level = disclosure(actor, case.kind, case.origin_unit.path, case.handling_unit.path, purpose=purpose)
        who = contact_for(level, case.citizen_name, case.citizen_phone, case.citizen_address)
        citizen = pick(_WITHHELD) if who.withheld else ", ".join(x for x in (who.name, who.address) if x) or "—"
        result = state_label(case.workflow_key, case.state) + (f": {case.answer}" if case.answer else "")
        rows.append((n, held_on, citizen, case.content, label(KINDS, case.kind, "en" if en else "vi"),
                     f"{receiver} ({pick(OCCASION_LABELS.get(occasion, (occasion, occasion)))})",
                     pick(ROUTE_LABELS[routes.get(case.id, "pending")]), result, case.code))
    return Register(scope.label(), start, end, tuple(pick((vi, en_)) for _, vi, en_ in COLUMNS), tuple(rows))


def register_xlsx(register: Register, title: str) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "So tiep cong dan"
    put_cell(ws, 1, 1, title)
    put_cell(ws, 2, 1, f"{register.unit_name}: {register.start:%d/%m/%Y} – {register.end:%d/%m/%Y}")
    for col, heading in enumerate(register.headings, start=1):
        put_cell(ws, 4, col, heading)
    for r, row in enumerate(register.rows, start=5):
        for col, value in enumerate(row, start=1):
            put_cell(ws, r, col, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

