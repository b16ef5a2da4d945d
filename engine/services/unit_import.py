"""A units CSV read as a person sends it, and what importing it would change,
before anything is written.

``read_file`` decodes and checks every line, collecting each problem (line,
column, what is wrong, in both languages) instead of stopping at the first, so
the page can list them all. ``preview`` says, per unit, whether the file adds it,
changes it (which fields), ends it into a successor (a merger) or leaves it as it
is, and runs the import itself (``engine.services.units.import_decision``, the
CLI's) in the caller's transaction to find what only the whole tree shows (a
cycle, a successor loop, cases received after an end date): the caller rolls
that transaction back to only look, or commits it to import.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DomainError, InvalidField
from ..models import Unit
from ..vocab import UNIT_LEVELS
from .directory import UnitRow
from .fields import clean_text
from .units import ImportReport, import_decision

__all__ = ["MAX_LINES", "LineProblem", "ReadFile", "UnitChange", "ImportPreview", "read_file", "read_lines", "preview"]

MAX_LINES = 5_000  # a province's tree per file; a country's is several files
COLUMNS = ("code", "name", "level", "parent_code", "valid_from", "valid_to", "successor_code")
REQUIRED = ("code", "name", "level", "parent_code")
# A cell a spreadsheet would run as a formula (CSV injection) is refused, never "fixed".
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_LEVELS_VI = ", ".join(f"{k} ({vi})" for k, (vi, _) in UNIT_LEVELS.items())
_LEVELS_EN = ", ".join(f"{k} ({en})" for k, (_, en) in UNIT_LEVELS.items())


@dataclass(frozen=True)
class LineProblem:
    line: int | None  # None: the file as a whole
    column: str | None
    vi: str
    en: str


@dataclass(frozen=True)
class ReadFile:
    rows: list[UnitRow]
    lines: dict[str, int]  # code → line
    problems: list[LineProblem]


@dataclass(frozen=True)
class UnitChange:
    line: int
    code: str
    name: str
    status: str  # new | changed | successor | unchanged
    fields: tuple[str, ...] = ()  # the columns a change changes


@dataclass
class ImportPreview:
    changes: list[UnitChange] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    report: ImportReport | None = None

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)


def _problem(line: int | None, column: str | None, vi: str, en: str) -> LineProblem:
    return LineProblem(line, column, vi, en)


def _decode(data: bytes) -> str | LineProblem:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _problem(None, None, "tệp không phải bảng mã UTF-8 (có thể là Windows-1258 hoặc TCVN3); hãy lưu lại "
                                    "dưới dạng “CSV UTF-8” rồi gửi lại",
                        "the file is not UTF-8 (perhaps Windows-1258 or TCVN3); save it as “CSV UTF-8” and send it "
                        "again")


def _cell(line: int, column: str, raw: object, problems: list[LineProblem]) -> str:
    text = raw if isinstance(raw, str) else ""
    if text.startswith(_FORMULA) and text.strip():
        problems.append(_problem(line, column, "bắt đầu bằng =, +, -, @ như một công thức bảng tính; hãy bỏ ký tự đó",
                                 "starts with =, +, -, @ like a spreadsheet formula; remove that character"))
        return ""
    try:
        return clean_text("name" if column == "name" else "code", text, required=False)
    except InvalidField as err:
        problems.append(_problem(line, column, str(err.params.get("problem_vi", "")),
                                 str(err.params.get("problem_en", ""))))
        return ""


def _day(line: int, column: str, text: str, problems: list[LineProblem]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(_problem(line, column, f"ngày “{text[:20]}” không đúng dạng YYYY-MM-DD (ví dụ 2025-07-01)",
                                 f"date “{text[:20]}” is not YYYY-MM-DD (e.g. 2025-07-01)"))
        return None


def read_file(session: Session, data: bytes) -> ReadFile:
    """Every line checked; a line with a problem is left out of ``rows``."""
    text = _decode(data)
    if isinstance(text, LineProblem):
        return ReadFile([], {}, [text])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return ReadFile([], {}, [_problem(1, None, f"thiếu cột {', '.join(missing)} ở dòng tiêu đề",
                                          f"the header lacks the column(s) {', '.join(missing)}")])
    reader.fieldnames = header
    return read_lines(session, reader)


def read_lines(session: Session, raws: Iterable[Mapping[str, Any]]) -> ReadFile:
    """``read_file``'s checks on lines already split into columns (a file's, or the one
    line of a unit edited in a form), numbered from 2 as under a header."""
    problems: list[LineProblem] = []
    rows: list[UnitRow] = []
    lines: dict[str, int] = {}
    for line, raw in enumerate(raws, start=2):
        if line - 1 > MAX_LINES:
            return ReadFile([], {}, [_problem(None, None, f"tệp có hơn {MAX_LINES:,} dòng; hãy chia thành nhiều tệp"
                                              .replace(",", "."), f"the file has over {MAX_LINES:,} lines; split it")])
        before = len(problems)
        cells = {c: _cell(line, c, raw.get(c), problems) for c in COLUMNS}
        code, level = cells["code"], cells["level"]
        if not code or len(code) > 32:
            problems.append(_problem(line, "code", "mã đơn vị trống hoặc dài quá 32 ký tự",
                                     "unit code empty or longer than 32 characters"))
        elif code in lines:
            problems.append(_problem(line, "code", f"mã “{code}” đã có ở dòng {lines[code]}",
                                     f"code “{code}” already on line {lines[code]}"))
        if level not in UNIT_LEVELS:
            problems.append(_problem(line, "level", f"cấp “{level[:20]}” không có; dùng một mã: " + _LEVELS_VI,
                                     f"unknown level “{level[:20]}”; use one code: " + _LEVELS_EN))
        valid_from = _day(line, "valid_from", cells["valid_from"], problems)
        valid_to = _day(line, "valid_to", cells["valid_to"], problems)
        if len(problems) == before:
            lines[code] = line
            rows.append(UnitRow(code, cells["name"][:200] or code, level, cells["parent_code"] or None,
                                valid_from, valid_to, cells["successor_code"] or None))
    if not rows and not problems:
        problems.append(_problem(None, None, "tệp không có dòng đơn vị nào", "the file has no unit line"))
    _refs(session, rows, lines, problems)
    return ReadFile([r for r in rows if not any(p.line == lines[r.code] for p in problems)], lines, problems)


def _refs(session: Session, rows: Sequence[UnitRow], lines: dict[str, int], problems: list[LineProblem]) -> None:
    """Parents and successors must be in the file or already known."""
    wanted = {c for r in rows for c in (r.parent_code, r.successor_code) if c and c not in lines}
    known = set(session.scalars(select(Unit.code).where(Unit.code.in_(sorted(wanted))))) if wanted else set()
    for row in rows:
        for column, code in (("parent_code", row.parent_code), ("successor_code", row.successor_code)):
            if code and code not in lines and code not in known:
                what = ("đơn vị cấp trên", "parent unit") if column == "parent_code" else ("đơn vị kế thừa", "successor")
                problems.append(_problem(lines[row.code], column, f"{what[0]} “{code}” không có trong tệp và hệ thống",
                                         f"{what[1]} “{code}” is neither in the file nor known"))


def _status(row: UnitRow, unit: Unit | None, codes: dict[int, str]) -> tuple[str, tuple[str, ...]]:
    if unit is None:
        return "new", ()
    now = {"name": unit.name, "level": unit.level, "parent_code": codes.get(unit.parent_id or 0),
           "valid_from": unit.valid_from, "valid_to": unit.valid_to,
           "successor_code": codes.get(unit.successor_id or 0)}
    wanted = {"name": row.name, "level": row.level, "parent_code": row.parent_code, "valid_from": row.valid_from,
              "valid_to": row.valid_to, "successor_code": row.successor_code}
    changed = tuple(k for k in wanted if wanted[k] != now[k])
    if "successor_code" in changed and row.successor_code:
        return "successor", changed
    return ("changed", changed) if changed else ("unchanged", ())


def preview(session: Session, data: bytes | Sequence[Mapping[str, Any]], on: date, *,
            final_states: Sequence[str] = ()) -> ImportPreview:
    """What importing ``data`` (a file's bytes, or lines already in columns) changes,
    having imported it in ``session`` (the caller commits or rolls back); nothing is
    imported when a line has a problem."""
    read = read_file(session, data) if isinstance(data, bytes) else read_lines(session, data)
    out = ImportPreview(problems=list(read.problems))
    if out.problems:
        return out
    existing = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_([r.code for r in read.rows])))}
    codes = dict(session.execute(select(Unit.id, Unit.code)).tuples().all())
    for row in read.rows:
        status, changed = _status(row, existing.get(row.code), codes)
        out.changes.append(UnitChange(read.lines[row.code], row.code, row.name, status, changed))
    try:
        out.report = import_decision(session, read.rows, on, final_states=final_states)
    except InvalidField as err:
        # What only the whole tree shows: named by its column when it is one of the file's.
        column = str(err.params.get("field", ""))
        out.problems.append(_problem(None, column if column in COLUMNS else None,
                                     str(err.params.get("problem_vi", "")), str(err.params.get("problem_en", ""))))
    except DomainError as err:
        out.problems.append(_problem(None, None, err.message("vi"), err.message("en")))
    return out
