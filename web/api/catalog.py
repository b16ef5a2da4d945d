"""Reference data: the unit tree, the workflows, and who the caller is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import aliased

from engine.actors import Actor
from engine.errors import NotFound
from engine.models import Unit
from engine.pagination import decode_cursor, encode_cursor
from engine.uow import UnitOfWork
from engine.vocab import UNIT_LEVELS

from ..container import Container
from ..deps import get_container
from .auth import current_actor
from .openapi import problems
from .routing import ProblemRoute
from .schemas import UnitList, UnitOut, WorkflowOut, WorkflowSummary

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)


class GrantOut(BaseModel):
    role: str
    unit: str


class MeOut(BaseModel):
    username: str
    language: str
    grants: list[GrantOut]


@router.get("/me", response_model=MeOut, tags=["auth"], summary="Who the token belongs to", responses=problems())
def me(actor: Actor = Depends(current_actor)) -> MeOut:
    return MeOut(username=actor.username, language=actor.language,
                 grants=[GrantOut(role=g.role, unit=g.unit_code) for g in actor.grants])


@router.get("/units", response_model=UnitList, tags=["units"], summary="The administrative tree (paginated)",
            responses=problems(404))
def units(
    parent: Annotated[str | None, Query(max_length=32, description="Only the children of this unit.")] = None,
    level: Annotated[str | None, Query(pattern=r"^[a-z]{1,16}$",
                                       description=f"One of: {', '.join(UNIT_LEVELS)}.")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    actor: Actor = Depends(current_actor),
    container: Container = Depends(get_container),
) -> UnitList:
    parent_unit, successor = aliased(Unit), aliased(Unit)
    stmt = (select(Unit, parent_unit.code, successor.code)
            .outerjoin(parent_unit, Unit.parent_id == parent_unit.id)
            .outerjoin(successor, Unit.successor_id == successor.id))
    with UnitOfWork(container.sessions, write=False) as uow:
        if parent is not None:
            pid = uow.session.scalar(select(Unit.id).where(Unit.code == parent)) if "\x00" not in parent else None
            if pid is None:
                raise NotFound(what="đơn vị / unit", key=parent[:32])
            stmt = stmt.where(Unit.parent_id == pid)
        if level is not None:
            stmt = stmt.where(Unit.level == level)
        if cursor:
            (after,) = decode_cursor(cursor, "units", (int,))
            stmt = stmt.where(Unit.id > after)
        rows = uow.session.execute(stmt.order_by(Unit.id).limit(limit + 1)).all()
        items = [UnitOut(code=u.code, name=u.name, level=u.level, parent=p, valid_from=u.valid_from,
                         valid_to=u.valid_to, successor=s) for u, p, s in rows[:limit]]
        last_id = rows[limit - 1][0].id if len(rows) > limit else None
    return UnitList(items=items, next_cursor=encode_cursor("units", (last_id,)) if last_id else None)


@router.get("/workflows", response_model=list[WorkflowSummary], tags=["workflows"],
            summary="The programmes this server runs", responses=problems())
def workflows(actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) \
        -> list[WorkflowSummary]:
    out = []
    for key in sorted(container.workflows):
        spec = container.workflows[key].spec
        out.append(WorkflowSummary(
            key=key, name=spec.name.model_dump(), description=spec.description.model_dump() if spec.description
            else None, initial=spec.initial, states=list(spec.states),
            triggers=list(dict.fromkeys(t.trigger for t in spec.transitions))))
    return out


@router.get("/workflows/{key}", response_model=WorkflowOut, tags=["workflows"],
            summary="A programme's states, deadlines and transitions", responses=problems(404))
def workflow(key: Annotated[str, Path(max_length=64)], actor: Actor = Depends(current_actor),
             container: Container = Depends(get_container)) -> WorkflowOut:
    wf = container.workflows.get(key)
    if wf is None:
        raise NotFound(what="quy trình / workflow", key=key[:64])
    return WorkflowOut(**wf.to_dict())
