"""Helicone request exports: the export CLI's CSV, and the JSON / JSONL `HeliconeRequest` records.

Stage: log record -> Request.  CSV columns: `response_id, response_created_at, response_status,
request_created_at, request_body, request_properties, request_user_id, model, prompt_tokens,
completion_tokens, latency, cost`.  The JSON records add `request_model` / `response_model`
(the response model is billed), `provider`, `prompt_cache_read_tokens`,
`prompt_cache_write_tokens` and `costUSD`.  `prompt_tokens` is taken as the whole prompt, cache
reads and writes inside it (Request.cached / cache_write are clamped to it).  The feature tag is
the `Helicone-Property-Feature` (or `-Feature-Tag`, `-Route`) custom property, from
`request_properties` / `properties`, a JSON string in the CSV.  Time: `request_created_at`;
a non-2xx `response_status` is a failed request.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import (
    FEATURE_KEYS,
    count,
    first,
    is_ok,
    loads_if_text,
    make_request,
    parse_cost,
)
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_MARKERS = ("request_created_at", "response_created_at", "request_properties")


def detect(row: dict[str, Any]) -> bool:
    return any(key in row for key in _MARKERS) and "prompt_tokens" in row


def _feature(row: dict[str, Any]) -> str:
    props = loads_if_text(first(row, "request_properties", "properties"))
    if not props:
        return ""
    if not isinstance(props, dict):
        raise TypeError("`request_properties` is not an object")
    for key, value in props.items():
        name = key.lower().removeprefix("helicone-property-").replace("-", "_")
        if name in FEATURE_KEYS and value:
            return str(value)
    return ""


def normalize(row: dict[str, Any]) -> Request:
    if first(row, "prompt_tokens") is None:
        raise ValueError("no `prompt_tokens`")
    return make_request(
        model=first(row, "response_model", "model", "request_model"),
        provider=str(row.get("provider") or ""),
        feature=_feature(row),
        input=count(row, "prompt_tokens"),
        cached=count(row, "prompt_cache_read_tokens"),
        cache_write=count(row, "prompt_cache_write_tokens"),
        output=count(row, "completion_tokens"),
        ts=parse_ts(first(row, "request_created_at", "response_created_at")),
        ok=is_ok(row),
        cost=parse_cost(first(row, "cost", "costUSD")),
    )


DIALECT = Dialect("helicone", detect, normalize)
