"""What the report pages and the report API share: reading the query, building the
report, the export responses and the audit selections."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

from fastapi.responses import Response, StreamingResponse

from engine.actors import Actor
from engine.calendar import LOCAL_TZ
from engine.reports import Period, Report, ReportRequest, build_report
from engine.reports.audit_export import CaseSelection, history_json
from engine.reports.history_labels import HistoryLabels
from engine.reports.history_tables import history_csv, history_xlsx
from engine.reports.export import report_csv, report_json, report_xlsx
from engine.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

from ..container import Container

__all__ = ["programme_names", "make_report", "report_response", "history_response", "default_period",
           "presets", "query_string", "ascii_name"]


def programme_names(c: Container) -> dict[str, tuple[str, str]]:
    return {key: (wf.name.vi, wf.name.en) for key, wf in c.workflows.items()}


def today(c: Container) -> date:
    return c.clock.now().astimezone(LOCAL_TZ).date()


def default_period(c: Container) -> Period:
    """This month so far."""
    day = today(c)
    return Period(day.replace(day=1), day)


def presets(c: Container) -> list[tuple[str, Period]]:
    day = today(c)
    first = day.replace(day=1)
    last_month_end = first - timedelta(days=1)
    quarter = Period.preset(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return [
        ("this_month", Period(first, day)),
        ("last_month", Period(last_month_end.replace(day=1), last_month_end)),
        ("this_quarter", Period(quarter.start, min(quarter.end, day))),
        ("half_year", Period.preset(f"{day.year}-H1")),
        ("this_year", Period(date(day.year, 1, 1), day)),
    ]


def make_report(c: Container, actor: Actor, period: Period, unit: str | None, programme: str | None,
                as_of: str | None = None) -> Report:
    with c.reads() as session:
        return build_report(session, actor, ReportRequest(period, unit or None, programme or None, as_of or None),
                            now=c.clock.now(), programmes=programme_names(c))


def ascii_name(*parts: str) -> str:
    text = "-".join(p for p in parts if p)
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in text)[:120]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def report_response(report: Report, fmt: str, lang: str) -> Response:
    base = ascii_name("bao-cao", report.unit or "", report.period.start.isoformat(), report.period.end.isoformat())
    if fmt == "xlsx":
        return Response(report_xlsx(report), media_type=XLSX_MEDIA_TYPE, headers=_attachment(base + ".xlsx"))
    if fmt == "csv":
        return Response(report_csv(report, lang).encode("utf-8"), media_type=CSV_MEDIA_TYPE,
                        headers=_attachment(base + ".csv"))
    return Response(report_json(report).encode("utf-8"), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def history_response(c: Container, actor: Actor, select: Callable[[Any], CaseSelection], fmt: str,
                     name: str, lang: str = "vi") -> Response:
    """Check the selection now (so a refusal is an ordinary error response), then
    stream the export from its own session. CSV and Excel speak ``lang``; JSON keeps
    the machine fields."""
    with c.reads() as session:
        selection = select(session)
    filename = f"{ascii_name(name)}.{fmt}"
    if fmt == "xlsx":
        with c.reads() as session:
            body = history_xlsx(session, actor, selection, HistoryLabels(session, lang, c.workflows))
        return Response(body, media_type=XLSX_MEDIA_TYPE, headers=_attachment(filename))

    def chunks() -> Iterator[bytes]:
        with c.reads() as session:
            if fmt == "csv":
                for chunk in history_csv(session, actor, selection, HistoryLabels(session, lang, c.workflows)):
                    yield chunk.encode("utf-8")
            else:
                for chunk in history_json(session, actor, selection, now=c.clock.now()):
                    yield chunk.encode("utf-8")

    media = CSV_MEDIA_TYPE if fmt == "csv" else "application/json"
    return StreamingResponse(chunks(), media_type=media, headers=_attachment(filename))


def query_string(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
