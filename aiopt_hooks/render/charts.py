"""Inline SVG charts for the HTML report: plain strings, no script, no external resource.

Each function takes plain values and returns one `<svg>` element (with a `<title>` for screen
readers); the page (`html_report`) lays them out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")
UP, DOWN, NEUTRAL = "#d62728", "#2ca02c", "#4c78a8"
WIDTH = 760
LABEL_W = 210
ROW_H = 26
Fmt = Callable[[float], str]


def _svg(height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _legend(names: Sequence[str], y: float) -> list[str]:
    out = []
    for i, name in enumerate(names):
        x = LABEL_W + i * 170
        out += [
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{COLORS[i % len(COLORS)]}"/>',
            _text(x + 18, y, name, cls="legend"),
        ]
    return out


def bar_chart(title: str, rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], fmt: Fmt) -> str:
    """Horizontal bars, one group per row and one bar per series (e.g. baseline and candidate)."""
    top = max((v for _, values in rows for v in values), default=0.0) or 1.0
    span = WIDTH - LABEL_W - 110
    per = max(len(series), 1)
    body: list[str] = _legend(series, 16) if per > 1 else []
    y = 30.0 if per > 1 else 8.0
    for label, values in rows:
        body.append(_text(LABEL_W - 8, y + ROW_H * per / 2 + 4, label, "end"))
        for i, value in enumerate(values):
            w = max(span * value / top, 1.0)
            body += [
                f'<rect x="{LABEL_W}" y="{y + i * ROW_H + 3:.1f}" width="{w:.1f}" height="{ROW_H - 6}" '
                f'fill="{COLORS[i % len(COLORS)]}" rx="2"/>',
                _text(LABEL_W + w + 6, y + i * ROW_H + ROW_H / 2 + 4, fmt(value), cls="value"),
            ]
        y += ROW_H * per + 8
    return _svg(int(y + 4), title, body)


def range_chart(title: str, rows: Sequence[tuple[str, float, float, float]], fmt: Fmt) -> str:
    """One bar per row from zero to the expected delta, with a whisker from low to high."""
    lo = min([0.0] + [min(r[1], r[2]) for r in rows])
    hi = max([0.0] + [max(r[2], r[3]) for r in rows])
    span = (hi - lo) or 1.0
    left, right = LABEL_W + 10, WIDTH - 200

    def x(v: float) -> float:
        return left + (v - lo) / span * (right - left)

    body = [f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{len(rows) * ROW_H + 8}" class="axis"/>']
    for i, (label, low, mid, high) in enumerate(rows):
        y = 8 + i * ROW_H
        color = UP if mid > 0 else DOWN if mid < 0 else NEUTRAL
        a, b = sorted((x(0), x(mid)))
        body += [
            _text(LABEL_W - 8, y + ROW_H / 2 + 4, label, "end"),
            f'<rect x="{a:.1f}" y="{y + 4}" width="{max(b - a, 1.0):.1f}" height="{ROW_H - 8}" fill="{color}" '
            'opacity="0.85" rx="2"/>',
            f'<line x1="{x(low):.1f}" y1="{y + ROW_H / 2}" x2="{x(high):.1f}" y2="{y + ROW_H / 2}" class="whisker"/>',
            f'<line x1="{x(low):.1f}" y1="{y + 6}" x2="{x(low):.1f}" y2="{y + ROW_H - 6}" class="whisker"/>',
            f'<line x1="{x(high):.1f}" y1="{y + 6}" x2="{x(high):.1f}" y2="{y + ROW_H - 6}" class="whisker"/>',
            _text(
                right + 8,
                y + ROW_H / 2 + 4,
                fmt(mid) + (f" ({fmt(low)} .. {fmt(high)})" if low != high else ""),
                cls="value",
            ),
        ]
    return _svg(len(rows) * ROW_H + 16, title, body)


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], fmt: Fmt
) -> str:
    """One polyline per series over shared x labels (dates); None leaves a gap."""
    height, top_pad, bottom = 240, 28, 40
    left, right = 70, WIDTH - 20
    peak = max((v for _, values in series for v in values if v is not None), default=0.0) or 1.0
    n = max(len(labels) - 1, 1)

    def pt(i: int, v: float) -> str:
        return f"{left + i * (right - left) / n:.1f},{height - bottom - v / peak * (height - bottom - top_pad):.1f}"

    body = _legend([name for name, _ in series], 16) if len(series) > 1 else []
    for frac in (0.0, 0.5, 1.0):
        y = height - bottom - frac * (height - bottom - top_pad)
        body += [
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" class="grid"/>',
            _text(left - 6, y + 4, fmt(peak * frac), "end", "value"),
        ]
    for k, (_, values) in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(pt(i, v))
        for run in (r for r in runs if r):
            body.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{COLORS[k % len(COLORS)]}" '
                'stroke-width="2.5"/>'
            )
    step = max(-(-len(labels) // 6), 1)
    for i in range(0, len(labels), step):
        anchor = "start" if i == 0 else "end" if i == len(labels) - 1 else "middle"
        body.append(_text(left + i * (right - left) / n, height - bottom + 18, labels[i], anchor, "value"))
    return _svg(height, title, body)


def probability_chart(title: str, rows: Sequence[tuple[str, float]]) -> str:
    """Horizontal bars on a 0..1 scale, one per threshold."""
    span = WIDTH - LABEL_W - 90
    body = []
    for i, (label, p) in enumerate(rows):
        y = 8 + i * ROW_H
        color = UP if p >= 0.5 else "#ff9f40" if p >= 0.1 else DOWN
        body += [
            _text(LABEL_W - 8, y + ROW_H / 2 + 4, label, "end"),
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{span}" height="{ROW_H - 8}" class="track" rx="2"/>',
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{max(span * p, 1.0):.1f}" height="{ROW_H - 8}" '
            f'fill="{color}" rx="2"/>',
            _text(LABEL_W + span + 8, y + ROW_H / 2 + 4, f"{p:.2f}", cls="value"),
        ]
    return _svg(len(rows) * ROW_H + 16, title, body)
