"""the PIN printed on a case's receipt, hashed

Revision ID: 0021
Revises: 0018

``receipt_pins`` holds, per case, the hash of the PIN printed on its latest receipt
(phiếu tiếp nhận); with it the citizen rates the answer and asks for a re-check on
the tracking page. Attempts are counted in ``web_attempts`` (kind ``pin``), which
exists already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_pins",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("issued_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_receipt_pins_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_receipt_pins_issued_by_id_users")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_receipt_pins")),
    )


def downgrade() -> None:
    op.drop_table("receipt_pins")
