"""Anthropic Admin API usage report for messages (`GET /v1/organizations/usage_report/messages`).

Stage: log record -> buckets (`unpack`) -> Request (one aggregated row per bucket result).
A page `{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`
(saved as JSON, or one page / one bucket per line).  Each result gives
`uncached_input_tokens`, `cache_read_input_tokens`, `cache_creation.ephemeral_5m_input_tokens` /
`ephemeral_1h_input_tokens`, `output_tokens`, `server_tool_use.web_search_requests` and, with
`group_by[]`, `model`, `service_tier` (`standard`, `batch`, `priority`), `context_window`
(`0-200k`, `200k-1M`), `workspace_id`, `api_key_id`.  The prompt is the sum of the uncached,
cache-read and cache-write tokens, as in a Messages response.  The report gives NO request count:
each result counts as one request and the summary says so (per-request changes cannot be priced
from it).  A `200k-1M` context window puts the bucket in the long-context price tier.  The
feature is the `workspace_id`.  Web-search fees are not tokens and are not priced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, first, items, make_request, service_tier, sub
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_MARKERS = ("uncached_input_tokens", "cache_read_input_tokens")
LONG_CONTEXT = 200_001


def _is_result(record: Any) -> bool:
    return isinstance(record, dict) and "uncached_input_tokens" in record


def _buckets(row: dict[str, Any]) -> list[dict[str, Any]]:
    return items(row, "data") if isinstance(row.get("data"), list) else [row]


def detect(row: dict[str, Any]) -> bool:
    try:
        return any("starting_at" in b and any(_is_result(r) for r in b.get("results") or []) for b in _buckets(row)[:5])
    except TypeError:
        return False


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for bucket in _buckets(row):
        for result in items(bucket, "results"):
            yield {**result, "starting_at": bucket.get("starting_at"), "ending_at": bucket.get("ending_at")}


def normalize(row: dict[str, Any]) -> Request:
    if not first(row, "model"):
        raise ValueError("a usage bucket without `model`: request the report with group_by[]=model")
    start, end = parse_ts(row.get("starting_at")), parse_ts(row.get("ending_at"))
    if start is None or end is None:
        raise ValueError("a usage bucket without `starting_at` / `ending_at`")
    creation = sub(row, "cache_creation")
    write_1h = count(creation, "ephemeral_1h_input_tokens")
    write = count(creation, "ephemeral_5m_input_tokens") + write_1h
    read = count(row, "cache_read_input_tokens")
    window = str(row.get("context_window") or "")
    return make_request(
        model=row.get("model"),
        provider="anthropic",
        feature=str(row.get("workspace_id") or ""),
        input=count(row, "uncached_input_tokens") + read + write,
        cached=read,
        cache_write=write,
        cache_write_1h=write_1h,
        output=count(row, "output_tokens"),
        ts=start,
        end=end,
        requests=0,
        tier=service_tier(row.get("service_tier")),
        min_input=LONG_CONTEXT if window.startswith("200k") else 0,
    )


DIALECT = Dialect("anthropic-usage", detect, normalize, unpack)
