"""Server-side SVG charts for the dashboard: no JavaScript, no network, prints and screenshots.

`forecast_chart` draws one product's recent daily sales, the forecast and its 80 % and 95 %
prediction intervals, with labelled axes (dates; units per day).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from html import escape

WIDTH, HEIGHT = 600, 230
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 14, 44
HISTORY_COLOR = "#303030"
FORECAST_COLOR = "#005bd3"


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _y_axis(y, y_min: float, y_max: float, step: float, unit: str) -> list[str]:
    """Horizontal grid lines with their labels every `step`, and the rotated unit label."""
    parts = []
    value = y_min
    while value <= y_max + 1e-9:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" stroke="#e3e3e3" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'class="tick">{_fmt(value)}</text>')
        value += step
    middle = TOP + (HEIGHT - TOP - BOTTOM) / 2
    parts.append(f'<text x="12" y="{middle:.1f}" class="axis" text-anchor="middle" '
                 f'transform="rotate(-90 12 {middle:.1f})">{escape(unit)}</text>')
    return parts


def forecast_chart(history: list[list], forecast: list[list], *, title: str,
                   unit: str = "units/day") -> str:
    """An inline SVG: `history` rows ``[date, y]``; `forecast` rows
    ``[date, mean, lo80, hi80, lo95, hi95]`` (ISO dates)."""
    days = [date.fromisoformat(r[0]) for r in history] + \
        [date.fromisoformat(r[0]) for r in forecast]
    if not days:
        return "<p>No sales yet.</p>"
    start, end = min(days), max(days)
    span_days = max((end - start).days, 1)
    top_value = max([r[1] for r in history] + [r[5] for r in forecast] + [1.0])
    step = _nice_step(top_value)
    y_max = step * math.ceil(top_value / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: date) -> float:
        return LEFT + plot_w * (d - start).days / span_days

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / y_max)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    parts += _y_axis(y, 0.0, y_max, step, unit)
    tick = start + timedelta(days=(7 - start.weekday()) % 7)  # Mondays
    every = 2 if span_days > 60 else 1
    n = 0
    while tick <= end:
        if n % every == 0 and LEFT + 12 <= x(tick) <= WIDTH - RIGHT - 14:
            parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP + plot_h}" '
                         f'y2="{TOP + plot_h + 4}" stroke="#8a8a8a"/>')
            parts.append(f'<text x="{x(tick):.1f}" y="{TOP + plot_h + 16}" class="tick" '
                         f'text-anchor="middle">{tick:%b} {tick.day}</text>')
        tick += timedelta(days=7)
        n += 1
    if forecast:
        for lo, hi, opacity, label in ((4, 5, 0.14, "95%"), (2, 3, 0.26, "80%")):
            upper = " ".join(f"{x(date.fromisoformat(r[0])):.1f},{y(r[hi]):.1f}"
                             for r in forecast)
            lower = " ".join(f"{x(date.fromisoformat(r[0])):.1f},{y(r[lo]):.1f}"
                             for r in reversed(forecast))
            parts.append(f'<polygon class="band band-{label[:2]}" points="{upper} {lower}" '
                         f'fill="{FORECAST_COLOR}" fill-opacity="{opacity}">'
                         f"<title>{label} prediction interval</title></polygon>")
        origin = date.fromisoformat(forecast[0][0])
        parts.append(f'<line x1="{x(origin):.1f}" x2="{x(origin):.1f}" y1="{TOP}" '
                     f'y2="{TOP + plot_h}" stroke="#8a8a8a" stroke-dasharray="3 3"/>')
        parts.append(f'<text x="{x(origin) + 4:.1f}" y="{TOP + 10}" class="tick">today</text>')
        points = " ".join(f"{x(date.fromisoformat(r[0])):.1f},{y(r[1]):.1f}" for r in forecast)
        parts.append(f'<polyline class="forecast" points="{points}" fill="none" '
                     f'stroke="{FORECAST_COLOR}" stroke-width="2"/>')
    if history:
        points = " ".join(f"{x(date.fromisoformat(r[0])):.1f},{y(r[1]):.1f}" for r in history)
        parts.append(f'<polyline class="history" points="{points}" fill="none" '
                     f'stroke="{HISTORY_COLOR}" stroke-width="1.5"/>')
    legend_y = HEIGHT - 8
    parts.append(
        f'<g class="legend" transform="translate({LEFT},{legend_y})">'
        f'<line x1="0" x2="18" y1="-4" y2="-4" stroke="{HISTORY_COLOR}" stroke-width="1.5"/>'
        f'<text x="22" y="0" class="tick">units sold</text>'
        f'<line x1="100" x2="118" y1="-4" y2="-4" stroke="{FORECAST_COLOR}" stroke-width="2"/>'
        f'<text x="122" y="0" class="tick">forecast</text>'
        f'<rect x="190" y="-9" width="18" height="10" fill="{FORECAST_COLOR}" '
        f'fill-opacity="0.26"/><text x="212" y="0" class="tick">80% interval</text>'
        f'<rect x="296" y="-9" width="18" height="10" fill="{FORECAST_COLOR}" '
        f'fill-opacity="0.14"/><text x="318" y="0" class="tick">95% interval</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(rows: list[tuple[str, float, str]], *, title: str, width: int = 600) -> str:
    """Horizontal bars: `rows` of (label, value, value text), largest first."""
    if not rows:
        return ""
    bar_h, gap, label_w, text_w = 18, 6, 150, 130
    height = len(rows) * (bar_h + gap) + gap
    top = max(v for _, v, _ in rows) or 1.0
    span = width - label_w - text_w
    parts = [f'<svg class="chart bars" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value, text) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(span * value / top, 1.0)
        parts.append(f'<text x="{label_w - 8}" y="{y + 13}" class="tick" text-anchor="end">'
                     f"{escape(label)}</text>")
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                     f'rx="3" fill="{FORECAST_COLOR}" fill-opacity="0.75"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 13}" class="tick">'
                     f"{escape(text)}</text>")
    parts.append("</svg>")
    return "".join(parts)


FLAG_COLOR = "#c70a24"


def revenue_chart(days: list[list], flagged: list[str], *, title: str, unit: str) -> str:
    """Daily revenue as a line, the flagged days as red dots: `days` rows ``[date, amount]``
    (ISO dates, in order), `flagged` the ISO dates to mark, `unit` the y axis (currency)."""
    if not days:
        return ""
    dates = [date.fromisoformat(r[0]) for r in days]
    start, end = dates[0], dates[-1]
    span_days = max((end - start).days, 1)
    low = min([0.0] + [float(r[1]) for r in days])
    top_value = max([float(r[1]) for r in days] + [1.0])
    step = _nice_step(top_value - low)
    y_min = step * math.floor(low / step)
    y_max = step * math.ceil(top_value / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: date) -> float:
        return LEFT + plot_w * (d - start).days / span_days

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - y_min) / (y_max - y_min))

    parts = [f'<svg class="chart revenue" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
             f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    parts += _y_axis(y, y_min, y_max, step, unit)
    tick = start + timedelta(days=(7 - start.weekday()) % 7)  # Mondays, every other week
    n = 0
    while tick <= end:
        if n % 2 == 0 and LEFT + 12 <= x(tick) <= WIDTH - RIGHT - 14:
            parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP + plot_h}" '
                         f'y2="{TOP + plot_h + 4}" stroke="#8a8a8a"/>')
            parts.append(f'<text x="{x(tick):.1f}" y="{TOP + plot_h + 16}" class="tick" '
                         f'text-anchor="middle">{tick:%b} {tick.day}</text>')
        tick += timedelta(days=7)
        n += 1
    points = " ".join(f"{x(d):.1f},{y(float(r[1])):.1f}" for d, r in zip(dates, days,
                                                                          strict=True))
    parts.append(f'<polyline class="revenue-line" points="{points}" fill="none" '
                 f'stroke="{HISTORY_COLOR}" stroke-width="1.5"/>')
    marked = set(flagged)
    for d, r in zip(dates, days, strict=True):
        if r[0] in marked:
            parts.append(f'<circle class="flag" cx="{x(d):.1f}" cy="{y(float(r[1])):.1f}" r="4" '
                         f'fill="{FLAG_COLOR}"><title>{escape(r[0])}: '
                         f'{float(r[1]):,.2f} {escape(unit)}</title></circle>')
    parts.append(
        f'<g class="legend" transform="translate({LEFT},{HEIGHT - 8})">'
        f'<line x1="0" x2="18" y1="-4" y2="-4" stroke="{HISTORY_COLOR}" stroke-width="1.5"/>'
        f'<text x="22" y="0" class="tick">revenue per day</text>'
        f'<circle cx="136" cy="-4" r="4" fill="{FLAG_COLOR}"/>'
        f'<text x="144" y="0" class="tick">unusual day</text></g>')
    parts.append("</svg>")
    return "".join(parts)
