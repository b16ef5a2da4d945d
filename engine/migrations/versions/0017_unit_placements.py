"""unit placements (where a re-parented unit was) and the successor index

Revision ID: 0017
Revises: 0016

The 2025 reform re-parents communes (to the province, once the district is gone)
and villages (to the commune that absorbed theirs). Scopes match materialised
paths by prefix, so a move rewrites paths; ``unit_placements`` keeps each former
path with the day it ended, and reports of the old units' own time read them
(engine.reports.scope). Successor links are read on every sign-in: indexed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_placements_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_placements")),
    )
    with op.batch_alter_table("unit_placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_placements_unit_id"), ["unit_id"], unique=False)
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index("ix_units_successor", ["successor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_successor")
    with op.batch_alter_table("unit_placements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_placements_unit_id"))
    op.drop_table("unit_placements")
