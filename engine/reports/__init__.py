"""Periodic reports and the Front's audit exports.

* :mod:`.period` — reporting periods in local dates;
* :mod:`.queries` — the figures, as SQL aggregates over the facts projection;
* :mod:`.facts` — that projection recomputed from the hash-chained history;
* :mod:`.export` — the report as JSON, CSV (UTF-8 with BOM) and an Excel workbook;
* :mod:`.audit_export` — case histories for the auditors, the citizen's contact as
  ``engine.disclosure`` allows an export (masked; a denouncer's withheld).
"""

from __future__ import annotations

from .period import Period
from .queries import FIGURE_NAMES, CarriedOver, Figures, MeetingFigures, Report, ReportRequest, Row, build_report
from .scope import AUDIT_ROLES, REPORT_ROLES, Scope, resolve_scope

__all__ = [
    "Period", "ReportRequest", "Report", "Row", "Figures", "MeetingFigures", "CarriedOver", "FIGURE_NAMES",
    "build_report",
    "Scope", "resolve_scope", "REPORT_ROLES", "AUDIT_ROLES",
]
