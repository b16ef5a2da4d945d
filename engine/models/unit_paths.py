"""Asking for a subtree of units in SQL, in the form each database's indexes serve:

* ``path_under(Unit.path, "/1/4/")``: "this unit and everything below it";
* ``in_units(Case.origin_unit_id, select(Unit.id)...)``: a unit id among those, fit to
  be OR'd with another (the scope "origin or handling unit under mine").

A ``LIKE '/1/4/%'`` looked like the obvious spelling, but SQLite's LIKE is
case-insensitive, so its (binary) index cannot serve it and every scoped query
scanned the whole units index — 36,000 units for a country, twice per list query
(docs/benchmarks.md). PostgreSQL, for its part, uses an index for a LIKE prefix
only with pattern ops, and only when the planner sees the value (not in a generic
plan for a bound parameter). A byte-wise range ``[prefix, prefix with its last "/"
raised to "0")`` is served by both: plain comparisons on SQLite (binary
collation), the pattern-ops operators ``~>=~`` / ``~<~`` on PostgreSQL, matching
``ix_units_path`` (migration 0009).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String, and_, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

__all__ = ["path_under", "in_units"]


class PathUnder(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: no "= 1" where booleans are not native
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("lower", InternalTraversal.dp_clauseelement),
                           ("upper", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any, prefix: str) -> None:
        if not prefix.endswith("/"):
            raise ValueError(f"a unit path ends with '/': {prefix!r}")
        self.column = column
        self.lower = bindparam(None, prefix, type_=String())
        self.upper = bindparam(None, prefix[:-1] + "0", type_=String())  # "0" follows "/" in ASCII


def path_under(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` (a unit path) is ``prefix`` or lies below it."""
    return PathUnder(column, prefix)


@compiles(PathUnder)
def _as_like(element: PathUnder, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.column.like(element.lower.concat('%')), **kw)})"


@compiles(PathUnder, "sqlite")
def _as_range(element: PathUnder, compiler: Any, **kw: Any) -> str:
    # Parenthesised: the range must stay one term under NOT or next to an OR.
    return f"({compiler.process(and_(element.column >= element.lower, element.column < element.upper), **kw)})"


@compiles(PathUnder, "postgresql")
def _as_pattern_range(element: PathUnder, compiler: Any, **kw: Any) -> str:
    # The operators of varchar_pattern_ops: byte-wise whatever the collation.
    low = element.column.op("~>=~", is_comparison=True)(element.lower)
    high = element.column.op("~<~", is_comparison=True)(element.upper)
    return f"({compiler.process(and_(low, high), **kw)})"


class InUnits(ColumnElement[bool]):
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("units", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any, units: Any) -> None:
        self.column = column
        # Never correlated: the ids come from the units table alone, whatever the
        # enclosing query selects from.
        self.units = units.correlate(None).scalar_subquery()


def in_units(column: Any, units: Any) -> ColumnElement[bool]:
    """``column`` (a unit id) is one of the ids ``units`` (a one-column SELECT) returns.

    Scopes OR two of these ("origin or handling unit under mine"). PostgreSQL turns
    ``IN (subquery)`` into a join only at the top of a WHERE; under an OR it stays a
    hashed filter over every case (a sequential scan: 140–750 ms per list page at
    1,000,000 cases, docs/benchmarks.md). ``= ANY(ARRAY(subquery))`` is computed
    once, and each side becomes an index scan the planner can BitmapOr.
    """
    return InUnits(column, units)


@compiles(InUnits)
def _in_subquery(element: InUnits, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} IN ({compiler.process(element.units.element, **kw)}))"


@compiles(InUnits, "postgresql")
def _any_array(element: InUnits, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} = ANY(ARRAY({compiler.process(element.units.element, **kw)})))"
