"""``/api/v1/reports`` and ``/api/v1/audit``: the report's figures, case histories with
their chain verification, and the daily seals — bearer tokens and problem+json
like the rest of the API (``web.api``).

A unit or case outside the caller's grants is a 404; histories and seals are for
leaders, the Front's auditors and administrators (403 for others).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from engine.actors import Actor
from engine.errors import RoleNotAllowed
from engine.reports import AUDIT_ROLES, Period
from engine.reports.audit_export import CaseCheck, select_case, select_unit, verify_cases
from engine.reports.history_labels import HistoryLabels
from engine.seals import latest_seals, short_code, verify_seal
from engine.tabular import XLSX_MEDIA_TYPE

from ..api.auth import current_actor
from ..api.openapi import problems
from ..api.routing import ProblemRoute
from ..container import Container
from ..deps import get_container
from .common import history_response, make_report, report_response

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", route_class=ProblemRoute)

_JSON_CSV = {"application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}}
REPORT_200 = {200: {"description": "The report: JSON, CSV (UTF-8 with BOM) or an Excel workbook.",
                    "content": {**_JSON_CSV, XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}
HISTORY_200 = {200: {"description": ("Case histories with their chain verification: JSON (machine fields), or CSV "
                                     "(UTF-8 with BOM) and Excel in words, in the caller's language."),
                     "content": {**_JSON_CSV, XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}

CODE = Annotated[str, Path(max_length=40)]
UNIT = Annotated[str, Path(max_length=32)]


def _auditor(actor: Actor) -> Actor:
    if not actor.is_system and not any(g.role in AUDIT_ROLES for g in actor.grants):
        raise RoleNotAllowed(trigger="audit", roles=list(AUDIT_ROLES))
    return actor


@router.get("/reports/summary", tags=["reports"], summary="The figures of a period (report)",
            response_class=Response, responses={**REPORT_200, **problems(403, 404)})
def report_summary(
    start: Annotated[str, Query(alias="from", min_length=8, max_length=10, description="First day, YYYY-MM-DD")],
    end: Annotated[str, Query(alias="to", min_length=8, max_length=10, description="Last day, inclusive")],
    unit: Annotated[str | None, Query(max_length=32, description="Unit code; its subtree is counted")] = None,
    programme: Annotated[str | None, Query(max_length=64, description="Workflow key")] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query(description="json (default), csv or xlsx")] = "json",
    as_of: Annotated[str | None, Query(min_length=8, max_length=10, description=(
        "The day of the second status (YYYY-MM-DD): not before `to`, not after today. Default: today."))] = None,
    actor: Actor = Depends(current_actor),
    container: Container = Depends(get_container),
) -> Response:
    period = Period.of(start, end)
    report = make_report(container, actor, period, unit, programme, as_of)
    return report_response(report, format, actor.language)


class VerificationOut(BaseModel):
    code: str
    unit: str
    state: str
    event_count: int
    ok: bool
    problem: str | None
    seq: int | None
    # The same in words, in the caller's language (engine.reports.history_labels).
    unit_name: str
    state_label: str
    verdict: str


def _verification(labels: HistoryLabels, check: CaseCheck) -> VerificationOut:
    return VerificationOut(code=check.code, unit=check.unit, state=check.state, event_count=check.event_count,
                           ok=check.ok, problem=check.problem, seq=check.seq, unit_name=labels.unit(check.unit),
                           state_label=labels.state(check.workflow, check.state),
                           verdict=labels.verdict({"ok": check.ok, "seq": check.seq}))


class UnitVerificationOut(BaseModel):
    unit: str
    period: dict[str, str]
    cases: int
    broken: int
    results: list[VerificationOut]


class SealOut(BaseModel):
    day: date
    code: str
    root_hash: str
    case_count: int
    event_count: int


class SealCheckOut(BaseModel):
    day: date
    ok: bool
    current_code: str
    current_root_hash: str
    recorded_root_hash: str | None
    # match | mismatch (not this day's seal: a typo or another day) | altered (the seal
    # recorded that day no longer comes out: the histories changed after it).
    verdict: Literal["match", "mismatch", "altered"]


@router.get("/audit/cases/{code}/history", tags=["audit"], summary="A case's full history and its verification",
            response_class=Response, responses={**HISTORY_200, **problems(403, 404)})
def case_history(code: CODE, format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
                 actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Response:
    _auditor(actor)
    return history_response(container, actor, lambda s: select_case(s, actor, code), format, f"ho-so-{code}",
                            actor.language)


@router.get("/audit/cases/{code}/verification", response_model=VerificationOut, tags=["audit"],
            summary="Whether a case's hash chain is intact", responses=problems(403, 404))
def case_verification(code: CODE, actor: Actor = Depends(current_actor),
                      container: Container = Depends(get_container)) -> VerificationOut:
    _auditor(actor)
    with container.sessions() as session:
        sel = select_case(session, actor, code)
        [check] = list(verify_cases(session, sel))
        return _verification(HistoryLabels(session, actor.language, container.workflows), check)


@router.get("/audit/units/{unit}/history", tags=["audit"],
            summary="Histories of every case of a unit (and below) received in a period",
            response_class=Response, responses={**HISTORY_200, **problems(403, 404)})
def unit_history(unit: UNIT, start: Annotated[str, Query(alias="from", min_length=8, max_length=10)],
                 end: Annotated[str, Query(alias="to", min_length=8, max_length=10)],
                 format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
                 actor: Actor = Depends(current_actor), container: Container = Depends(get_container)) -> Response:
    _auditor(actor)
    period = Period.of(start, end)
    return history_response(container, actor, lambda s: select_unit(s, actor, unit, period), format,
                            f"lich-su-{unit}-{period.start}-{period.end}", actor.language)


@router.get("/audit/units/{unit}/verification", response_model=UnitVerificationOut, tags=["audit"],
            summary="Chain verification of every case of a unit in a period", responses=problems(403, 404))
def unit_verification(unit: UNIT, start: Annotated[str, Query(alias="from", min_length=8, max_length=10)],
                      end: Annotated[str, Query(alias="to", min_length=8, max_length=10)],
                      actor: Actor = Depends(current_actor),
                      container: Container = Depends(get_container)) -> UnitVerificationOut:
    _auditor(actor)
    period = Period.of(start, end)
    with container.sessions() as session:
        sel = select_unit(session, actor, unit, period)
        labels = HistoryLabels(session, actor.language, container.workflows)
        results = [_verification(labels, c) for c in verify_cases(session, sel)]
    return UnitVerificationOut(unit=unit, period=period.as_dict(), cases=len(results),
                               broken=sum(not r.ok for r in results), results=results)


@router.get("/audit/seals", response_model=list[SealOut], tags=["audit"], summary="The recorded daily seals",
            responses=problems(403))
def seals(limit: Annotated[int, Query(ge=1, le=366)] = 31, actor: Actor = Depends(current_actor),
          container: Container = Depends(get_container)) -> list[SealOut]:
    _auditor(actor)
    with container.sessions() as session:
        return [SealOut(day=s.day, code=short_code(s.root_hash), root_hash=s.root_hash, case_count=s.case_count,
                        event_count=s.event_count) for s in latest_seals(session, limit)]


@router.get("/audit/seals/{day}/verification", response_model=SealCheckOut, tags=["audit"],
            summary="Does the database still produce a seal you kept?", responses=problems(403, 422))
def seal_verification(day: date, value: Annotated[str, Query(min_length=1, max_length=80)],
                      actor: Actor = Depends(current_actor),
                      container: Container = Depends(get_container)) -> SealCheckOut:
    _auditor(actor)
    with container.sessions() as session:
        check = verify_seal(session, day, value)
    return SealCheckOut(day=day, ok=check.ok, current_code=check.actual.short_code,
                        current_root_hash=check.actual.root_hash, recorded_root_hash=check.recorded,
                        verdict=check.verdict)
