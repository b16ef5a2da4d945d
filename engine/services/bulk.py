"""Bulk work on a selection of cases: one workflow trigger (escalate, close as
duplicate …) fired on each selected case, or each assigned to one person
(``engine.assignment``), the page and the API alike.

Each case is its own event and its own transaction (``CaseService.fire_within``
through ``engine.services.idempotency.once``): a case that is refused (another
state, another unit, a role the workflow does not give, a version that moved since
the list was shown) changes nothing of itself and nothing of the others, and the
summary says what was done and what was refused, with the engine's own reason.

A retried submission does not act twice: the submission's key gives every case a
key of its own (``case_key``), written in that case's transaction, so a retry hands
back "already done" for the cases the first attempt did and tries only the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..actors import Actor
from ..assignment import ASSIGN_TRIGGER
from ..codes import normalise_code
from ..errors import DomainError, InvalidField, MissingField, StaleVersion
from ..uow import UnitOfWork
from .cases import CaseService
from .idempotency import check_key, once

__all__ = ["Selected", "Outcome", "BulkResult", "MAX_SELECTION", "bulk_fire", "bulk_assign", "case_key"]

MAX_SELECTION = 100


@dataclass(frozen=True)
class Selected:
    """A case of the selection, with the version the reader saw (``None``: any)."""

    code: str
    version: int | None = None


@dataclass(frozen=True)
class Outcome:
    code: str
    done: bool
    replayed: bool = False  # done by an earlier attempt of the same submission
    state: str | None = None  # where a done case now stands
    refusal: DomainError | None = None


@dataclass(frozen=True)
class BulkResult:
    trigger: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.done]


def case_key(key: str, code: str) -> str:
    """The idempotency key of one case of a submission (within the 100 characters)."""
    return "bulk-" + hashlib.sha256(f"{key}\n{code}".encode()).hexdigest()[:48]


def _selection(items: Sequence[Selected]) -> list[Selected]:
    if not items:
        raise MissingField(field="codes", trigger="bulk")
    if len(items) > MAX_SELECTION:
        raise InvalidField(field="codes", problem_vi=f"chọn tối đa {MAX_SELECTION} ý kiến một lần",
                           problem_en=f"select at most {MAX_SELECTION} cases at a time")
    seen: set[str] = set()
    out = []
    for item in items:
        code = normalise_code(item.code) if isinstance(item.code, str) else None
        key = code or str(item.code)[:40]
        if key not in seen:  # the same case twice in one selection is one case
            seen.add(key)
            out.append(Selected(key, item.version))
    return out


def bulk_fire(cases: CaseService, actor: Actor, items: Sequence[Selected], trigger: str,
              data: Mapping[str, Any], *, key: str) -> BulkResult:
    """Fire ``trigger`` with ``data`` on each selected case, each in its own
    transaction; never raises for one case's refusal (it is in the result)."""
    check_key(actor, key)
    if not isinstance(trigger, str) or not trigger:
        raise MissingField(field="trigger", trigger="bulk")
    payload_data = dict(data)

    def work(uow: UnitOfWork, item: Selected) -> Any:
        case = cases.fire_within(uow, actor, item.code, trigger, payload_data, expected_version=item.version)
        uow.session.flush()
        return case

    return _each(cases, actor, items, key, trigger, "case.bulk", {"trigger": trigger, "data": payload_data}, work)


def bulk_assign(cases: CaseService, actor: Actor, items: Sequence[Selected], username: Any, *,
                key: str) -> BulkResult:
    """Assign each selected case to ``username`` through the assignment engine
    (``engine.assignment.refusal`` per case: a leader of its handling unit, a person
    working there, an open case), each in its own transaction, as :func:`bulk_fire`."""
    check_key(actor, key)
    if not isinstance(username, str) or not username.strip():
        raise MissingField(field="assignee", trigger="bulk")
    if len(username) > 64 or "\x00" in username:  # no username is: refused once, not once per case
        raise InvalidField(field="assignee", problem_vi="hãy chọn người được giao", problem_en="choose the assignee")

    def work(uow: UnitOfWork, item: Selected) -> Any:
        return cases.assign_within(uow, actor, item.code, "assign", username, expected_version=item.version)

    return _each(cases, actor, items, key, ASSIGN_TRIGGER, "case.bulk_assign", {"assignee": username}, work)


def _each(cases: CaseService, actor: Actor, items: Sequence[Selected], key: str, trigger: str, operation: str,
          payload: Mapping[str, Any], work: Callable[[UnitOfWork, Selected], Any]) -> BulkResult:
    """``work`` on each case of the selection under its own key (``case_key``)."""
    outcomes = []
    for item in _selection(items):
        def answer(uow: UnitOfWork, case: Any) -> dict[str, Any]:
            return {"code": case.code, "state": case.state}

        try:
            first, replayed = once(cases, actor, case_key(key, item.code), operation,
                                   {"code": item.code, **payload}, lambda uow, item=item: work(uow, item), answer)
        except StaleVersion as err:
            # ``once`` cannot name the case when the flush finds the version moved.
            outcomes.append(Outcome(item.code, False, refusal=StaleVersion(
                case=item.code, expected=item.version if item.version is not None else "?",
                actual=err.params.get("actual", "?"))))
            continue
        except DomainError as err:
            outcomes.append(Outcome(item.code, False, refusal=err))
            continue
        outcomes.append(Outcome(first["code"], True, replayed=replayed, state=first["state"]))
    return BulkResult(trigger, outcomes)
