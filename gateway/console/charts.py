"""Small inline SVG charts rendered on the server (no script, no external asset)."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from markupsafe import Markup

from gateway.console.schemas import DayCount

WIDTH, HEIGHT = 560, 150
TOP, BOTTOM, LEFT, RIGHT = 12, 22, 30, 8
MAX_SERIES = 4


def bar_chart(rows: list[DayCount], label: str) -> Markup:
    """Grouped bars per day, one colour class per series (``series-0`` …), with a legend and tooltips."""
    days = sorted({r.day for r in rows})
    names = sorted({r.series for r in rows})[:MAX_SERIES]
    if not days or not names:
        return Markup("")
    values: dict[tuple[str, object], int] = defaultdict(int)
    for r in rows:
        values[(r.series, r.day)] += r.n
    top = max([*values.values(), 1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(days)
    bar = max(1.0, (slot - 4) / len(names))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for i, day in enumerate(days):
        for j, name in enumerate(names):
            n = values[(name, day)]
            h = plot_h * n / top
            x = LEFT + i * slot + 2 + j * bar
            parts.append(
                f'<rect class="series-{j}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(name)} {day.isoformat()}: {n}</title></rect>'
            )
        if i in (0, len(days) - 1) or len(days) <= 7:
            x = LEFT + i * slot + slot / 2
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{day:%m-%d}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="legend"><i class="swatch series-{j}"></i>{escape(name)}</span>'
        for j, name in enumerate(names)
    )
    return Markup("".join(parts) + f'<div class="legend-row">{legend}</div>')  # noqa: S704 - every value escaped
