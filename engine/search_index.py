"""The search index over what citizens said: a folded copy of each case's content,
indexed for substring search at a province's scale.

``cases.content_folded`` holds ``engine.search.fold(content)`` (lowercase ASCII,
no tone or vowel marks), written by the case service in the transaction that
records the case (a case's content never changes afterwards). The index is the
backend's own:

* PostgreSQL: a ``pg_trgm`` GIN index on the column, which serves
  ``LIKE '%term%'`` for any term of three letters or more;
* SQLite: an FTS5 table with the ``trigram`` tokenizer (``cases_search``, external
  content: it reads the text from ``cases`` and stores only the index), filled by
  :func:`index_cases` in the same transaction. No trigger: a later migration that
  copies ``cases`` (SQLite's batch mode) would drop it silently.

A term shorter than three letters cannot use a trigram; it is checked with ``LIKE``
on the rows the other terms (and the other filters) leave. The citizen's identity is
not in this index: searching by name or phone reads the case row, and only for the
cases whose citizen the reader may see (``engine.citizen_search``).

The index is not in the models (a GIN operator class and a virtual table have no
portable declaration): ``SEARCH_OBJECTS`` names what the migration creates, and
``engine.migrate`` leaves those names out when it compares models and schema.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from sqlalchemy import ColumnElement, Connection, and_, func, select, text
from sqlalchemy.orm import Session

from .models import Case
from .search import MAX_TERMS, fold

__all__ = ["SEARCH_OBJECTS", "FTS_TABLE", "PG_INDEX", "MIN_TRIGRAM", "folded_content", "index_cases", "index_rows",
           "content_matches", "common", "COMMON_HITS", "create_index", "drop_index", "rebuild_sqlite"]

FTS_TABLE = "cases_search"
PG_INDEX = "ix_cases_content_trgm"
# FTS5 keeps its index in shadow tables named after the virtual table.
SEARCH_OBJECTS = frozenset({PG_INDEX, FTS_TABLE, *(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize",
                                                                                   "config", "content"))})
MIN_TRIGRAM = 3
COMMON_HITS = 5_000


def folded_content(content: str) -> str:
    """What ``cases.content_folded`` holds for ``content``."""
    return fold(content)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_phrase(term: str) -> str:
    # A quoted FTS5 string matches the term as a substring under the trigram
    # tokenizer; a quote inside is doubled, so no term is read as query syntax.
    return '"' + term.replace('"', '""') + '"'


def _fts_hits(terms: list[str]) -> Any:
    return select(text("rowid")).select_from(text(FTS_TABLE)).where(
        text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=" AND ".join(_fts_phrase(t) for t in terms)))


def _likes(terms: list[str], indexed: bool = True) -> list[ColumnElement[bool]]:
    # Unindexed, the text is tested as an expression no index holds (the text with ""
    # appended): PostgreSQL, misjudging a common phrase as rare, would otherwise
    # gather the country's hits through the trigram index for each window.
    text_of = Case.content_folded if indexed else Case.content_folded.concat("")
    return [text_of.like(f"%{_like_escape(t)}%", escape="\\") for t in terms]


def _terms(query: str) -> list[str]:
    return fold(query).split()[:MAX_TERMS]


def content_matches(session: Session, query: str, *, indexed: bool = True) -> ColumnElement[bool] | None:
    """Every word of ``query`` occurs in the case's content, diacritics ignored;
    ``None`` when the query has no words. At most ``MAX_TERMS`` words count.
    ``indexed=False``: the text test alone, for a read that walks few rows anyway."""
    terms = _terms(query)
    if not terms:
        return None
    likes = _likes(terms, indexed)
    long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM]
    if not indexed or session.get_bind().dialect.name != "sqlite" or not long_terms:
        return and_(*likes)
    return and_(Case.id.in_(_fts_hits(long_terms).scalar_subquery()), *likes)


def _estimate(session: Session, term: str) -> float:
    compiled = select(Case.id).where(Case.content_folded.like(f"%{term}%")).compile(session.get_bind())
    plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return float(plan[0]["Plan"]["Plan Rows"])


def common(session: Session, query: str) -> bool:
    """Whether more than ``COMMON_HITS`` cases in the whole database match (SQLite's
    index, counted no further; PostgreSQL's estimate). Such a term is found faster by reading the reader's
    newest cases and testing each than by gathering every hit of the country and
    keeping the reader's: 1 case in 8 of a million is 125,000 hits."""
    terms = _terms(query)
    long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM]
    if not long_terms:
        return False
    if session.get_bind().dialect.name == "postgresql":
        # The planner's estimate (its statistics test the pattern on sampled rows):
        # a plan, not a count, so a common term costs nothing to recognise.
        # Each word's estimate on its own — the planner multiplies the words' shares as
        # if independent, which makes a common phrase look rare — and the fewest of
        # them bounds the phrase's hits. Without ESCAPE (a driver-level string would
        # double its backslash): a typed "%" or "_" only moves an estimate, never what
        # the search finds.
        return min(_estimate(session, t) for t in terms) > COMMON_HITS
    capped = _fts_hits(long_terms).limit(COMMON_HITS + 1).subquery()
    return (session.scalar(select(func.count()).select_from(capped)) or 0) > COMMON_HITS


def index_cases(session: Session, cases: Iterable[Case]) -> None:
    """Add new cases (flushed: they have ids) to SQLite's FTS table, in the caller's
    transaction. PostgreSQL's index follows the column by itself."""
    index_rows(session, [(c.id, c.content_folded) for c in cases])


def index_rows(conn: Session | Connection, rows: Sequence[tuple[int, str]]) -> None:
    """``index_cases`` for rows written by Core statements: (case id, folded content)."""
    dialect = (conn.get_bind() if isinstance(conn, Session) else conn).dialect.name
    if dialect == "sqlite" and rows:
        conn.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, content_folded) VALUES (:rowid, :body)"),
                     [{"rowid": cid, "body": body} for cid, body in rows])


def create_index(conn: object, dialect: str) -> None:
    """Create the index (the migration, and a benchmark's bulk-loaded database)."""
    execute = conn.execute  # type: ignore[attr-defined]
    if dialect == "postgresql":
        execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        execute(text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON cases USING gin (content_folded gin_trgm_ops)"))
    else:
        execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(content_folded, "
                     "content='cases', content_rowid='id', tokenize='trigram')"))


def rebuild_sqlite(conn: object) -> None:
    """Re-read every case's folded text into the FTS table (after a bulk load)."""
    conn.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')"))  # type: ignore[attr-defined]


def drop_index(conn: object, dialect: str) -> None:
    execute = conn.execute  # type: ignore[attr-defined]
    if dialect == "postgresql":
        execute(text(f"DROP INDEX IF EXISTS {PG_INDEX}"))  # the extension may serve others: it stays
    else:
        execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
