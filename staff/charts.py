"""The geometry of the statistics charts, drawn as SVG by ``templates/_charts.html``.

Server-side, with no script and no library: each chart is computed here (positions, sizes,
labels) and the template writes the elements. Readable without colour: series differ by
pattern (solid, hatched, dotted) as well as by colour, every bar carries a ``<title>``, the
heat map prints its numbers in the cells, and each chart has its table of numbers below it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PATTERNS = ("solid", "hatch", "dots")
"""One per series of a stacked chart, in order."""
WIDTH = 720
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 8, 12, 34
_MAX_X_LABELS = 16


@dataclass(frozen=True)
class Label:
    """A piece of text on a chart."""

    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Rect:
    """A bar or a bar's segment."""

    x: float
    y: float
    width: float
    height: float
    pattern: str
    title: str


@dataclass(frozen=True)
class Tick:
    """A horizontal grid line and its value."""

    y: float
    label: Label


@dataclass(frozen=True)
class StackedBars:
    """Columns of stacked segments (calls per day, by who handled them)."""

    width: int
    height: int
    rects: list[Rect]
    x_labels: list[Label]
    ticks: list[Tick]
    legend: list[tuple[str, str]]
    """(pattern, label) of each series."""
    baseline: float


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _r(value: float) -> float:
    return round(value, 1)


def stacked_bars(
    columns: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[str],
    *,
    height: int = 240,
    unit: str = "",
) -> StackedBars:
    """One column per ``(label, values)``, ``values`` in the order of ``series``.

    Args:
        unit: words after a number in a bar's title (``appels``).
    """
    # Whole-number ticks: four steps of a round size.
    step = nice_ceiling(math.ceil(max((sum(v) for _, v in columns), default=0) / 4))
    top = step * 4
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = height - _TOP - _BOTTOM
    baseline = _TOP + plot_h
    slot = plot_w / max(len(columns), 1)
    bar = max(slot * 0.72, 1.0)
    rects: list[Rect] = []
    x_labels: list[Label] = []
    every = math.ceil(len(columns) / _MAX_X_LABELS) if columns else 1
    for index, (label, values) in enumerate(columns):
        x = _LEFT + index * slot + (slot - bar) / 2
        y: float = baseline
        for name, pattern, value in zip(series, PATTERNS, values, strict=False):
            if value <= 0:
                continue
            size = plot_h * value / top
            y -= size
            rects.append(Rect(_r(x), _r(y), _r(bar), _r(size), pattern,
                              f"{label} — {name} : {value} {unit}".rstrip()))
        if index % every == 0:
            x_labels.append(Label(_r(x + bar / 2), baseline + 16, label))
    ticks = [
        Tick(_r(baseline - plot_h * step / 4),
             Label(_LEFT - 6, _r(baseline - plot_h * step / 4 + 4), _number(top * step / 4),
                   "end"))
        for step in range(5)
    ]
    return StackedBars(
        width=WIDTH, height=height, rects=rects, x_labels=x_labels, ticks=ticks,
        legend=list(zip(PATTERNS, series, strict=False)), baseline=baseline,
    )


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if value == int(value) else f"{value:.1f}"


@dataclass(frozen=True)
class HBar:
    """One row of a horizontal bar chart: its label left, the bar, the number after it."""

    label: Label
    rect: Rect
    value: Label


@dataclass(frozen=True)
class HorizontalBars:
    """Labelled rows, longest bar for the largest number."""

    width: int
    height: int
    bars: list[HBar]
    axis_x: float


def horizontal_bars(
    rows: Sequence[tuple[str, int]], *, label_width: int = 260, row: int = 24, unit: str = ""
) -> HorizontalBars:
    """One bar per ``(label, value)``; the value is written after each bar."""
    top = max((v for _, v in rows), default=0) or 1
    plot_w = WIDTH - label_width - 70
    bars = []
    for index, (label, value) in enumerate(rows):
        y = 6 + index * row
        size = plot_w * value / top
        bars.append(HBar(
            label=Label(label_width - 8, y + row * 0.62, label, "end"),
            rect=Rect(label_width, y + 3, _r(size), row - 8, "solid",
                      f"{label} : {value} {unit}".rstrip()),
            value=Label(_r(label_width + size + 6), y + row * 0.62, _number(value), "start"),
        ))
    return HorizontalBars(WIDTH, 12 + len(rows) * row, bars, label_width)


@dataclass(frozen=True)
class HeatCell:
    """One hour of one weekday."""

    x: float
    y: float
    value: int
    fill: str
    ink: str
    title: str


@dataclass(frozen=True)
class HeatMap:
    """Weekdays down, hours across; darker for more calls, the number in the cell."""

    width: int
    height: int
    cells: list[HeatCell]
    cell_w: float
    cell_h: float
    row_labels: list[Label]
    col_labels: list[Label]


def _shade(level: float) -> str:
    """White to the page's dark teal (#1f6f6b) as ``level`` goes from 0 to 1."""
    red, green, blue = (round(255 + (c - 255) * level) for c in (0x1F, 0x6F, 0x6B))
    return f"#{red:02x}{green:02x}{blue:02x}"


def heat_map(grid: Sequence[Sequence[int]], row_names: Sequence[str]) -> HeatMap:
    """A ``len(row_names)`` × 24 grid of counts."""
    left, top_margin = 44, 20
    cell_w = (WIDTH - left - _RIGHT) / 24
    cell_h = 24.0
    peak = max((v for row in grid for v in row), default=0) or 1
    cells = []
    for r, (name, row) in enumerate(zip(row_names, grid, strict=True)):
        for hour, value in enumerate(row):
            level = value / peak
            cells.append(HeatCell(
                x=_r(left + hour * cell_w), y=top_margin + r * cell_h, value=value,
                fill=_shade(level) if value else "#ffffff",
                ink="#ffffff" if level > 0.55 else "#1f2a30",
                title=f"{name} {hour:02d} h – {hour + 1:02d} h : {value} appels",
            ))
    return HeatMap(
        width=WIDTH,
        height=int(top_margin + len(row_names) * cell_h + 4),
        cells=cells,
        cell_w=_r(cell_w),
        cell_h=cell_h,
        row_labels=[Label(left - 6, top_margin + r * cell_h + 16, n, "end")
                    for r, n in enumerate(row_names)],
        col_labels=[Label(_r(left + h * cell_w + cell_w / 2), 13, f"{h}")
                    for h in range(0, 24, 2)],
    )
