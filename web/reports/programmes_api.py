"""``/api/v1/reports/programmes``: the figures of reception days, dialogues and the Tổ
dân vận for a period (engine.reports.programmes), bearer tokens and problem+json."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from engine.actors import Actor
from engine.reports import Period
from engine.reports.programmes import programme_figures

from ..api.auth import current_actor
from ..api.openapi import problems
from ..api.routing import ProblemRoute
from ..container import Container
from ..deps import get_container

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)


@router.get("/reports/programmes", tags=["reports"], summary="Reception days, dialogues and village teams",
            responses={**problems(403, 404)})
def programmes_report(
    start: Annotated[str, Query(alias="from", min_length=8, max_length=10, description="First day, YYYY-MM-DD")],
    end: Annotated[str, Query(alias="to", min_length=8, max_length=10, description="Last day, inclusive")],
    unit: Annotated[str | None, Query(max_length=32, description="Unit code; its subtree is counted")] = None,
    actor: Actor = Depends(current_actor),
    container: Container = Depends(get_container),
) -> dict[str, Any]:
    period = Period.of(start, end)
    with container.reads() as session:
        return programme_figures(session, actor, unit, period.start, period.end)
