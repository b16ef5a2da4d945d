"""the overdue board's indexes carry the state (and, on PostgreSQL, the id): a scope's
overdue cases are found, counted and ordered from the index alone

Revision ID: 0028
Revises: 0027

(origin_unit_id, due_at) and (handling_unit_id, due_at) become (…, due_at, state):
the same ranges for every query that used them, and the board's "not closed" test
and its count read no table rows. Only indexes change.
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for side in ("origin", "handling"):
        op.drop_index(f"ix_cases_{side}_due", table_name="cases")
        op.create_index(f"ix_cases_{side}_due_state", "cases", [f"{side}_unit_id", "due_at", "state"],
                        postgresql_include=["id"])


def downgrade() -> None:
    for side in ("origin", "handling"):
        op.drop_index(f"ix_cases_{side}_due_state", table_name="cases")
        op.create_index(f"ix_cases_{side}_due", "cases", [f"{side}_unit_id", "due_at"])
