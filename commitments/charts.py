"""Charts for the public pages, drawn on the server as SVG geometry (no script, no other host).

Each chart comes with the numbers it draws, which the templates also show as a table: the table is
the text alternative, and what a test compares with the reports.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from commitments.choices import Status
from commitments.display import status_label


@dataclass(frozen=True)
class LegendItem:
    # Colours come from CSS classes (status-<code>), the badge palette: one look in badge, bar and legend.
    status: str
    label: str


def legend(statuses: Sequence[str] | None = None) -> list[LegendItem]:
    return [LegendItem(status, status_label(status)) for status in statuses or Status.values]


# --- Stacked bars: status by sector (or by any grouping of the progress report) -------------------


@dataclass(frozen=True)
class Segment:
    status: str
    label: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    key: str | None
    label: str
    total: int
    y: int
    segments: list[Segment]
    cells: list[int]  # the count of each status, in the scale's order (the table's columns)
    overdue: int = 0  # past the target date and not final (a column of the table, not drawn)


@dataclass(frozen=True)
class StackedBars:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    legend: list[LegendItem]
    overall: Bar


def _cells(counts: dict[str, int]) -> list[int]:
    return [counts[status] for status in Status.values]


def stacked_bars(
    rows: list[dict[str, Any]], overall: dict[str, Any], *, width: int = 720, label_width: int = 220
) -> StackedBars:
    """One horizontal bar per progress-report row, a segment per status, lengths in proportion."""
    bar_height, gap, count_room = 22, 10, 48
    plot_width = width - label_width - count_room
    longest = max((row["total"] for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        x = float(label_width)
        segments = []
        for status in Status.values:
            count = row["counts"][status]
            if count:
                length = plot_width * count / longest
                segments.append(Segment(status, status_label(status), count, round(x, 2), round(length, 2)))
                x += length
        label = row["label"] or "No sector"
        bars.append(
            Bar(
                row["group"],
                label,
                row["total"],
                index * (bar_height + gap),
                segments,
                _cells(row["counts"]),
                row["overdue"],
            )
        )
    height = max(len(bars) * (bar_height + gap) - gap, bar_height)
    total = Bar(None, "All", overall["total"], 0, [], _cells(overall["counts"]), overall["overdue"])
    return StackedBars(bars, width, height, label_width, plot_width, bar_height, legend(), total)


# --- Burn-up: how many commitments stood where, period by period ----------------------------------

# Drawn as stacked areas from the bottom: done first, then what is moving. The rest up to the total
# line (unassessed, not started, stalled, not achieved) stays white.
BURN_UP_STATUSES: Final = [Status.ACHIEVED, Status.PARTIALLY_ACHIEVED, Status.IN_PROGRESS]


@dataclass(frozen=True)
class Area:
    status: str
    label: str
    points: str  # an SVG polygon's points


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class TimelineRow:
    period_end: datetime.date
    cells: list[int]  # the count of each status, in the scale's order
    total: int


@dataclass(frozen=True)
class BurnUp:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    areas: list[Area]
    total_line: str  # an SVG polyline's points
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[LegendItem]
    rows: list[TimelineRow]  # the timeline report's points, for the table


def _nice_step(maximum: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if maximum / step <= 6:
            return step
    return max(1, maximum // 5)


def burn_up(points: list[dict[str, Any]], *, width: int = 720, height: int = 280) -> BurnUp:
    """The timeline report as a burn-up chart: the total, and below it what is done or moving."""
    left, top, bottom, right = 44, 12, 28, 12
    plot_width, plot_height = width - left - right, height - top - bottom
    highest = max((point["total"] for point in points), default=0) or 1
    step = _nice_step(highest)
    ceiling = ((highest + step - 1) // step) * step
    count = len(points)

    def x_at(index: int) -> float:
        return left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y_at(value: float) -> float:
        return top + plot_height - plot_height * value / ceiling

    def xy(index: int, value: float) -> str:
        return f"{x_at(index):.1f},{y_at(value):.1f}"

    areas = []
    below = [0] * count
    for status in BURN_UP_STATUSES:
        above = [below[i] + points[i]["counts"][status] for i in range(count)]
        outline = [xy(i, above[i]) for i in range(count)] + [xy(i, below[i]) for i in reversed(range(count))]
        areas.append(Area(status, status_label(status), " ".join(outline)))
        below = above
    total_line = " ".join(xy(i, point["total"]) for i, point in enumerate(points))
    x_ticks = [
        Tick(round(x_at(i), 1), str(point["period_start"].year))
        for i, point in enumerate(points)
        if point["period_start"].month == 1 or i == 0
    ]
    y_ticks = [Tick(round(y_at(value), 1), str(value)) for value in range(0, ceiling + 1, step)]
    return BurnUp(
        width,
        height,
        left,
        top,
        plot_width,
        plot_height,
        areas,
        total_line,
        x_ticks,
        y_ticks,
        legend(BURN_UP_STATUSES),
        [TimelineRow(point["period_end"], _cells(point["counts"]), point["total"]) for point in points],
    )


def period_label(day: datetime.date, interval: str) -> str:
    return f"{day:%Y-%m}" if interval == "month" else f"{day.year} Q{(day.month - 1) // 3 + 1}"
