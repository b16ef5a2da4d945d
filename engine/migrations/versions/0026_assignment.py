"""assignment of a case to a person, and the unit of the last ended stage

Revision ID: MIG
Revises: 0023

Two nullable columns on ``cases`` (plain ALTER TABLE: SQLite cannot copy ``cases``
under its events' foreign keys, see 0010, and cannot drop a column a key names, so
neither column has one; users and units are never deleted) and the index of
"Việc của tôi". Existing cases have nobody assigned; their last stage's unit stays
unknown (NULL), so none of them appears as "late below" until its next stage ends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("last_stage_unit_id", sa.Integer(), nullable=True))
    op.add_column("cases", sa.Column("assignee_id", sa.Integer(), nullable=True))
    op.create_index("ix_cases_assignee_due", "cases", ["assignee_id", "due_at"], unique=False)


def downgrade() -> None:
    # SQLite drops a column only once no index names it.
    op.drop_index("ix_cases_assignee_due", table_name="cases")
    op.drop_column("cases", "assignee_id")
    op.drop_column("cases", "last_stage_unit_id")
