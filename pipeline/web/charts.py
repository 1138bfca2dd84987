"""Charts drawn on the server, as SVG shapes the templates write out (no script, no style).

Each chart is a picture of a table printed beside it: the SVG is hidden from
screen readers (``aria-hidden``) and the table is what they read, so nothing is
only in the picture. Colours come from classes in ``static/supforms.css`` (the
CSP allows no style attribute). Geometry is in the SVG's own units (its
``viewBox``); the picture scales with the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Bar", "Chart", "columns", "horizontal_bars"]

WIDTH = 640
LABEL = 200  # room for the labels left of horizontal bars
ROW = 40


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    kind: str = "main"  # a class suffix: main, warning, muted
    label_x: float = 0
    label_y: float = 0
    value_x: float = 0


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)  # x1 y1 x2 y2
    ticks: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, text


def horizontal_bars(
    items: list[tuple[str, float, str]], maximum: float, kinds: list[str] | None = None
) -> Chart:
    """One bar per (label, value, value as shown), 0 to ``maximum`` across."""
    span = WIDTH - LABEL - 70
    bars = []
    for index, (label, value, shown) in enumerate(items):
        length = span * (value / maximum) if maximum else 0
        y = index * ROW + 6
        bars.append(
            Bar(
                x=LABEL,
                y=y,
                width=max(length, 1),
                height=ROW - 12,
                label=label[:28],
                value=shown,
                kind=(kinds or [])[index] if kinds else "main",
                label_x=LABEL - 8,
                label_y=y + (ROW - 12) / 2 + 5,
                value_x=LABEL + length + 6,
            )
        )
    return Chart(WIDTH, max(len(items), 1) * ROW + 6, bars)


def columns(items: list[tuple[str, int]], target: float | None) -> Chart:
    """One column per (label, count) along the bottom; ``target`` as a line across."""
    height, bottom, top = 240, 205, 20
    highest = max([count for _, count in items] + [target or 0, 1])
    step = (WIDTH - 40) / max(len(items), 1)
    scale = (bottom - top) / highest
    bars = []
    for index, (label, count) in enumerate(items):
        x = 40 + index * step + step * 0.15
        tall = count * scale
        bars.append(
            Bar(
                x=x,
                y=bottom - tall,
                width=step * 0.7,
                height=max(tall, 0.5),
                label=label,
                value=str(count),
                label_x=x + step * 0.35,
                label_y=bottom + 20,
                value_x=x + step * 0.35,
            )
        )
    lines = [(36.0, float(bottom), float(WIDTH), float(bottom))]
    ticks = []
    if target:
        y = bottom - target * scale
        lines.append((36.0, y, float(WIDTH), y))
        ticks.append((38.0, y - 5, f"agreed {target:g}"))
    return Chart(WIDTH, height, bars, lines, ticks)
