"""Portkey logs export (JSONL, one request per line).

Stage: log record -> Request.  Columns as Portkey's export documents them: `created_at`,
`ai_org` (provider), `ai_model`, `req_units` (prompt tokens), `res_units` (completion tokens),
`total_units`, `cost` (in CENTS of USD: divided by 100), `cost_currency`, `is_success` (1 / 0),
`response_status_code`, `metadata` (the `x-portkey-metadata` keys: the feature tag is read
there), `trace_id`, and the optional `request.body` / `response.body`.  Cache reads come from the
response body's usage where it is exported (`prompt_tokens_details.cached_tokens`, inside the
prompt; Anthropic's `cache_read_input_tokens` / `cache_creation_input_tokens`, added to it).
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, feature_of, first, loads_if_text, make_request, parse_cost, sub
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts


def detect(row: dict[str, Any]) -> bool:
    return "ai_model" in row and ("req_units" in row or "res_units" in row)


def _usage(row: dict[str, Any]) -> dict[str, Any]:
    body = loads_if_text(row.get("response.body"))
    if body is None:
        body = loads_if_text(sub(row, "response").get("body"))
    if not isinstance(body, dict):
        return {}
    usage = body.get("usage")
    return usage if isinstance(usage, dict) else {}


def normalize(row: dict[str, Any]) -> Request:
    if first(row, "req_units") is None:
        raise ValueError("no `req_units`")
    usage = _usage(row)
    cached = count(sub(usage, "prompt_tokens_details"), "cached_tokens")
    read, write = count(usage, "cache_read_input_tokens"), count(usage, "cache_creation_input_tokens")
    metadata = loads_if_text(row.get("metadata")) or {}
    cents = parse_cost(first(row, "cost"))
    if cents is not None and str(row.get("cost_currency") or "USD").upper() != "USD":
        raise ValueError(f"cost in {row['cost_currency']}, not USD")
    status = first(row, "is_success")
    return make_request(
        model=first(row, "ai_model"),
        provider=str(row.get("ai_org") or ""),
        feature=feature_of(metadata if isinstance(metadata, dict) else {}, row),
        input=count(row, "req_units") + read + write,
        cached=cached or read,
        cache_write=write,
        output=count(row, "res_units"),
        ts=parse_ts(first(row, "created_at")),
        ok=(status is None or str(status).lower() in ("1", "true"))
        and not 400 <= int(float(first(row, "response_status_code") or 200)) < 600,
        cost=None if cents is None else cents / 100,
    )


DIALECT = Dialect("portkey", detect, normalize)
