"""Small inline-SVG charts: no library, no script, scales to its container."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

#: Drawing area in SVG user units; the SVG scales with ``viewBox``.
WIDTH, HEIGHT, PAD = 480, 160, 28
#: Longer series are reduced to this many points (every k-th value, last kept).
MAX_POINTS = 400


def is_number(value: object) -> bool:
    """A finite int or float (``bool`` is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _downsample(values: Sequence[float]) -> list[tuple[int, float]]:
    step = max(1, math.ceil(len(values) / MAX_POINTS))
    points = [(i, float(values[i])) for i in range(0, len(values), step)]
    if points[-1][0] != len(values) - 1:
        points.append((len(values) - 1, float(values[-1])))
    return points


def _frame(title: str, low: float, high: float, body: str) -> str:
    label = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">{label}'
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 4}" y2="{HEIGHT - PAD}"/>'
        f'<line class="axis" x1="{PAD}" y1="4" x2="{PAD}" y2="{HEIGHT - PAD}"/>'
        f'<text class="tick" x="{PAD - 3}" y="12" text-anchor="end">{_fmt(high)}</text>'
        f'<text class="tick" x="{PAD - 3}" y="{HEIGHT - PAD}" text-anchor="end">{_fmt(low)}</text>'
        f"{body}</svg>"
    )


def _scale(low: float, high: float) -> tuple[float, float]:
    """``(low, high)`` widened so that a flat series still has a height."""
    if high == low:
        return low - 1, high + 1
    return low, high


def line_chart(values: Sequence[float], title: str = "") -> str:
    """An SVG line chart of ``values`` against their index."""
    if not values:
        return ""
    low, high = _scale(min(values), max(values))
    points = _downsample(values)
    last = max(1, len(values) - 1)
    span_x, span_y = WIDTH - PAD - 8, HEIGHT - PAD - 8

    def xy(i: int, v: float) -> str:
        return f"{PAD + span_x * i / last:.1f},{HEIGHT - PAD - span_y * (v - low) / (high - low):.1f}"

    path = " ".join(xy(i, v) for i, v in points)
    end = f'<text class="tick" x="{WIDTH - 4}" y="{HEIGHT - PAD + 14}" text-anchor="end">{len(values) - 1}</text>'
    start = f'<text class="tick" x="{PAD}" y="{HEIGHT - PAD + 14}">0</text>'
    return _frame(title, low, high, f'<polyline class="series" points="{path}"/>{start}{end}')


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str = "") -> str:
    """An SVG bar chart, one bar per label (at most :data:`MAX_POINTS`)."""
    pairs = list(zip(labels, values, strict=False))[:MAX_POINTS]
    if not pairs:
        return ""
    low, high = _scale(min(0.0, *(v for _, v in pairs)), max(0.0, *(v for _, v in pairs)))
    span_x, span_y = WIDTH - PAD - 8, HEIGHT - PAD - 8
    width = span_x / len(pairs)

    def y(v: float) -> float:
        return HEIGHT - PAD - span_y * (v - low) / (high - low)

    bars = []
    for i, (label, value) in enumerate(pairs):
        top, base = sorted((y(value), y(0.0)))
        x = PAD + i * width
        bars.append(
            f'<rect class="bar" x="{x + width * 0.1:.1f}" y="{top:.1f}" width="{width * 0.8:.1f}" '
            f'height="{max(base - top, 0.5):.1f}"><title>{escape(str(label))}: {_fmt(value)}</title></rect>'
        )
        if len(pairs) <= 12:
            bars.append(
                f'<text class="tick" x="{x + width / 2:.1f}" y="{HEIGHT - PAD + 14}" '
                f'text-anchor="middle">{escape(str(label)[:10])}</text>'
            )
    return _frame(title, low, high, "".join(bars))
