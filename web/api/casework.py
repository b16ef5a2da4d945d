"""``/api/v1/cases/{code}/extensions`` and ``/assignment``: an official's case work.

Both go through the case service (``extend_within``, ``assign_within``: one
transaction with the request's ``Idempotency-Key``, so a replay gets the first
answer), and every rule is the engine's: the extension's limits from the
workflow (engine.deadline_rules.extensions), who may assign whom
(engine.assignment). Refusals are problem+json like every other write."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Depends, Request

from engine.actors import Actor
from engine.codes import normalise_code

from ..container import Container
from ..deps import get_container
from .auth import current_actor
from .cases import CodePath, IdempotencyKey, _keyed, _written, case_out
from .openapi import problems
from .routing import ProblemRoute, request_lang
from .schemas import AssignmentRequest, CaseOut, ExtensionRequest

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/cases", tags=["cases"], route_class=ProblemRoute)


def _case_step(request: Request, container: Container, actor: Actor, key: str | None, operation: str, code: str,
               body: Any, within: Callable[[Any], Any], alone: Callable[[], Any], status: int) -> Any:
    """One step on a case: under ``key`` once (its first answer kept with it), else
    written at once; either way the case as the caller may see it."""
    if key is not None:
        return _keyed(request, container, actor, key, operation,
                      {"code": normalise_code(code) or code, "body": body.model_dump(mode="json")},
                      lambda uow: _written(uow, within(uow), actor), status)
    return case_out(container, actor, alone(), request_lang(request))


@router.post("/{code}/extensions", response_model=CaseOut, status_code=201,
             summary="Extend the current stage's deadline (gia hạn), with a reason", responses=problems(403, 404, 409))
def extend(request: Request, code: CodePath, body: ExtensionRequest, idempotency_key: IdempotencyKey = None,
           actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    cases, version = container.cases, body.expected_version
    return _case_step(request, container, actor, idempotency_key, "case.extend", code, body,
                      lambda uow: cases.extend_within(uow, actor, code, body.working_days, body.reason,
                                                      expected_version=version),
                      lambda: cases.extend(actor, code, body.working_days, body.reason, expected_version=version),
                      201)


@router.post("/{code}/assignment", response_model=CaseOut,
             summary="Assign the case to a person of its handling unit, take it, or release it",
             responses=problems(403, 404, 409))
def assign(request: Request, code: CodePath, body: AssignmentRequest, idempotency_key: IdempotencyKey = None,
           actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    cases, version = container.cases, body.expected_version
    return _case_step(request, container, actor, idempotency_key, "case.assign", code, body,
                      lambda uow: cases.assign_within(uow, actor, code, body.action, body.assignee,
                                                      expected_version=version),
                      lambda: cases.assign(actor, code, body.action, body.assignee, expected_version=version),
                      200)
