"""Anthropic Messages responses logged one per line (also as returned by Bedrock and Vertex).

Stage: log record -> Request.  `usage.input_tokens` counts the UNCACHED input only: the prompt is
`input_tokens + cache_read_input_tokens + cache_creation_input_tokens`, so Request.input is that
sum, cached = the cache reads and cache_write = the cache writes, of which
`cache_creation.ephemeral_1h_input_tokens` go to cache_write_1h (1-hour writes cost more than
5-minute ones).  `output_tokens` already includes thinking; `output_tokens_details.thinking_tokens`
(newer responses) is the reasoning part.  `stop_reason: max_tokens` = truncated.  The body has no
timestamp: the log line wraps it with `ts` / `timestamp` (flat beside the body's keys, or as
`{"ts", "feature_tag", "response": {...}}`).  `usage.service_tier` (`priority`, `batch`) bills
the request at that tier's rates.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import body_of, count, envelope, make_request, provider_of, service_tier, sub
from aiopt_hooks.baseline.model import Request

_CACHE_KEYS = ("cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation")


def detect(row: dict[str, Any]) -> bool:
    body = body_of(row, "usage")
    usage = body.get("usage")
    if not isinstance(usage, dict) or "input_tokens" not in usage:
        return False
    return body.get("type") == "message" or any(key in usage for key in _CACHE_KEYS)


def normalize(row: dict[str, Any]) -> Request:
    body = body_of(row, "usage")
    usage = sub(body, "usage")
    if "input_tokens" not in usage:
        raise ValueError("no `usage.input_tokens`")
    creation = sub(usage, "cache_creation")
    write_1h = count(creation, "ephemeral_1h_input_tokens")
    write = count(usage, "cache_creation_input_tokens")
    write = write or count(creation, "ephemeral_5m_input_tokens") + write_1h
    read = count(usage, "cache_read_input_tokens")
    return make_request(
        **envelope(row, body),
        model=body.get("model"),
        provider=provider_of(row, body, "anthropic"),
        input=count(usage, "input_tokens") + read + write,
        cached=read,
        cache_write=write,
        cache_write_1h=write_1h,
        output=count(usage, "output_tokens"),
        reasoning=count(sub(usage, "output_tokens_details"), "thinking_tokens"),
        truncated=body.get("stop_reason") == "max_tokens",
        tier=service_tier(usage.get("service_tier")),
    )


DIALECT = Dialect("anthropic", detect, normalize)
