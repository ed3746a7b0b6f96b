"""Field readers shared by the log dialects: nested keys, token counts, tags, wrappers, one Request.

Stage: log record -> Request.  Every reader module in `baseline/` builds its Request through
`make_request`, so token classes are clamped the same way everywhere (cached and cache writes
inside input, reasoning inside output).  Readers raise ValueError / KeyError / TypeError on a
bad record; `detect` functions built from these helpers never raise.
"""

from __future__ import annotations

import json
from typing import Any

# One token-count reader for every dialect: the AIOpt hot loop owns it (range-checked ints).
from aiopt_hooks.baseline.dialects.aiopt import _tokens as count
from aiopt_hooks.baseline.dialects.aiopt import feature_of as _flat_feature
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

__all__ = [
    "FEATURE_KEYS",
    "count",
    "sub",
    "items",
    "first",
    "loads_if_text",
    "body_of",
    "feature_of",
    "tag_feature",
    "retries_of",
    "parse_cost",
    "is_ok",
    "provider_of",
    "envelope",
    "make_request",
    "service_tier",
]

FEATURE_KEYS = ("feature_tag", "feature", "route")
_WRAPPERS = ("response", "body")
_FAILED = {"error", "failed", "failure", "cancelled", "canceled", "timeout", "incomplete_error"}


def sub(mapping: dict[str, Any], *path: str) -> dict[str, Any]:
    """The mapping at `path`: {} where a step is missing or null, TypeError where it is not a mapping."""
    node = mapping
    for key in path:
        value = node.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise TypeError(f"`{key}` is not an object")
        node = value
    return node


def items(mapping: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list of objects under `key` ([] where missing or null)."""
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise TypeError(f"`{key}` is not a list of objects")
    return value


def first(mapping: dict[str, Any], *keys: str) -> Any:
    """The first value under `keys` that is neither missing, null nor empty."""
    for key in keys:
        value = mapping.get(key)
        if value is not None and value != "":
            return value
    return None


def loads_if_text(value: Any) -> Any:
    """JSON stored as a string inside JSON or CSV (LiteLLM `metadata`, Helicone properties)."""
    if isinstance(value, str):
        return json.loads(value) if value.strip() else None
    return value


def body_of(row: dict[str, Any], *markers: str) -> dict[str, Any]:
    """The provider response inside a log line: the row itself, or `response` / `body` (two deep,
    for Batch API lines `response.body`), whichever holds one of `markers`."""
    node = row
    for _ in range(3):
        if any(marker in node for marker in markers):
            return node
        inner = next((node[k] for k in _WRAPPERS if isinstance(node.get(k), dict)), None)
        if inner is None:
            break
        node = inner
    return row


def feature_of(*sources: dict[str, Any]) -> str:
    """The first feature tag in `sources`, each read as AIOpt reads a row (own keys, then `meta`)."""
    for source in sources:
        tag = _flat_feature(source)
        if tag:
            return tag
    return ""


def tag_feature(tags: Any, plain: bool) -> str:
    """`x` from a `feature:x` / `feature=x` tag in a list (or its JSON text); else, with `plain`,
    the first bare tag (one that is not a `key:value` pair, such as LiteLLM's `User-Agent: ...`)."""
    tags = loads_if_text(tags)
    if not tags:
        return ""
    if not isinstance(tags, list):
        raise TypeError("tags are not a list")
    bare = ""
    for tag in map(str, tags):
        for sep in (":", "="):
            name, found, value = tag.partition(sep)
            if found and name.strip().lower() in FEATURE_KEYS and value.strip():
                return value.strip()
        if not bare and ":" not in tag and "=" not in tag:
            bare = tag.strip()
    return bare if plain else ""


def retries_of(row: dict[str, Any]) -> int:
    """`retries`, else `attempt` - 1 (1-based attempts), else 0."""
    retries = row.get("retries")
    if retries is None or retries == "":
        return max(int(float(row.get("attempt") or 1)) - 1, 0)
    return int(float(retries))


def parse_cost(value: Any) -> float | None:
    """A stated cost in USD, None when absent."""
    if value is None or value == "":
        return None
    amount = float(value)
    if not 0 <= amount < 1e9:
        raise ValueError(f"cost out of range: {value!r}")
    return amount


def is_ok(*sources: dict[str, Any]) -> bool:
    """False when any source says the call failed: a failure `status` word or a non-2xx code."""
    for source in sources:
        for key in ("status", "status_code", "response_status"):
            value = source.get(key)
            if value is None or value == "" or isinstance(value, (dict, list, bool)):
                continue
            text = str(value).strip().lower()
            if text.lstrip("-").isdigit():
                if not 200 <= int(text) < 300:
                    return False
            elif text in _FAILED:
                return False
    return True


def provider_of(row: dict[str, Any], body: dict[str, Any], default: str) -> str:
    """A wrapping log line's own `provider` (e.g. azure in front of an OpenAI body), else `default`."""
    if row is not body and isinstance(row.get("provider"), str) and row["provider"]:
        return str(row["provider"])
    return default


def envelope(row: dict[str, Any], body: dict[str, Any], *ts_keys: str, cost: float | None = None) -> dict[str, Any]:
    """What a log line adds around a provider response body (the line wins over the body):
    feature tag, `ts` / `timestamp` (else the body's `ts_keys`), `retries` / `attempt`, failure
    `status`, and a stated `cost` / `cost_usd` / `billed_cost` (else `cost` from the body)."""
    stated = parse_cost(first(row, "cost", "cost_usd", "billed_cost"))
    return dict(
        feature=feature_of(row, body),
        ts=parse_ts(first(row, "ts", "timestamp") or first(body, *ts_keys)),
        ok=is_ok(row, body),
        retries=retries_of(row),
        cost=cost if stated is None else stated,
    )


def make_request(
    *,
    model: Any,
    input: int,
    output: int,
    provider: str = "",
    feature: str = "",
    cached: int = 0,
    cache_write: int = 0,
    cache_write_1h: int = 0,
    reasoning: int = 0,
    ts: float | None = None,
    ok: bool = True,
    retries: int = 0,
    truncated: bool = False,
    cost: float | None = None,
    user: str = "",
    requests: int = 1,
    end: float | None = None,
    tier: str = "",
    min_input: int = 0,
) -> Request:
    """One Request with its token classes nested: cached + cache_write <= input, reasoning <= output.
    An aggregated row gives `requests` (its token fields are sums) and its bucket's `end`."""
    if not model or not isinstance(model, str):
        raise ValueError("no model")
    if tier not in ("", "batch", "flex", "priority"):
        raise ValueError(f"unknown service tier {tier!r}")
    cached = min(cached, input)
    cache_write = min(cache_write, input - cached)
    return Request(
        ts=ts,
        provider=provider.lower(),
        model=model,
        feature=feature,
        input=input,
        cached=cached,
        cache_write=cache_write,
        output=output,
        reasoning=min(reasoning, output),
        ok=ok,
        retries=retries,
        truncated=truncated,
        cost=cost,
        cache_write_1h=min(cache_write_1h, cache_write),
        user=user,
        requests=requests,
        end=end,
        tier=tier,
        min_input=min_input,
    )


def service_tier(value: Any, batch: Any = None) -> str:
    """A provider's service-tier word -> "" (standard) or "batch" / "flex" / "priority".
    `batch` is a separate true/false flag (OpenAI's usage buckets); unknown words are an error."""
    if str(batch).strip().lower() in ("true", "1", "yes"):
        return "batch"
    text = str(value or "").strip().lower()
    if text in ("", "default", "standard", "auto", "on_demand", "on-demand", "scale", "none", "null", "false"):
        return ""
    if text in ("batch", "flex", "priority"):
        return text
    raise ValueError(f"unknown service tier {value!r}")
