"""Timestamps as they appear in usage logs -> epoch seconds (UTC)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def parse_ts(value: Any) -> float | None:
    """ISO 8601 (Z, offset or naive = UTC), or epoch seconds / ms / µs / ns as number or string."""
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
        if number / scale < 1e10:   # before the year 2286
            return number / scale
    raise ValueError("timestamp out of range")
