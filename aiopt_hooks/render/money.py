"""Money as the outputs show it: `$1,234.56`, signed when asked (`+$12.00`)."""

from __future__ import annotations


def money(value: float, sign: bool = False) -> str:
    text = f"${abs(value):,.2f}"
    if sign:
        return ("+" if value >= 0 else "-") + text
    return ("-" if value < 0 else "") + text
