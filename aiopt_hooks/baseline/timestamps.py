"""Timestamps as they appear in usage logs -> epoch seconds (UTC).

One rule on every engine: a timestamp without a zone (naive) is UTC, never the machine's local time
(the DuckDB engine pins its session time zone to UTC for the same reading), so a log gives the same
window and daily buckets whatever the shell's TZ.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

_DAY_CACHE: dict[str, float] = {}


def _fast_iso_z(text: str) -> float | None:
    """`YYYY-MM-DDTHH:MM:SS[.fff]Z`, the common log form, without building a datetime per row."""
    if len(text) < 20 or text[-1] != "Z" or text[10] not in "T " or text[13] != ":" or text[16] != ":":
        return None
    day = text[:10]
    base = _DAY_CACHE.get(day)
    if base is None:
        base = datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp()
        if len(_DAY_CACHE) < 100_000:
            _DAY_CACHE[day] = base
    hours, minutes, seconds = int(text[11:13]), int(text[14:16]), float(text[17:-1])
    if hours > 23 or minutes > 59 or not 0 <= seconds < 61:
        raise ValueError(f"not a timestamp: {text!r}")
    return base + hours * 3600 + minutes * 60 + seconds


def parse_ts(value: Any) -> float | None:
    """ISO 8601 (Z, offset or naive = UTC), or epoch seconds / ms / µs / ns as number or string."""
    if type(value) is str:
        try:
            fast = _fast_iso_z(value)
        except ValueError:
            fast = None
        if fast is not None:
            return fast
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        return _epoch(float(value))
    text = str(value).strip()
    try:
        return _epoch(float(text))
    except ValueError:
        pass
    parsed = datetime.fromisoformat(text.replace(" UTC", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _epoch(number: float) -> float:
    if number != number or number < 0:
        raise ValueError("not a timestamp")
    for scale in (1.0, 1e3, 1e6, 1e9):
        if number / scale < 1e10:  # before the year 2286
            return number / scale
    raise ValueError("timestamp out of range")
