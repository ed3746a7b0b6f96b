"""The established AIOpt log format, both forms.

Aggregated: `ts, provider, model, input_tokens, output_tokens, feature_tag, retries, status`
(+ `billed_cost`, `finish_reason`, cached-token fields).  Wrapper: `prompt_tokens,
completion_tokens, endpoint, attempt, trace_id, status, meta.feature_tag` (+ `cost_usd`).
Fallbacks follow AIOpt's own normalizer: input = input_tokens ?? prompt_tokens; feature =
feature_tag ?? meta.feature_tag ?? endpoint; retries = retries ?? max(attempt - 1, 0).
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_OK = {"ok", "success", "succeeded", "200", "completed", ""}
_TRUNCATED = {"length", "max_tokens", "max_output_tokens"}
_FEATURE_KEYS = ("feature_tag", "feature", "route")
# Keys of other dialects' flat rows (LiteLLM spend logs, Helicone exports, response objects):
# a row with any of them is not an AIOpt row even though it has `model` and `prompt_tokens`.
_FOREIGN_KEYS = (
    "usage",
    "spend",
    "response_cost",
    "call_type",
    "model_group",
    "request_created_at",
    "response_created_at",
    "request_properties",
    "usageDetails",
)


def _count(value: Any, key: str) -> int:
    if type(value) is int and 0 <= value < 1_000_000_000:  # the common case, without float()
        return value
    if isinstance(value, bool):
        raise ValueError(f"`{key}` is not a count: {value!r}")
    number = float(value)
    if not 0 <= number < 1e9:
        raise ValueError(f"`{key}` out of range: {value!r}")
    return int(number)


def _tokens(row: dict[str, Any], *keys: str) -> int:
    for key in keys:
        value = row.get(key)
        if value is not None and value != "":
            return _count(value, key)
    return 0


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("meta", "metadata"):
        value = row.get(key)
        if isinstance(value, dict):
            return value
    return {}


def feature_of(row: dict[str, Any]) -> str:
    meta = _meta(row)
    for source in (row, meta):
        for key in _FEATURE_KEYS:
            if source.get(key):
                return str(source[key])
    return str(row.get("endpoint") or "")


def detect(row: dict[str, Any]) -> bool:
    has_tokens = any(k in row for k in ("input_tokens", "prompt_tokens"))
    return has_tokens and "model" in row and not any(k in row for k in _FOREIGN_KEYS)


def normalize(row: dict[str, Any]) -> Request:
    get = row.get
    model = get("model")
    if not model:
        raise ValueError("no `model`")
    raw_input = get("input_tokens")
    if raw_input is None or raw_input == "":
        raw_input = get("prompt_tokens")
        if raw_input is None or raw_input == "":
            raise ValueError("no `input_tokens` / `prompt_tokens`")
    inp = _count(raw_input, "input_tokens")
    raw_output = get("output_tokens")
    output = (
        _tokens(row, "completion_tokens")
        if raw_output is None or raw_output == ""
        else _count(raw_output, "output_tokens")
    )
    feature = get("feature_tag")
    if not feature:
        feature = feature_of(row)
    retries = get("retries")
    if retries is None or retries == "":
        retries = max(int(float(get("attempt") or 1)) - 1, 0)
    elif type(retries) is not int:
        retries = int(float(retries))
    cost = get("billed_cost")
    if cost is None:
        cost = get("cost_usd")
    status = get("status")
    cached = min(_tokens(row, "cached_input_tokens", "cached_tokens", "cache_read_input_tokens"), inp)
    write = min(_tokens(row, "cache_write_tokens", "cache_creation_input_tokens"), inp - cached)
    finish = get("finish_reason")
    return Request(
        ts=parse_ts(get("ts") or get("timestamp")),
        provider=(get("provider") or "").lower() if type(get("provider")) is str else str(get("provider") or ""),
        model=model if type(model) is str else str(model),
        feature=str(feature),
        input=inp,
        cached=cached,
        cache_write=write,
        output=output,
        reasoning=_tokens(row, "reasoning_tokens"),
        ok=status == "ok" or str(status or "").lower() in _OK,
        retries=retries,
        truncated=finish is not None and str(finish).lower() in _TRUNCATED,
        cost=float(cost) if cost is not None and cost != "" else None,
    )


DIALECT = Dialect("aiopt", detect, normalize)
