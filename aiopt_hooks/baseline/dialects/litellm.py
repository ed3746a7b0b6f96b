"""LiteLLM proxy logs: `LiteLLM_SpendLogs` rows and StandardLoggingPayload callback records.

Stage: log record -> Request.
- Model: `model` (the deployment actually called, billed), never `model_group` (the public alias);
  provider `custom_llm_provider`.
- Tokens: `prompt_tokens` / `completion_tokens`; cached, cache-write and reasoning tokens from the
  OpenAI-shaped usage block (`metadata.usage_object`, else `response.usage`).
- Feature: a feature key in `metadata.spend_logs_metadata`, else `request_tags` (a `feature:x`
  tag, else the first bare tag), else `model_group`.  SpendLogs store `metadata` and
  `request_tags` as JSON text inside JSON; the payload stores them as objects: both are read.
- Time: `startTime`, naive `2025-01-24 09:20:46.847371` (taken as UTC) or a float epoch.
- Cost: `spend` (SpendLogs) or `response_cost` (payload).  Status: `status` success / failure;
  retries: `metadata.attempted_retries`.
A proxy cache hit (`cache_hit` true) called no model, so it is not a billed request: skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import (
    count,
    feature_of,
    first,
    is_ok,
    items,
    loads_if_text,
    make_request,
    parse_cost,
    sub,
    tag_feature,
)
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts


def detect(row: dict[str, Any]) -> bool:
    stated = "spend" in row or "response_cost" in row
    return stated and "model" in row and any(k in row for k in ("model_group", "call_type", "startTime"))


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if str(row.get("cache_hit")).lower() != "true":
        yield row


def _object(value: Any, key: str) -> dict[str, Any]:
    value = loads_if_text(value)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"`{key}` is not an object")
    return value


def _usage(row: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    usage = sub(metadata, "usage_object")
    if not usage and isinstance(row.get("response"), dict):
        usage = sub(row, "response", "usage")
    return usage


def _feature(row: dict[str, Any], metadata: dict[str, Any]) -> str:
    tagged = feature_of(_object(metadata.get("spend_logs_metadata"), "spend_logs_metadata"))
    return tagged or tag_feature(row.get("request_tags"), plain=True) or str(row.get("model_group") or "")


def _truncated(row: dict[str, Any]) -> bool:
    response = row.get("response")
    if not isinstance(response, dict):
        return False
    return any(choice.get("finish_reason") == "length" for choice in items(response, "choices"))


def normalize(row: dict[str, Any]) -> Request:
    if first(row, "prompt_tokens") is None:
        raise ValueError("no `prompt_tokens`")
    metadata = _object(row.get("metadata"), "metadata")
    usage = _usage(row, metadata)
    return make_request(
        model=row.get("model"),
        provider=str(row.get("custom_llm_provider") or ""),
        feature=_feature(row, metadata),
        input=count(row, "prompt_tokens"),
        cached=(count(sub(usage, "prompt_tokens_details"), "cached_tokens") or count(usage, "cache_read_input_tokens")),
        cache_write=count(usage, "cache_creation_input_tokens"),
        output=count(row, "completion_tokens"),
        reasoning=count(sub(usage, "completion_tokens_details"), "reasoning_tokens"),
        ts=parse_ts(first(row, "startTime", "start_time")),
        ok=is_ok(row),
        retries=count(metadata, "attempted_retries"),
        truncated=_truncated(row),
        cost=parse_cost(first(row, "spend", "response_cost")),
    )


DIALECT = Dialect("litellm", detect, normalize, unpack)
