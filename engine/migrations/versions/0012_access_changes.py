"""access can be taken away: the record of access changes, forced password change
(and how long a temporary password lasts),
throttle counters taken atomically (replacing web_attempts)

Revision ID: 0012
Revises: 0011

``web_attempts`` held one row per sign-in or lookup and was counted before the
work, so concurrent attempts all counted the same rows and all went through. Its
successor ``rate_counters`` is one row per key, incremented by one UPSERT
(``engine.throttles``). Attempts are not moved across: a counter starts empty,
which lets at most one more window of attempts through after the upgrade.
``access_changes`` is append-only: triggers refuse UPDATE and DELETE on both
backends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION access_changes_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access_changes is append-only';
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    # A plain ALTER TABLE on both backends: batch mode would copy and drop ``users``,
    # which every other table references.
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("users", sa.Column("temporary_until", engine.models.base.UTCDateTime(timezone=True),
                                     nullable=True))

    op.create_table("access_changes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("by_name", sa.String(length=80), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("action", sa.String(length=32), nullable=False),
    sa.Column("detail", sa.String(length=200), nullable=False),
    sa.Column("request_key", sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_access_changes_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_access_changes")),
    sa.UniqueConstraint("request_key", name=op.f("uq_access_changes_request_key"))
    )
    with op.batch_alter_table("access_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_changes_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_changes_user_id"), ["user_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER access_changes_append_only BEFORE UPDATE OR DELETE ON access_changes "
                   "FOR EACH ROW EXECUTE FUNCTION access_changes_append_only()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER access_changes_no_{verb.lower()} BEFORE {verb} ON access_changes "
                       "BEGIN SELECT RAISE(ABORT, 'access_changes is append-only'); END")

    op.create_table("rate_counters",
    sa.Column("key", sa.String(length=120), nullable=False),
    sa.Column("started_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters"))
    )
    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_counters_started_at"), ["started_at"], unique=False)

    with op.batch_alter_table("web_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_web_attempts_kind_subject_at")
        batch_op.drop_index("ix_web_attempts_kind_ip_at")
        batch_op.drop_index(batch_op.f("ix_web_attempts_at"))
    op.drop_table("web_attempts")


def downgrade() -> None:
    op.create_table("web_attempts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=16), nullable=False),
    sa.Column("subject", sa.String(length=64), nullable=False),
    sa.Column("ip", sa.String(length=64), nullable=False),
    sa.Column("at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("ok", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_web_attempts"))
    )
    with op.batch_alter_table("web_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_attempts_at"), ["at"], unique=False)
        batch_op.create_index("ix_web_attempts_kind_ip_at", ["kind", "ip", "at"], unique=False)
        batch_op.create_index("ix_web_attempts_kind_subject_at", ["kind", "subject", "at"], unique=False)

    with op.batch_alter_table("rate_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_counters_started_at"))
    op.drop_table("rate_counters")

    # Dropping the table drops its triggers on both backends; the function stays.
    with op.batch_alter_table("access_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_changes_user_id"))
        batch_op.drop_index(batch_op.f("ix_access_changes_at"))
    op.drop_table("access_changes")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION access_changes_append_only()")

    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users DROP COLUMN temporary_until")
        op.execute("ALTER TABLE users DROP COLUMN must_change_password")
    else:
        op.drop_column("users", "temporary_until")
        op.drop_column("users", "must_change_password")
