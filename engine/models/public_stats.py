"""The monthly roll-up the public statistics page reads (``engine.reports.public_stats``).

One row per (origin unit, month received) with the counts the page shows, refreshed
by the worker from ``case_facts``; ``public_stats_watermark`` is the newest event the
roll-up has taken into account. The page reads units × months rows, whatever the
number of cases.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

__all__ = ["PublicStatsMonth", "PublicStatsWatermark", "PUBLIC_FIGURES"]

PUBLIC_FIGURES = ("received", "on_site", "transferred", "resolved", "on_time", "late", "extended", "satisfied",
                  "not_satisfied")


class PublicStatsMonth(Base):
    __tablename__ = "public_stats"

    origin_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11", local time
    received: Mapped[int] = mapped_column(Integer, default=0)
    on_site: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    not_satisfied: Mapped[int] = mapped_column(Integer, default=0)


class PublicStatsWatermark(Base):
    __tablename__ = "public_stats_watermark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    event_id: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime | None]
