"""Files that look like usage data but must not be read as a baseline: recognised by their
signature on the first record, and refused with what was recognised and the fix.

Stage: log file's first record -> None (read it) or the reason it cannot be a baseline.
- Cost reports (OpenAI Costs API / dashboard cost CSV: `amount`, `line_item`; Anthropic cost
  report: `amount`, `cost_type`, `token_type`) hold money per day, not token counts.
- Aggregated rows (a request count such as `requests`, `num_requests`, `request_count`,
  `num_model_requests`, or a per-day layout without a time of request) that only a per-request
  dialect would take: each row would count as ONE request and the window would shrink to
  the days' start times.  The dialects that read buckets (`openai-usage`, `anthropic-usage`,
  `openrouter` activity) are recognised before these checks apply.
"""

from __future__ import annotations

from typing import Any

_PER_REQUEST = {"aiopt", "writeup", "helicone", "litellm", "portkey", "langsmith", "bedrock"}
_COUNT_KEYS = (
    "num_model_requests",
    "num_requests",
    "request_count",
    "requests",
    "n_requests",
    "requests_count",
    "count_requests",
    "calls",
    "num_calls",
)
_DAY_KEYS = ("date", "day", "usage_date", "start_time", "starting_at", "bucket", "period")
_TIME_KEYS = ("ts", "timestamp", "created", "created_at", "request_created_at", "startTime", "start_time_unix_nano")
EXPORTS = "see the README's table of usage exports"


def cost_report_kind(row: dict[str, Any]) -> str | None:
    """What kind of cost report the record opens, None for anything else."""
    return _cost_report(row)


def _cost_report(row: dict[str, Any]) -> str | None:
    if "amount_value" in row and ("line_item" in row or "amount_currency" in row):
        return "an OpenAI cost report (dollars per day and line item, no token counts)"
    data = row.get("data")
    buckets: list[Any] = data if isinstance(data, list) else [row]
    for bucket in buckets[:3]:
        results = bucket.get("results") if isinstance(bucket, dict) else None
        for result in (results if isinstance(results, list) else [])[:3]:
            if not isinstance(result, dict) or "amount" not in result:
                continue
            if result.get("object") == "organization.costs.result" or "line_item" in result:
                return "an OpenAI Costs API page (dollars per day and line item, no token counts)"
            if "cost_type" in result or "token_type" in result:
                return "an Anthropic cost report (dollars per day, no token counts)"
    return None


def misread(row: dict[str, Any], dialect: str | None) -> tuple[str, str] | None:
    """(what the file is, how to fix it) when it must not be read as `dialect`; else None."""
    report = _cost_report(row)
    if report is not None:
        return (
            f"{report}: it cannot be a baseline on its own",
            "point `baseline.path` at the usage export of the same tool (token counts per request or "
            f"per bucket), e.g. OpenAI's usage export or Usage API completions with group_by=model; list the "
            f"cost report beside it to compare its dollars with our pricing; {EXPORTS}",
        )
    if dialect is None or dialect not in _PER_REQUEST:
        return None
    counts = [k for k in _COUNT_KEYS if k in row]
    if counts:
        return (
            f"aggregated usage (a `{counts[0]}` column) that the `{dialect}` reader would take as one request per row",
            "export per-request usage, use a bucket export the guard reads (`baseline.format: openai-usage`, "
            f"`anthropic-usage`, `openrouter`), or summarize it with `aiopt baseline import-rows`; {EXPORTS}",
        )
    days = [k for k in _DAY_KEYS if k in row]
    if days and not any(k in row for k in _TIME_KEYS) and str(row.get(days[0]) or "")[10:].strip(" T0:Z") == "":
        return (
            f"a per-day layout (`{days[0]}` and no request time) that the `{dialect}` reader would take "
            "as one request per row",
            f"export per-request usage with a timestamp, or a bucket export with request counts; {EXPORTS}",
        )
    return None
