"""a salted identity digest in every case's chain

Revision ID: 0010
Revises: 0009

Creation events chained ``citizen_sha256 = sha256("name|phone|address")``, which an
export handed to anyone who could download it, and which gives a phone-only
citizen's number back by brute force. Every case gets a random salt
(``cases.identity_salt``) and its creation event ``citizen_digest =
HMAC(salt, citizen_sha256)`` instead (engine.citizen_digest): no identity is read,
the unsalted value is gone, and the chain is recomputed from there.

Recomputing a chain must not launder one that was tampered with: an event is
re-hashed only while its case's chain verifies up to it; from the first break on,
the stored hashes stay as they were, so ``audit verify`` still reports the break.
Each re-hashed event is recorded in ``chain_rekeys`` (hash before and after, when),
which lets a seal of a day that ended before this migration be recomputed with the
hashes the Front's kept value was made from (engine.seals).
"""

from __future__ import annotations

import secrets
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

import engine.models.base
from engine.audit import GENESIS, chain_hash
from engine.citizen_digest import DIGEST_KEY, LEGACY_KEY, keyed

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 500

_cases = sa.table("cases", sa.column("id", sa.Integer), sa.column("code", sa.String),
                  sa.column("event_count", sa.Integer), sa.column("head_hash", sa.String),
                  sa.column("identity_salt", sa.String))
_events = sa.table("case_events", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                   sa.column("seq", sa.Integer), sa.column("at", engine.models.base.UTCDateTime(timezone=True)),
                   sa.column("actor", sa.String), sa.column("trigger", sa.String), sa.column("from_state", sa.String),
                   sa.column("to_state", sa.String), sa.column("note", sa.Text), sa.column("data", sa.JSON),
                   sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
_rekeys = sa.table("chain_rekeys", sa.column("event_id", sa.Integer), sa.column("old_hash", sa.String),
                   sa.column("new_hash", sa.String),
                   sa.column("rekeyed_at", engine.models.base.UTCDateTime(timezone=True)))


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch copy: SQLite cannot drop and recreate ``cases``
    # under the foreign keys of its events. So the column stays nullable in the
    # schema; the case service always fills it, and this migration fills the rest.
    op.add_column("cases", sa.Column("identity_salt", sa.String(length=64), nullable=True))
    op.create_table(
        "chain_rekeys",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("old_hash", sa.String(length=64), nullable=False),
        sa.Column("new_hash", sa.String(length=64), nullable=False),
        sa.Column("rekeyed_at", engine.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["case_events.id"], name=op.f("fk_chain_rekeys_event_id_case_events"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_chain_rekeys")),
    )
    conn = op.get_bind()
    # When the re-keying happened is the database server's clock: a migration runs
    # once, at a real moment, outside the application and its clock.
    now = sa.func.current_timestamp()
    last = 0
    while True:
        cases = conn.execute(sa.select(_cases).where(_cases.c.id > last).order_by(_cases.c.id).limit(BATCH)).all()
        if not cases:
            break
        last = cases[-1].id
        events: dict[int, list[sa.Row]] = {c.id: [] for c in cases}  # type: ignore[type-arg]
        for ev in conn.execute(sa.select(_events).where(_events.c.case_id.in_(list(events)))
                               .order_by(_events.c.case_id, _events.c.seq, _events.c.id)):
            events[ev.case_id].append(ev)
        for case in cases:
            _rekey(conn, case, events[case.id], now)


def _rekey(conn: sa.Connection, case: sa.Row, events: list[sa.Row], now: sa.ColumnElement[object]) -> None:  # type: ignore[type-arg]
    salt = secrets.token_hex(32)
    conn.execute(_cases.update().where(_cases.c.id == case.id).values(identity_salt=salt))
    first = events[0] if events else None
    if first is None or first.seq != 1 or LEGACY_KEY not in (first.data or {}):
        return
    old_prev = new_prev = GENESIS
    for expected, ev in enumerate(events, start=1):
        data = dict(ev.data or {})
        body = SimpleNamespace(seq=ev.seq, at=ev.at, actor=ev.actor, trigger=ev.trigger, from_state=ev.from_state,
                               to_state=ev.to_state, note=ev.note, data=data)
        if ev.seq != expected or ev.prev_hash != old_prev or chain_hash(old_prev, case.code, body) != ev.hash:
            # Broken here: leave this event and the rest as they are (still broken).
            if ev.seq == 1:  # the unsalted digest must go even from a broken chain
                data[DIGEST_KEY] = keyed(salt, str(data.pop(LEGACY_KEY)))
                conn.execute(_events.update().where(_events.c.id == ev.id).values(data=data))
            return
        if ev.seq == 1:
            data[DIGEST_KEY] = keyed(salt, str(data.pop(LEGACY_KEY)))
            body.data = data
        new_hash = chain_hash(new_prev, case.code, body)
        conn.execute(_events.update().where(_events.c.id == ev.id).values(data=data, prev_hash=new_prev, hash=new_hash))
        conn.execute(_rekeys.insert().values(event_id=ev.id, old_hash=ev.hash, new_hash=new_hash, rekeyed_at=now))
        old_prev, new_prev = ev.hash, new_hash
    if case.event_count == len(events) and case.head_hash == old_prev:
        conn.execute(_cases.update().where(_cases.c.id == case.id).values(head_hash=new_prev))


def downgrade() -> None:
    # The unsalted digests are gone for good (that is the point); the re-keyed chains
    # keep verifying without the salt column.
    op.drop_table("chain_rekeys")
    op.drop_column("cases", "identity_salt")
