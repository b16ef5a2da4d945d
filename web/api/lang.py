"""Which language to answer in: the Accept-Language header, else the user's
language, else Vietnamese."""

from __future__ import annotations

__all__ = ["negotiate", "SUPPORTED"]

SUPPORTED = ("vi", "en")


def negotiate(header: str | None, fallback: str | None = None) -> str:
    default = fallback if fallback in SUPPORTED else "vi"
    if not header:
        return default
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header[:500].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
            if not 0.0 <= quality <= 1.0:  # also rejects nan
                quality = 0.0
        primary = tag.split("-")[0]
        if primary == "*":
            primary = default
        if primary not in SUPPORTED or quality <= 0:
            continue
        # Higher quality wins; among equals the one listed first.
        candidate = (-quality, position, primary)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else default
