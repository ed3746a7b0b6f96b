"""The established AIOpt log format, both forms.

Aggregated: `ts, provider, model, input_tokens, output_tokens, feature_tag, retries, status`
(+ `billed_cost`, `finish_reason`, cached-token fields).  Wrapper: `prompt_tokens,
completion_tokens, endpoint, attempt, trace_id, status, meta.feature_tag` (+ `cost_usd`).
Fallbacks follow AIOpt's own normalizer: input = input_tokens ?? prompt_tokens; feature =
feature_tag ?? meta.feature_tag ?? endpoint; retries = retries ?? max(attempt - 1, 0).
"""
from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline import Dialect, Request
from aiopt_hooks.baseline.timestamps import parse_ts

_OK = {"ok", "success", "succeeded", "200", "completed", ""}
_TRUNCATED = {"length", "max_tokens", "max_output_tokens"}
_FEATURE_KEYS = ("feature_tag", "feature", "route")


def _tokens(row: dict[str, Any], *keys: str) -> int:
    for key in keys:
        value = row.get(key)
        if value is not None and value != "":
            number = float(value)
            if not 0 <= number < 1e9:
                raise ValueError(f"`{key}` out of range: {value!r}")
            return int(number)
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
    return has_tokens and "model" in row


def normalize(row: dict[str, Any]) -> Request:
    if not row.get("model"):
        raise ValueError("no `model`")
    if "input_tokens" not in row and "prompt_tokens" not in row:
        raise ValueError("no `input_tokens` / `prompt_tokens`")
    meta = _meta(row)
    retries = row.get("retries")
    if retries in (None, ""):
        retries = max(int(float(row.get("attempt") or 1)) - 1, 0)
    cost = row.get("billed_cost", row.get("cost_usd"))
    status = str(row.get("status") or "").lower()
    cached = _tokens(row, "cached_input_tokens", "cached_tokens", "cache_read_input_tokens")
    inp = _tokens(row, "input_tokens", "prompt_tokens")
    return Request(
        ts=parse_ts(row.get("ts") or row.get("timestamp")),
        provider=str(row.get("provider") or "").lower(),
        model=str(row["model"]),
        feature=feature_of(row) if meta or any(k in row for k in _FEATURE_KEYS + ("endpoint",)) else "",
        input=inp,
        cached=min(cached, inp),
        cache_write=min(_tokens(row, "cache_write_tokens", "cache_creation_input_tokens"), inp - cached),
        output=_tokens(row, "output_tokens", "completion_tokens"),
        reasoning=_tokens(row, "reasoning_tokens"),
        ok=status in _OK,
        retries=int(float(retries)),
        truncated=str(row.get("finish_reason") or "").lower() in _TRUNCATED,
        cost=float(cost) if cost not in (None, "") else None,
    )


DIALECT = Dialect("aiopt", detect, normalize)
