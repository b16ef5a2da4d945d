"""``POST /api/v1/cases/bulk/{trigger}``: one workflow trigger on a selection of cases
(``/bulk/assign``: each assigned to one person, through ``engine.assignment``),
each case its own event and its own transaction (``engine.services.bulk``), with
what was done and what was refused and why. The ``Idempotency-Key`` is required: a
retry with it does not act twice on any case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from pydantic import BaseModel, Field

from engine.actors import Actor
from engine.errors import NotFound, OutOfScope
from engine.services.bulk import MAX_SELECTION, BulkResult, Selected, bulk_assign, bulk_fire

from ..container import Container
from ..deps import get_container
from .auth import current_actor
from .openapi import problems
from .routing import ProblemRoute, request_lang
from .schemas import INT32, TransitionData, _Request, text

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/cases/bulk", tags=["cases"], route_class=ProblemRoute)


class BulkCase(_Request):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    expected_version: Annotated[int, Field(strict=True, ge=1, le=INT32)] | None = None


class BulkRequest(_Request):
    cases: Annotated[list[BulkCase], Field(min_length=1, max_length=MAX_SELECTION)]
    data: TransitionData = Field(default_factory=TransitionData)


class BulkAssignRequest(_Request):
    cases: Annotated[list[BulkCase], Field(min_length=1, max_length=MAX_SELECTION)]
    assignee: text(64, min_length=1) = Field(description="Username of the person to assign every case to.")  # type: ignore[valid-type]


class BulkCaseOut(BaseModel):
    code: str
    done: bool
    replayed: bool = Field(description="Done by an earlier request under the same Idempotency-Key; not repeated.")
    state: str | None = None
    problem: str | None = Field(default=None, description="The problem type of a refusal (as the single-case "
                                                         "routes answer it).")
    detail: str | None = None


class BulkOut(BaseModel):
    trigger: str
    done: int
    refused: int
    cases: list[BulkCaseOut]


# Before the trigger route: "assign" is the history's name of an assignment, not a trigger.
@router.post("/assign", response_model=BulkOut, summary="Assign many cases to one person, each on its own",
             responses=problems(403))
def bulk_assign_route(request: Request, body: BulkAssignRequest,
                      idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=r"^[!-~]{1,100}$")],
                      actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    result = bulk_assign(container.cases, actor, [Selected(c.code, c.expected_version) for c in body.cases],
                         body.assignee, key=idempotency_key)
    return _out(result, request_lang(request))


@router.post("/{trigger}", response_model=BulkOut, summary="Fire one trigger on many cases, each on its own",
             responses=problems(403))
def bulk(request: Request, body: BulkRequest,
         trigger: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
         idempotency_key: Annotated[str, Header(alias="Idempotency-Key", pattern=r"^[!-~]{1,100}$")],
         actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Any:
    result = bulk_fire(container.cases, actor, [Selected(c.code, c.expected_version) for c in body.cases], trigger,
                       body.data.model_dump(mode="json", exclude_none=True), key=idempotency_key)
    return _out(result, request_lang(request))


def _out(result: BulkResult, lang: str) -> BulkOut:
    out = []
    for o in result.outcomes:
        err = o.refusal
        if isinstance(err, OutOfScope):  # answered as a missing case, like GET /cases/{code}
            problem, detail = "not-found", NotFound(what="ý kiến / case", key=o.code).message(lang)
        else:
            problem, detail = (err.code, err.message(lang)) if err is not None else (None, None)
        out.append(BulkCaseOut(code=o.code, done=o.done, replayed=o.replayed, state=o.state, problem=problem,
                               detail=detail))
    return BulkOut(trigger=result.trigger, done=len(result.done), refused=len(result.refused), cases=out)
