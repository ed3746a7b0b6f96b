"""Provider cost reports read beside a usage export: the dollars the provider billed per day,
compared with our pricing of the export's tokens (never a baseline on their own: no tokens).

Stage: cost report file -> [(start, end, USD)] spans, kept on the summary as `reported`.
- OpenAI cost CSV (dashboard export) and Costs API pages: `start_time`, `end_time`,
  `amount_value` / `results[].amount.value` (USD), `amount_currency`.
- Anthropic cost report (`GET /v1/organizations/cost_report`): `data[].starting_at` /
  `ending_at`, `results[].amount`, a decimal string in the lowest currency unit (cents).
A non-USD amount is an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiopt_hooks.baseline.dialects.signatures import cost_report_kind
from aiopt_hooks.baseline.files import iter_rows
from aiopt_hooks.baseline.timestamps import parse_ts
from aiopt_hooks.errors import AioptError

Span = tuple[float, float, float]  # (start, end, USD)


def _usd(value: Any, currency: Any, cents: bool, where: str) -> float:
    if str(currency or "usd").lower() != "usd":
        raise AioptError(f"a cost in {currency}, not USD", file=where, hint="export the cost report in USD")
    amount = float(value)
    return amount / 100 if cents else amount


def _spans(row: dict[str, Any], where: str) -> list[Span]:
    if "amount_value" in row:  # a dashboard CSV row; an empty day has no amount
        if row.get("amount_value") in (None, ""):
            return []
        start, end = parse_ts(row.get("start_time")), parse_ts(row.get("end_time"))
        if start is None or end is None:
            raise AioptError("a cost row without `start_time` / `end_time`", file=where)
        return [(start, end, _usd(row["amount_value"], row.get("amount_currency"), False, where))]
    out: list[Span] = []
    data = row.get("data")
    for bucket in data if isinstance(data, list) else [row]:
        if not isinstance(bucket, dict):
            continue
        start = parse_ts(bucket.get("start_time", bucket.get("starting_at")))
        end = parse_ts(bucket.get("end_time", bucket.get("ending_at")))
        for result in bucket.get("results") or []:
            if not isinstance(result, dict) or start is None or end is None:
                continue
            amount = result.get("amount")
            if isinstance(amount, dict):  # OpenAI: {"value": 0.06, "currency": "usd"}
                out.append((start, end, _usd(amount.get("value") or 0, amount.get("currency"), False, where)))
            elif amount not in (None, ""):  # Anthropic: "123.45" cents
                out.append((start, end, _usd(amount, result.get("currency"), True, where)))
    return out


def read_cost_report(path: Path, name: str) -> list[Span] | None:
    """The report's spans, or None when the file is not a cost report."""
    rows = iter_rows(path)
    first = next((row for _, row in rows if row is not None), None)
    if first is None or cost_report_kind(first) is None:
        return None
    spans = _spans(first, name)
    for line, row in rows:
        if row is None:
            raise AioptError("a malformed cost report row", file=name, line=line)
        spans.extend(_spans(row, name))
    return spans


def reported_within(spans: list[list[float]], first: float, last: float) -> tuple[float, int]:
    """(USD, buckets) of the report's buckets that lie inside the usage window [first, last]."""
    inside = [s for s in spans if s[0] >= first - 1 and s[1] <= last + 1]
    return sum(s[2] for s in inside), len(inside)
