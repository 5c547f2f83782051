"""How the pages write numbers: Jinja filters with thousands separators and units.

Registered on the app by `register(app)`; the templates use them as ``{{ n|thousands }}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask


def thousands(n: int) -> str:
    """A whole number with thousands separators: ``16,055``."""
    return f"{n:,}"


def number(value: float, digits: int = 0) -> str:
    """A number rounded to `digits` decimals, with thousands separators."""
    return f"{value:,.{digits}f}"


def general(value: float) -> str:
    """The shortest form of a number (``7``, ``2.5``)."""
    return f"{value:g}"


def percent(share: float) -> str:
    """A share in [0, 1] as a whole percentage: ``0.42`` -> ``42%``."""
    return f"{share:.0%}"


def days(value: float | None) -> str:
    """How long stock lasts, or a dash when it is unknown."""
    return "—" if value is None else f"{value:,.1f} days"


def money(value: float, currency: str | None) -> str:
    """An amount with two decimals and its currency code."""
    return f"{float(value):,.2f} {currency or ''}".strip()


def risk_share(score: float | None) -> str:
    """The fraud score after the level in a badge: `` · 42%``, `` · <1%`` or nothing."""
    if score is None:
        return ""
    return " · <1%" if float(score) < 0.01 else f" · {float(score):.0%}"


def px(value: float) -> str:
    """A chart coordinate, to a tenth of a unit."""
    return f"{value:.1f}"


def points(pairs: Iterable[tuple[float, float]]) -> str:
    """Chart points as an SVG ``points`` list: ``x,y x,y ...``."""
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


FILTERS: dict[str, Callable] = {f.__name__: f for f in (
    thousands, number, general, percent, days, money, risk_share, px, points)}


def register(app: Flask) -> None:
    """Make the filters available to every template of `app`."""
    app.jinja_env.filters.update(FILTERS)
