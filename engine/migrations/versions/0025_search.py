"""search index: cases.content_folded (the content without diacritics) and its index —
pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite

Revision ID: MIG
Revises: 0023

The column is filled in batches of ids (each batch one statement per row set, read
and written with the same ``engine.search.fold`` the queries use), so a province's
million cases never sit in memory at once. The downgrade drops the index and the
column; nothing else was changed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.search_index import create_index, drop_index, folded_content, rebuild_sqlite

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    # Native ADD / DROP COLUMN on both backends: a batch-mode copy of ``cases`` on
    # SQLite would have to drop a table other tables' foreign keys point at.
    op.add_column("cases", sa.Column("content_folded", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("content", sa.Text),
                     sa.column("content_folded", sa.Text))
    last = 0
    while True:
        rows = conn.execute(sa.select(cases.c.id, cases.c.content).where(cases.c.id > last)
                            .order_by(cases.c.id).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(sa.update(cases).where(cases.c.id == sa.bindparam("cid"))
                     .values(content_folded=sa.bindparam("folded")),
                     [{"cid": cid, "folded": folded_content(content or "")} for cid, content in rows])
        last = rows[-1][0]
    create_index(conn, conn.dialect.name)
    if conn.dialect.name == "sqlite":
        rebuild_sqlite(conn)


def downgrade() -> None:
    conn = op.get_bind()
    drop_index(conn, conn.dialect.name)
    op.execute("ALTER TABLE cases DROP COLUMN content_folded")
