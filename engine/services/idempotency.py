"""Requests that take effect once, whoever sends them twice: the rule of
``Idempotency-Key`` for every write that creates something (a meeting's intake
with its opinions, a new case, a remark, a workflow action and its event).

* A key is 1 to 100 printable ASCII characters, and a user's own: two users'
  keys never meet, and the system (which has no account) cannot use one.
* The key's row is written in the transaction of the work it stands for and
  flushed before that work, so a concurrent copy waits for the first one and
  then replays it; a crash leaves neither.
* Within ``RETENTION`` (a day) the same request under the key gets the first
  answer, and writes nothing; another request under it (another body, another
  case, another kind of write: ``fingerprint`` covers them) is refused with
  ``IdempotencyKeyReused``, which the API answers 422.
* After ``RETENTION`` the key is forgotten and the request is new. Each keyed
  write also deletes the ``PURGE_BATCH`` oldest expired keys (anyone's), so the
  table holds about a day's worth of keys without a job that scans it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from sqlalchemy import delete, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..actors import Actor
from ..errors import DomainError, InvalidField, StaleVersion
from ..models import IdempotencyKey
from ..uow import UnitOfWork

if TYPE_CHECKING:
    from .cases import CaseService

__all__ = ["RETENTION", "PURGE_BATCH", "IdempotencyKeyReused", "check_key", "fingerprint", "find", "claim",
           "once"]

RETENTION = timedelta(days=1)
PURGE_BATCH = 50
_KEY = re.compile(r"[!-~]{1,100}")  # printable ASCII, no spaces: what fits in a header

R = TypeVar("R")
Answer = dict[str, Any]


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    key = "error.idempotency-key-reused"

    def __init__(self, *, meeting_id: int | None = None) -> None:
        super().__init__(meeting_id=meeting_id,
                         where_vi=f" (đã lưu thành buổi tiếp xúc số {meeting_id})" if meeting_id else "",
                         where_en=f" (saved as meeting {meeting_id})" if meeting_id else "")


def check_key(actor: Actor, key: Any) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidField(field="Idempotency-Key", problem_vi="phải gồm 1 đến 100 ký tự ASCII in được, không dấu cách",
                           problem_en="must be 1 to 100 printable ASCII characters without spaces")
    if actor.is_system:
        raise InvalidField(field="Idempotency-Key", problem_vi="chỉ dùng được với tài khoản người dùng",
                           problem_en="needs a user account")
    return key


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def fingerprint(operation: str, payload: Any) -> str:
    """SHA-256 of what a request asks for: its kind (``case.remark``), what it
    addresses and its body, as JSON with sorted keys."""
    text = json.dumps([operation, payload], sort_keys=True, ensure_ascii=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def find(session: Session, actor: Actor, key: str, sha: str | None, now: datetime, *,
         forget_expired: bool = True) -> IdempotencyKey | None:
    """The live row of ``key``, or None. Raises ``IdempotencyKeyReused`` when the key
    holds another request. An expired row is deleted (in the caller's transaction)
    so that the key can be used again."""
    row = session.get(IdempotencyKey, (actor.user_id, key))
    if row is None:
        return None
    if row.created_at <= now - RETENTION:
        if forget_expired:
            # A statement, not ``session.delete``: a concurrent purge may have taken the
            # row already, and deleting nothing is then right, not an error.
            session.expunge(row)
            session.execute(delete(IdempotencyKey).where(
                IdempotencyKey.user_id == actor.user_id, IdempotencyKey.request_key == key,
                IdempotencyKey.created_at <= now - RETENTION))
        return None
    # NULL: a form nonce kept from before requests were fingerprinted (migration 0011).
    if row.request_sha256 is not None and row.request_sha256 != sha:
        raise IdempotencyKeyReused(meeting_id=row.meeting_id)
    return row


def claim(session: Session, actor: Actor, key: str, sha: str, now: datetime, *,
          meeting_id: int | None = None) -> IdempotencyKey:
    """Write ``key``'s row now, before the work: a concurrent copy of the request
    waits here (on the primary key) instead of after doing the work twice."""
    # The oldest expired keys, anyone's; rows another writer is purging right now are
    # skipped (PostgreSQL), so two purges never wait on each other or deadlock.
    expired = (select(IdempotencyKey.user_id, IdempotencyKey.request_key)
               .where(IdempotencyKey.created_at <= now - RETENTION)
               .order_by(IdempotencyKey.created_at).limit(PURGE_BATCH).with_for_update(skip_locked=True))
    stale = [tuple(r) for r in session.execute(expired)]
    if stale:
        session.execute(delete(IdempotencyKey).where(
            tuple_(IdempotencyKey.user_id, IdempotencyKey.request_key).in_(stale)))
    row = IdempotencyKey(user_id=actor.user_id, request_key=key, request_sha256=sha, meeting_id=meeting_id,
                         codes=[], created_at=now)
    session.add(row)
    session.flush()
    return row


def once(cases: CaseService, actor: Actor, key: str, operation: str, payload: Any,
         work: Callable[[UnitOfWork], R], answer: Callable[[UnitOfWork, R], Answer]) -> tuple[Answer, bool]:
    """Do ``work`` and build its ``answer`` in one transaction of the case service,
    with ``key``'s row; or hand back the first answer under ``key`` (second item
    True)."""
    check_key(actor, key)
    sha = fingerprint(operation, payload)

    def run(uow: UnitOfWork) -> tuple[Answer, bool]:
        now = cases.clock.now()
        row = find(uow.session, actor, key, sha, now)
        if row is not None:
            if row.answer is None:  # a meeting's key: not this request
                raise IdempotencyKeyReused(meeting_id=row.meeting_id)
            return row.answer, True
        row = claim(uow.session, actor, key, sha, now)
        done = work(uow)
        try:
            uow.session.flush()  # the answer shows the rows as they will be committed (versions)
        except StaleDataError:
            raise StaleVersion(case="?", expected="?", actual="?") from None
        first = answer(uow, done)
        row.answer = first
        return first, False

    try:
        return cases.within(run)
    except IntegrityError:
        # PostgreSQL: a concurrent copy inserted the key first and ours waited for
        # it to commit. (SQLite writers queue before they read.)
        with cases.uow(write=False) as uow:
            row = find(uow.session, actor, key, sha, cases.clock.now(), forget_expired=False)
            if row is None or row.answer is None:
                raise
            return row.answer, True
