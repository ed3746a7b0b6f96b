"""A robust log window: timestamps far outside the bulk of the log (a clock bug's `2099-...`, an
epoch-0 default) are left out of the window, with a finding.

Stage: inside the estimate, before any monthly figure.  The window is the span from the first to
the last timestamp; one stray row would stretch it to decades and shrink every monthly figure to
$0.00.  From the per-day request counts: the bulk is the days between the 1st and 99th percentile
of requests; a day further than `max(MIN_GAP_DAYS, GAP_FACTOR x the bulk's span)` from the bulk is
an outlier.  The outlying rows still count as requests (they were billed, only their clock was
wrong); only the window leaves them out.  Where an end of the window moves, the new end is the
edge of the last kept day, trimmed by the share of a typical day that edge day holds.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.records import Finding

MIN_GAP_DAYS = 30.0
GAP_FACTOR = 3.0
DAY = 86400.0


class Window(NamedTuple):
    days: float
    finding: Finding | None


def _day_counts(summary: BaselineSummary) -> dict[int, float]:
    counts: dict[int, float] = {}
    for group in summary.groups.values():
        for day, values in group.days.items():
            counts[day] = counts.get(day, 0.0) + values[0]
    return counts


def _percentile_day(days: list[int], counts: dict[int, float], q: float) -> int:
    total = sum(counts[d] for d in days)
    running = 0.0
    for d in days:
        running += counts[d]
        if running >= q * total:
            return d
    return days[-1]


def robust_window(summary: BaselineSummary) -> Window:
    """The log's window in days, outlying timestamps left out (and a finding naming them)."""
    span = summary.span_days
    counts = _day_counts(summary)
    if len(counts) < 3 or summary.first_ts is None or summary.last_ts is None:
        return Window(span, None)
    days = sorted(counts)
    lo, hi = _percentile_day(days, counts, 0.01), _percentile_day(days, counts, 0.99)
    gap = max(MIN_GAP_DAYS, GAP_FACTOR * (hi - lo + 1))
    kept = [d for d in days if lo - gap <= d <= hi + gap]
    out = [d for d in days if d not in kept]
    if not out or not kept:
        return Window(span, None)
    typical = sorted(counts[d] for d in kept)[len(kept) // 2] or 1.0
    first_day, last_day = kept[0], kept[-1]
    start = (
        summary.first_ts
        if int(summary.first_ts // DAY) == first_day
        else (first_day + 1 - min(counts[first_day] / typical, 1.0)) * DAY
    )
    end = (
        summary.last_ts
        if int(summary.last_ts // DAY) == last_day
        else (last_day + min(counts[last_day] / typical, 1.0)) * DAY
    )
    window = max(end - start, 0.0) / DAY
    rows = sum(counts[d] for d in out)
    where = ", ".join(_date(d) for d in out[:3]) + (f" and {len(out) - 3} more days" if len(out) > 3 else "")
    message = (
        f"{rows:,.0f} log row(s) are dated far outside the bulk of the log ({where}; the bulk runs "
        f"{_date(kept[0])} .. {_date(kept[-1])}): they are left out of the window, which is "
        f"{window:.1f} days instead of {span:,.1f}, and still counted as requests. Fix the clock of "
        "whatever wrote them, or set `baseline.window_days`"
    )
    return Window(window, Finding("warn", "window_outliers", message, file=", ".join(summary.paths)))


def _date(day: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(days=day)).strftime("%Y-%m-%d")
