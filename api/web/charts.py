"""Charts drawn on the server as SVG geometry: no script, no network, allowed by the pages'
content policy (presentation attributes and the stylesheet's classes, no inline style).

Each function returns only numbers and labels; the template (`charts.html`) writes the SVG
elements, so every label goes through Jinja's escaping like any other text on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from insights.report import DayTrend, ItemFailure

WIDTH = 640
ROW_HEIGHT = 22
LABEL_WIDTH = 230


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    bars: list[Bar]
    """Calls scored per day (scaled to the busiest day)."""
    pass_line: str
    """SVG polyline points of the machine pass rate (0-100% over the plot's height)."""
    pass_points: list[Tick]
    days: list[Tick]
    most_calls: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def item_failure_chart(items: Sequence[ItemFailure], limit: int = 10) -> BarChart:
    """The items failed most often: one horizontal bar each, its length the failure rate."""
    shown = list(items[:limit])
    span = WIDTH - LABEL_WIDTH - 90
    bars = [
        Bar(
            label=item.label,
            value_text=f"{item.rate:.0%} ({item.failed}/{item.decided}"
            + (f", {item.reviewed} reviewed)" if item.reviewed else ")"),
            x=LABEL_WIDTH,
            y=index * ROW_HEIGHT + 4,
            width=max(1.0, round(item.rate * span, 1)),
            height=ROW_HEIGHT - 8,
        )
        for index, item in enumerate(shown)
    ]
    return BarChart(
        width=WIDTH, height=max(1, len(shown)) * ROW_HEIGHT + 4, label_width=LABEL_WIDTH, bars=bars
    )


def day_bars(days: Sequence[tuple[str, int]], width: int = 280, height: int = 44) -> BarChart:
    """A sparkline: one bar per (day, count) in order, its height the count against the busiest."""
    column = width / max(1, len(days))
    most = max((count for _, count in days), default=0)
    bars = []
    for index, (day, count) in enumerate(days):
        filled = round((height - 2) * count / most, 1) if most else 0.0
        bars.append(
            Bar(
                label=day,
                value_text=str(count),
                x=round(index * column + column * 0.1, 1),
                y=round(height - filled, 1),
                width=round(column * 0.8, 1),
                height=filled,
            )
        )
    return BarChart(width=width, height=height, label_width=0, bars=bars)


def trend_chart(trend: Sequence[DayTrend], height: int = 190) -> TrendChart:
    """Calls per day as bars and the machine pass rate as a line, one column per day."""
    top, bottom, left, right = 14.0, height - 26.0, 34.0, WIDTH - 10.0
    column = (right - left) / max(1, len(trend))
    most = max((day.calls_scored for day in trend), default=0)
    bars, points, days = [], [], []
    for index, day in enumerate(trend):
        x = left + index * column
        filled = (bottom - top) * day.calls_scored / most if most else 0.0
        bars.append(
            Bar(
                label=day.day.isoformat(),
                value_text=f"{day.calls_scored} calls",
                x=round(x + column * 0.15, 1),
                y=round(bottom - filled, 1),
                width=round(column * 0.7, 1),
                height=round(filled, 1),
            )
        )
        centre = round(x + column / 2, 1)
        if day.machine_pass_rate is not None:
            y = round(bottom - (bottom - top) * day.machine_pass_rate, 1)
            points.append(Tick(label=f"{day.day}: {day.machine_pass_rate:.0%} passed", x=centre, y=y))
        step = max(1, len(trend) // 8)
        if index % step == 0 or index == len(trend) - 1:
            days.append(Tick(label=day.day.strftime("%m-%d"), x=centre, y=bottom + 16))
    return TrendChart(
        width=WIDTH,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        bars=bars,
        pass_line=" ".join(f"{p.x},{p.y}" for p in points),
        pass_points=points,
        days=days,
        most_calls=most,
    )
