"""Search that ignores Vietnamese diacritics: "nuoc sinh hoat" finds "Nước sinh hoạt".

People type without accents on phones and old keyboards, so both sides are folded
to lowercase ASCII letters: the query in Python, the column in SQL with the same
table of letters (``translate`` on PostgreSQL; on SQLite, which has no
``translate``, this module's ``fold`` registered as a SQL function). Folding in SQL
needs no extra column; its cost is a scan of the rows the other filters leave. The
content of cases has a folded, indexed column instead (``engine.search_index``);
``matches_all`` serves what is not copied for search, the citizen's name
(``engine.citizen_search``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, String, and_, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["fold", "folded", "matches_all", "register_sqlite", "MAX_TERMS"]

MAX_TERMS = 8

# Every letter of the Vietnamese alphabet that carries a mark, lower and upper case.
_MARKED = (
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)


def fold(text: str) -> str:
    """Lowercase, without tone marks or vowel marks, đ → d."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


_PLAIN = "".join(fold(ch) for ch in _MARKED)
assert len(_PLAIN) == len(_MARKED) and _PLAIN.isascii()


class folded(FunctionElement[str]):  # noqa: N801  (reads as a SQL function)
    """``folded(column)``: the column's text folded like :func:`fold`, in SQL."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded, "postgresql")
def _folded_pg(element: folded, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return (f"lower(translate({compiler.process(arg, **kw)}, "
            f"{compiler.process(literal(_MARKED), **kw)}, {compiler.process(literal(_PLAIN), **kw)}))")


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    # SQLite has no translate(), and 134 nested replace() calls overflow its
    # parser: the Python function is registered on the connection instead
    # (``register_sqlite``, called by ``matches_all``).
    (arg,) = list(element.clauses)
    return f"{SQLITE_FUNCTION}({compiler.process(arg, **kw)})"


SQLITE_FUNCTION = "nghedan_fold"


def _sqlite_fold(value: Any) -> Any:
    return fold(value) if isinstance(value, str) else value


def register_sqlite(session: Session) -> None:
    """Make ``folded`` available on the session's SQLite connection (idempotent)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    raw.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)  # type: ignore[union-attr]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches_all(session: Session, column: Any, query: str) -> ColumnElement[bool] | None:
    """Every word of ``query`` occurs in ``column``, diacritics ignored; ``None``
    when the query has no words. At most ``MAX_TERMS`` words are used. The
    condition is for statements run on ``session``."""
    terms = fold(query).split()[:MAX_TERMS]
    if not terms:
        return None
    register_sqlite(session)
    target = folded(column)
    return and_(*[target.like(f"%{_like_escape(t)}%", escape="\\") for t in terms])
