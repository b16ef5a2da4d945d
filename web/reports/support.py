"""The support report for the surfaces: built from the container, answered as JSON,
CSV or XLSX (``engine.reports.support_export``), and its monthly chart."""

from __future__ import annotations

from fastapi.responses import Response
from markupsafe import Markup

from engine.actors import Actor
from engine.reports import Period
from engine.reports.support import SupportReport, support_report
from engine.reports.support_export import support_csv, support_json, support_xlsx
from engine.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

from ..container import Container
from .charts import line_chart
from .common import ascii_name

__all__ = ["make_support_report", "support_response", "support_chart"]


def make_support_report(c: Container, actor: Actor, period: Period, unit: str | None) -> SupportReport:
    with c.reads() as session:
        return support_report(session, actor, unit or None, period)


def support_response(report: SupportReport, fmt: str, lang: str) -> Response:
    base = ascii_name("ho-tro", report.unit or "", report.start.isoformat(), report.end.isoformat())
    headers = {"Content-Disposition": f'attachment; filename="{base}.{fmt}"', "Cache-Control": "no-store"}
    if fmt == "xlsx":
        return Response(support_xlsx(report, lang), media_type=XLSX_MEDIA_TYPE, headers=headers)
    if fmt == "csv":
        return Response(support_csv(report, lang).encode("utf-8"), media_type=CSV_MEDIA_TYPE, headers=headers)
    return Response(support_json(report, lang).encode("utf-8"), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


def support_chart(report: SupportReport, lang: str) -> Markup:
    """Households supported and home visits, month by month."""
    en = lang == "en"
    return line_chart([f"{m.month[5:7]}/{m.month[:4]}" for m in report.months], [
        ("received", "Households supported" if en else "Hộ được hỗ trợ", [m.households for m in report.months]),
        ("resolved", "Home visits" if en else "Cuộc thăm hộ", [m.visits for m in report.months]),
    ], title="Support by month" if en else "Hỗ trợ theo tháng",
        desc=("Households supported and home visits in each month of the period" if en else
              "Số hộ được hỗ trợ và số cuộc thăm hộ trong từng tháng của kỳ báo cáo"), uid="support-months")
