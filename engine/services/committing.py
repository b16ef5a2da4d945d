"""Committing a change to one case and handing back what it became."""

from __future__ import annotations

from ..actors import Actor
from ..errors import StaleVersion
from ..models import Case
from ..uow import UnitOfWork
from .views import CaseSnapshot, snapshot

__all__ = ["commit_case"]


def commit_case(uow: UnitOfWork, case: Case, actor: Actor) -> CaseSnapshot:
    """Flush, snapshot (as ``actor`` may see it) and commit. A concurrent writer that got there first turns
    into ``StaleVersion`` naming this case and the version it was read at."""
    version_read = case.version
    try:
        uow.session.flush()
        result = snapshot(case, actor)
        uow.commit()
    except StaleVersion:
        raise StaleVersion(case=case.code, expected=version_read, actual="?") from None
    return result
