"""indexes for scoped lists; prefix-matchable unit paths on PostgreSQL

Revision ID: 0009
Revises: 0008

A case list is scoped to "origin or handling unit under the actor's units". With
an index per side of that OR, each led by the unit and followed by the list's
order column (received_at or due_at), a page — and the overdue board — reads the
actor's own cases instead of walking the global due-date index past everyone
else's (measured at 1,000,000 cases: the board went from ~220 ms to ~10 ms for a
commune leader; docs/benchmarks.md). ``(handling_unit_id, state, due_at)`` is
replaced by ``(handling_unit_id, due_at)``: lists filter states by exclusion,
which a leading state column cannot range over.

``units.path`` is matched by prefix; on PostgreSQL a btree serves ``LIKE 'x%'``
only with ``varchar_pattern_ops`` unless the database collation is C.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_handling_state_due")
        batch_op.create_index("ix_cases_handling_received", ["handling_unit_id", "received_at"])
        batch_op.create_index("ix_cases_origin_due", ["origin_unit_id", "due_at"])
        batch_op.create_index("ix_cases_handling_due", ["handling_unit_id", "due_at"])
    with op.batch_alter_table("units") as batch_op:
        batch_op.drop_index("ix_units_path")
        batch_op.create_index("ix_units_path", ["path"], postgresql_ops={"path": "varchar_pattern_ops"})


def downgrade() -> None:
    with op.batch_alter_table("units") as batch_op:
        batch_op.drop_index("ix_units_path")
        batch_op.create_index("ix_units_path", ["path"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_handling_due")
        batch_op.drop_index("ix_cases_origin_due")
        batch_op.drop_index("ix_cases_handling_received")
        batch_op.create_index("ix_cases_handling_state_due", ["handling_unit_id", "state", "due_at"])
