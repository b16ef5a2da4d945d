"""idempotency keys for meeting intakes (web form nonces and the API's Idempotency-Key)

Revision ID: 0011
Revises: 0010

``web_form_nonces`` held a form's nonce and, once saved, its meeting. Its successor
is scoped to the user (an API client chooses its own keys), keeps a fingerprint of
the request (the same key with another body is refused) and the first result's
codes, and is written in the transaction that records the meeting. Nonces already
saved move across with their meeting's codes and no fingerprint, so a form posted
before the upgrade and replayed after it still finds its meeting.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import engine.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _keys_table() -> sa.Table:
    return sa.table("idempotency_keys", sa.column("user_id", sa.Integer()), sa.column("request_key", sa.String()),
                    sa.column("request_sha256", sa.String()), sa.column("meeting_id", sa.Integer()),
                    sa.column("codes", sa.JSON()),
                    sa.column("created_at", engine.models.base.UTCDateTime(timezone=True)))


def _nonces_table() -> sa.Table:
    return sa.table("web_form_nonces", sa.column("nonce", sa.String()), sa.column("user_id", sa.Integer()),
                    sa.column("created_at", engine.models.base.UTCDateTime(timezone=True)),
                    sa.column("meeting_id", sa.Integer()))


def upgrade() -> None:
    op.create_table("idempotency_keys",
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("request_key", sa.String(length=100), nullable=False),
    sa.Column("request_sha256", sa.String(length=64), nullable=True),
    sa.Column("meeting_id", sa.Integer(), nullable=False),
    sa.Column("codes", sa.JSON(), nullable=False),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_idempotency_keys_meeting_id_meetings")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("user_id", "request_key", name=op.f("pk_idempotency_keys"))
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_keys_created_at"), ["created_at"], unique=False)

    bind = op.get_bind()
    nonces = _nonces_table()
    saved = bind.execute(sa.select(nonces.c.nonce, nonces.c.user_id, nonces.c.meeting_id, nonces.c.created_at)
                         .where(nonces.c.meeting_id.is_not(None))).all()
    cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("code", sa.String()),
                     sa.column("meeting_id", sa.Integer()))
    rows = [{"user_id": user_id, "request_key": nonce, "request_sha256": None, "meeting_id": meeting_id,
             "codes": list(bind.execute(sa.select(cases.c.code).where(cases.c.meeting_id == meeting_id)
                                        .order_by(cases.c.id)).scalars()),
             "created_at": created_at}
            for nonce, user_id, meeting_id, created_at in saved]
    if rows:
        op.bulk_insert(_keys_table(), rows)

    with op.batch_alter_table("web_form_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_form_nonces_created_at"))
    op.drop_table("web_form_nonces")


def downgrade() -> None:
    op.create_table("web_form_nonces",
    sa.Column("nonce", sa.String(length=64), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("created_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column("meeting_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], name=op.f("fk_web_form_nonces_meeting_id_meetings")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_form_nonces_user_id_users"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("nonce", name=op.f("pk_web_form_nonces"))
    )
    with op.batch_alter_table("web_form_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_form_nonces_created_at"), ["created_at"], unique=False)

    # Form nonces go back (an API client's keys had no home before this revision);
    # a nonce is unique on its own there, so the first holder of a key keeps it.
    bind = op.get_bind()
    keys = _keys_table()
    seen: set[str] = set()
    rows = []
    for user_id, key, meeting_id, created_at in bind.execute(
            sa.select(keys.c.user_id, keys.c.request_key, keys.c.meeting_id, keys.c.created_at)
            .order_by(keys.c.created_at)):
        if len(key) <= 64 and key not in seen:
            seen.add(key)
            rows.append({"nonce": key, "user_id": user_id, "meeting_id": meeting_id, "created_at": created_at})
    if rows:
        op.bulk_insert(_nonces_table(), rows)

    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_created_at"))
    op.drop_table("idempotency_keys")
