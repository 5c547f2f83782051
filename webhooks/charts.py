"""Chart geometry for the dashboard: plain data that `templates/charts.html` draws as SVG.

Nothing here writes markup. Each function turns rows of dates and numbers into the
positions of lines, bands, ticks and labels on a fixed canvas (the SVG ``viewBox``), so the
charts need no JavaScript and no network, and print and screenshot as they look.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

WIDTH, HEIGHT = 600, 230
LEFT, RIGHT, TOP, BOTTOM = 48, 14, 14, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

Point = tuple[float, float]


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis (``x`` or ``y`` in canvas units)."""

    at: float
    label: str


@dataclass(frozen=True)
class Band:
    """A prediction interval as one closed outline (upper edge, then lower edge back)."""

    label: str  # "95%" or "80%"
    outline: list[Point]
    opacity: float


@dataclass(frozen=True)
class LineChart:
    """A daily line chart on dates: the forecast chart and the revenue chart."""

    title: str
    unit: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    line: list[Point] = field(default_factory=list)  # history, or daily revenue
    forecast: list[Point] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    today: float | None = None  # x of the forecast origin
    flags: list[tuple[Point, str]] = field(default_factory=list)  # point, hover text

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = TOP + PLOT_H
    unit_y: float = TOP + PLOT_H / 2


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its row's label, top edge, length and the value as text."""

    label: str
    y: int
    length: float
    text: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, largest first (customers per segment)."""

    title: str
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = max(span, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _y_ticks(y: Callable[[float], float], y_min: float, y_max: float, step: float
             ) -> list[Tick]:
    """Grid lines with their labels every `step` from `y_min` to `y_max`."""
    ticks = []
    value = y_min
    while value <= y_max + 1e-9:
        ticks.append(Tick(y(value), _fmt(value)))
        value += step
    return ticks


def _mondays(start: date, end: date, x: Callable[[date], float], every: int) -> list[Tick]:
    """Date ticks on Mondays (every `every` weeks), leaving the plot's edges clear."""
    ticks = []
    tick = start + timedelta(days=(7 - start.weekday()) % 7)
    n = 0
    while tick <= end:
        if n % every == 0 and LEFT + 12 <= x(tick) <= WIDTH - RIGHT - 14:
            ticks.append(Tick(x(tick), f"{tick:%b} {tick.day}"))
        tick += timedelta(days=7)
        n += 1
    return ticks


def _x_scale(start: date, end: date) -> Callable[[date], float]:
    span_days = max((end - start).days, 1)
    return lambda d: LEFT + PLOT_W * (d - start).days / span_days


def forecast_chart(history: list[list], forecast: list[list], *, title: str,
                   unit: str = "units/day") -> LineChart | None:
    """One product's recent daily sales, its forecast and 80 % / 95 % intervals.

    `history` rows are ``[date, y]``; `forecast` rows ``[date, mean, lo80, hi80, lo95,
    hi95]`` (ISO dates). None when there is nothing to draw.
    """
    days = [date.fromisoformat(r[0]) for r in history] + \
        [date.fromisoformat(r[0]) for r in forecast]
    if not days:
        return None
    start, end = min(days), max(days)
    top_value = max([r[1] for r in history] + [r[5] for r in forecast] + [1.0])
    step = _nice_step(top_value)
    y_max = step * math.ceil(top_value / step)
    x = _x_scale(start, end)

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - v / y_max)

    def at(r: list, col: int) -> Point:
        return x(date.fromisoformat(r[0])), y(r[col])

    bands = [Band(label, [at(r, hi) for r in forecast] + [at(r, lo) for r in reversed(forecast)],
                  opacity)
             for lo, hi, opacity, label in ((4, 5, 0.14, "95%"), (2, 3, 0.26, "80%"))
             ] if forecast else []
    return LineChart(
        title=title, unit=unit, y_ticks=_y_ticks(y, 0.0, y_max, step),
        x_ticks=_mondays(start, end, x, 2 if (end - start).days > 60 else 1),
        line=[at(r, 1) for r in history], forecast=[at(r, 1) for r in forecast], bands=bands,
        today=x(date.fromisoformat(forecast[0][0])) if forecast else None)


def revenue_chart(days: list[list], flagged: list[str], *, title: str, unit: str
                  ) -> LineChart | None:
    """Daily revenue as a line with the flagged days marked: `days` rows ``[date, amount]``
    (ISO dates, in order), `flagged` the ISO dates to mark, `unit` the y axis (currency)."""
    if not days:
        return None
    dates = [date.fromisoformat(r[0]) for r in days]
    amounts = [float(r[1]) for r in days]
    low = min([0.0] + amounts)
    top_value = max(amounts + [1.0])
    step = _nice_step(top_value - low)
    y_min = step * math.floor(low / step)
    y_max = step * math.ceil(top_value / step)
    x = _x_scale(dates[0], dates[-1])

    def y(v: float) -> float:
        return TOP + PLOT_H * (1 - (v - y_min) / (y_max - y_min))

    marked = set(flagged)
    return LineChart(
        title=title, unit=unit, y_ticks=_y_ticks(y, y_min, y_max, step),
        x_ticks=_mondays(dates[0], dates[-1], x, 2),
        line=[(x(d), y(v)) for d, v in zip(dates, amounts, strict=True)],
        flags=[((x(d), y(v)), f"{r[0]}: {v:,.2f} {unit}")
               for d, v, r in zip(dates, amounts, days, strict=True) if r[0] in marked])


def bar_chart(rows: list[tuple[str, float, str]], *, title: str, width: int = 600
              ) -> BarChart | None:
    """Horizontal bars: `rows` of (label, value, value text), largest first."""
    if not rows:
        return None
    bar_h, gap, label_w, text_w = 18, 6, 150, 130
    top = max(v for _, v, _ in rows) or 1.0
    span = width - label_w - text_w
    bars = [Bar(label, gap + i * (bar_h + gap), max(span * value / top, 1.0), text)
            for i, (label, value, text) in enumerate(rows)]
    return BarChart(title=title, width=width, height=len(rows) * (bar_h + gap) + gap,
                    label_width=label_w, bar_height=bar_h, bars=bars)
