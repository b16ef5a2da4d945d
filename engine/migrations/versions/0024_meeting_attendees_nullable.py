"""meetings.attendees may be empty: a count nobody typed is not a count of 0

Revision ID: MIG
Revises: 0023

A blank attendee count on the intake form used to be stored as 0, which reports
summed as "nobody came". From now on it is NULL (not counted). Existing zeros stay:
nothing tells a typed 0 from a blank one. The downgrade writes 0 for NULL again,
since the old schema cannot hold "not counted".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def _nullable(nullable: bool) -> None:
    # On SQLite a batch rebuild of the table (engine.migrate turns foreign keys off
    # for it, since cases point at meetings, and checks them before committing).
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.alter_column("attendees", existing_type=sa.Integer(), nullable=nullable)


def upgrade() -> None:
    _nullable(True)


def downgrade() -> None:
    op.execute("UPDATE meetings SET attendees = 0 WHERE attendees IS NULL")
    _nullable(False)
