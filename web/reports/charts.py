"""The report's charts as SVG, drawn on the server: no script, nothing to load, they
print as crisply as the text (A4), and read the same in any browser.

Every text is escaped; the returned ``Markup`` is inserted as is by the templates.
Colours are presentation attributes (the content security policy forbids inline
``style``) and a class per series, so the print stylesheet may restyle them. Each
chart has a ``<title>`` and ``<desc>`` and the page shows the same numbers in a table.
"""

from __future__ import annotations

from typing import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "stacked_bars", "line_chart", "COLOURS"]

COLOURS = {
    "bar": "#0b4f8a",
    "on_time": "#155e2b",
    "extended": "#c98a00",
    "late": "#a40e1e",
    "received": "#0b4f8a",
    "resolved": "#155e2b",
}
FONT = 'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif"'


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def _svg(width: int, height: int, title: str, desc: str, body: list[str], cls: str, uid: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" {FONT} font-size="12">')
    return Markup("".join([head, f'<title id="{uid}-t">{escape(title)}</title>',
                           f'<desc id="{uid}-d">{escape(desc)}</desc>', *body, "</svg>"]))


def _label_width(labels: Sequence[str]) -> int:
    longest = max((len(x) for x in labels), default=4)
    return min(230, max(70, int(longest * 6.6) + 10))


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, desc: str, uid: str = "topics") -> Markup:
    """Horizontal bars, one per (label, value), longest labels on the left."""
    left = _label_width([label for label, _ in items])
    width, row, top = 720, 26, 10
    height = top + row * max(1, len(items)) + 30
    scale_max = _nice_max(max((v for _, v in items), default=0))
    plot = width - left - 50
    body: list[str] = []
    for i in range(5):
        x = left + plot * i / 4
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 24}" stroke="#c9d1db" stroke-width="1"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#4b5563">'
                    f'{escape(_fmt(scale_max * i / 4))}</text>')
    for i, (label, value) in enumerate(items):
        y = top + i * row
        w = plot * value / scale_max
        body.append(f'<text x="{left - 6}" y="{y + row / 2 + 4:.1f}" text-anchor="end" fill="#1b1f24">'
                    f'{escape(label)}</text>')
        body.append(f'<rect class="series-bar" x="{left}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
                    f'fill="{COLOURS["bar"]}"><title>{escape(label)}: {value}</title></rect>')
        body.append(f'<text x="{left + w + 4:.1f}" y="{y + row / 2 + 4:.1f}" fill="#1b1f24">{value}</text>')
    return _svg(width, height, title, desc, body, "chart-bars", uid)


def stacked_bars(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[tuple[str, str]], *, title: str,
                 desc: str, uid: str = "timeliness") -> Markup:
    """One horizontal bar per row, split into ``series`` ((key, label) pairs, whose
    colours come from ``COLOURS[key]``), with a legend under the bars."""
    left = _label_width([label for label, _ in rows])
    width, row, top = 720, 28, 10
    legend_y = top + row * max(1, len(rows)) + 30
    height = legend_y + 24
    scale_max = _nice_max(max((sum(values) for _, values in rows), default=0))
    plot = width - left - 50
    body: list[str] = []
    for i in range(5):
        x = left + plot * i / 4
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{legend_y - 24}" stroke="#c9d1db" '
                    f'stroke-width="1"/>')
        body.append(f'<text x="{x:.1f}" y="{legend_y - 10}" text-anchor="middle" fill="#4b5563">'
                    f'{escape(_fmt(scale_max * i / 4))}</text>')
    for i, (label, values) in enumerate(rows):
        y = top + i * row
        body.append(f'<text x="{left - 6}" y="{y + row / 2 + 4:.1f}" text-anchor="end" fill="#1b1f24">'
                    f'{escape(label)}</text>')
        x = float(left)
        for (key, name), value in zip(series, values):
            w = plot * value / scale_max
            if value:
                body.append(f'<rect class="series-{escape(key)}" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" '
                            f'height="{row - 8}" fill="{COLOURS.get(key, "#666")}">'
                            f'<title>{escape(label)} — {escape(name)}: {value}</title></rect>')
            x += w
        body.append(f'<text x="{x + 4:.1f}" y="{y + row / 2 + 4:.1f}" fill="#1b1f24">{sum(values)}</text>')
    body.extend(_legend(series, left, legend_y))
    return _svg(width, height, title, desc, body, "chart-stacked", uid)


def line_chart(months: Sequence[str], lines: Sequence[tuple[str, str, Sequence[int]]], *, title: str, desc: str,
               uid: str = "months") -> Markup:
    """One polyline per (key, label, values), values aligned with ``months``."""
    width, height, left, top, bottom = 720, 300, 50, 14, 70
    plot_w, plot_h = width - left - 20, height - top - bottom
    scale_max = _nice_max(max((v for _, _, values in lines for v in values), default=0))
    n = max(1, len(months))
    step = plot_w / max(1, n - 1) if n > 1 else 0.0

    def x_of(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def y_of(v: int) -> float:
        return top + plot_h - plot_h * v / scale_max

    body: list[str] = []
    for i in range(5):
        y = top + plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#c9d1db" '
                    f'stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#4b5563">'
                    f'{escape(_fmt(scale_max * (4 - i) / 4))}</text>')
    every = max(1, (n + 11) // 12)  # at most about twelve month labels
    for i, month in enumerate(months):
        if i % every == 0 or i == n - 1:
            body.append(f'<text x="{x_of(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle" fill="#4b5563">'
                        f'{escape(month)}</text>')
    for key, label, values in lines:
        colour = COLOURS.get(key, "#666")
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        if len(values) > 1:
            body.append(f'<polyline class="series-{escape(key)}" points="{points}" fill="none" stroke="{colour}" '
                        f'stroke-width="2.5"/>')
        for i, v in enumerate(values):
            body.append(f'<circle class="series-{escape(key)}" cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3.5" '
                        f'fill="{colour}"><title>{escape(label)} {escape(months[i])}: {v}</title></circle>')
    body.extend(_legend([(k, label) for k, label, _ in lines], left, height - 22))
    return _svg(width, height, title, desc, body, "chart-lines", uid)


def _legend(series: Sequence[tuple[str, str]], x0: int, y: int) -> list[str]:
    out, x = [], float(x0)
    for key, name in series:
        out.append(f'<rect class="series-{escape(key)}" x="{x:.1f}" y="{y - 10}" width="12" height="12" '
                   f'fill="{COLOURS.get(key, "#666")}"/>')
        out.append(f'<text x="{x + 16:.1f}" y="{y}" fill="#1b1f24">{escape(name)}</text>')
        x += 16 + len(name) * 6.8 + 18
    return out


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
