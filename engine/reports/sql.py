"""SQL expressions whose spelling differs between SQLite and PostgreSQL.

* ``local_month(ts)`` — the local (Asia/Ho_Chi_Minh) month of a stored UTC instant,
  as "YYYY-MM". SQLite stores naive UTC text and shifts it by the zone's offset
  (+7 h, constant since 1975); PostgreSQL converts ``AT TIME ZONE``.
* ``date_month(d)`` — the month of a ``DATE`` column, "YYYY-MM".
* ``iso_before(text, instant)`` — whether an ISO 8601 instant kept as text inside a
  JSON document (an event's ``data.due_at``) is before ``instant``: compared as
  instants, not as strings (offsets and fractional seconds vary).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, literal

from ..calendar import LOCAL_TZ

__all__ = ["local_month", "date_month", "iso_before", "LOCAL_OFFSET_HOURS"]


def _offset_hours() -> int:
    offset = datetime(2000, 1, 1, tzinfo=LOCAL_TZ).utcoffset() or timedelta(0)
    later = datetime(2030, 7, 1, tzinfo=LOCAL_TZ).utcoffset() or timedelta(0)
    if offset != later or offset % timedelta(hours=1):
        raise RuntimeError("local_month on SQLite assumes a constant whole-hour offset")  # pragma: no cover
    return int(offset / timedelta(hours=1))


LOCAL_OFFSET_HOURS = _offset_hours()
_ZONE_NAME = str(LOCAL_TZ.key)


class local_month(FunctionElement[str]):
    type = String()
    inherit_cache = True
    name = "local_month"


@compiles(local_month, "sqlite")
def _local_month_sqlite(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(arg, **kw)}, '{LOCAL_OFFSET_HOURS:+d} hours')"


@compiles(local_month, "postgresql")
def _local_month_pg(element: local_month, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"to_char(({compiler.process(arg, **kw)}) AT TIME ZONE '{_ZONE_NAME}', 'YYYY-MM')"


class date_month(FunctionElement[str]):
    type = String()
    inherit_cache = True
    name = "date_month"


@compiles(date_month, "sqlite")
def _date_month_sqlite(element: date_month, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(arg, **kw)})"


@compiles(date_month, "postgresql")
def _date_month_pg(element: date_month, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"to_char({compiler.process(arg, **kw)}, 'YYYY-MM')"


class _iso_before(FunctionElement[bool]):
    type = Boolean()
    inherit_cache = True
    name = "iso_before"


def iso_before(text: ColumnElement[Any], instant: datetime) -> ColumnElement[bool]:
    """``text`` (ISO 8601 with an offset) is strictly before the aware ``instant``."""
    iso = instant.astimezone(timezone.utc).isoformat()
    return _iso_before(text, literal(iso, String()))


@compiles(_iso_before, "sqlite")
def _iso_before_sqlite(element: _iso_before, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"(julianday({compiler.process(a, **kw)}) < julianday({compiler.process(b, **kw)}))"


@compiles(_iso_before, "postgresql")
def _iso_before_pg(element: _iso_before, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return (f"(CAST({compiler.process(a, **kw)} AS TIMESTAMP WITH TIME ZONE) < "
            f"CAST({compiler.process(b, **kw)} AS TIMESTAMP WITH TIME ZONE))")
