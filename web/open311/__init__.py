"""Open311 GeoReport v2 adapter: existing civic-reporting clients submit and read
opinions without any adapter of their own. See ``api`` for the mapping."""

from __future__ import annotations

from .api import router

__all__ = ["router"]
