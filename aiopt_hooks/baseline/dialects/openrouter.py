"""OpenRouter exports: generation records, the activity page's CSV and the activity API.

Stage: log record -> records (`unpack`) -> Request.
- Generation records (`GET /api/v1/generation?id=...`, one per line, bare or as `{"data": {...}}`):
  `model`, `created_at`, `tokens_prompt` / `tokens_completion` (normalized counts) and
  `native_tokens_prompt` / `native_tokens_completion` / `native_tokens_cached` /
  `native_tokens_reasoning` (the provider's own tokenizer: what is billed, preferred),
  `total_cost` (stated), `provider_name`, `finish_reason`, `cancelled`, `service_tier`.
  The SDKs' camelCase (`tokensPrompt`, `nativeTokensPrompt`, `totalCost`, `createdAt`) is read too.
- Activity CSV (activity page, Export, one row per generation): `generation_id, created_at,
  cost_total, byok_usage_inference, tokens_prompt, tokens_completion, tokens_reasoning,
  tokens_cached, model_permaslug, provider_name, finish_reason_normalized`.
- Activity API (`GET /api/v1/activity`, daily buckets per model and endpoint): `{"data":
  [{"date", "model", "model_permaslug", "provider_name", "usage", "byok_usage_inference",
  "requests", "prompt_tokens", "completion_tokens", "reasoning_tokens"}]}`: aggregated rows over
  the UTC day.  Stated cost = `usage` + `byok_usage_inference` (credits plus BYOK spend).
Reasoning tokens are inside the completion tokens (OpenRouter bills them as completion).
The model is the permaslug where given (`openai/gpt-4.1-2025-04-14`), billed through OpenRouter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import (
    count,
    feature_of,
    first,
    items,
    make_request,
    parse_cost,
    service_tier,
    sub,
)
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

DAY = 86400.0
_GENERATION = ("tokens_prompt", "tokensPrompt", "native_tokens_prompt", "nativeTokensPrompt")
_ACTIVITY = ("prompt_tokens", "promptTokens")


def _record(row: dict[str, Any]) -> dict[str, Any]:
    data = row.get("data")
    return data if isinstance(data, dict) else row


def _is_activity(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and "date" in record
        and "requests" in record
        and any(key in record for key in _ACTIVITY)
    )


def detect(row: dict[str, Any]) -> bool:
    if isinstance(row.get("data"), list):
        return any(_is_activity(r) for r in row["data"][:5])
    return any(key in _record(row) for key in _GENERATION) or _is_activity(row)


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(row.get("data"), list):
        yield from items(row, "data")
    else:
        yield _record(row)


def _activity(row: dict[str, Any]) -> Request:
    start = parse_ts(first(row, "date"))
    if start is None:
        raise ValueError("an activity row without `date`")
    usage, byok = parse_cost(first(row, "usage")), parse_cost(first(row, "byok_usage_inference", "byokUsageInference"))
    return make_request(
        model=first(row, "model_permaslug", "modelPermaslug", "model"),
        provider="openrouter",
        feature=feature_of(row),
        input=count(row, "prompt_tokens", "promptTokens"),
        output=count(row, "completion_tokens", "completionTokens"),
        reasoning=count(row, "reasoning_tokens", "reasoningTokens"),
        ts=start,
        end=start + DAY,
        requests=count(row, "requests") or 1,
        cost=None if usage is None and byok is None else (usage or 0.0) + (byok or 0.0),
    )


def normalize(row: dict[str, Any]) -> Request:
    if _is_activity(row):
        return _activity(row)
    native = first(row, "native_tokens_prompt", "nativeTokensPrompt") is not None
    cost, byok = (
        parse_cost(first(row, "total_cost", "totalCost", "cost_total")),
        parse_cost(first(row, "byok_usage_inference", "byokUsageInference")),
    )
    return make_request(
        model=first(row, "model_permaslug", "modelPermaslug", "model"),
        provider="openrouter",
        feature=feature_of(row, sub(row, "metadata")),
        input=count(row, "native_tokens_prompt", "nativeTokensPrompt")
        if native
        else count(row, "tokens_prompt", "tokensPrompt"),
        output=count(row, "native_tokens_completion", "nativeTokensCompletion")
        if native
        else count(row, "tokens_completion", "tokensCompletion"),
        cached=count(row, "native_tokens_cached", "nativeTokensCached", "tokens_cached"),
        reasoning=count(row, "native_tokens_reasoning", "nativeTokensReasoning", "tokens_reasoning"),
        ts=parse_ts(first(row, "created_at", "createdAt")),
        ok=not row.get("cancelled"),
        truncated=str(first(row, "finish_reason", "finishReason", "finish_reason_normalized") or "") == "length",
        cost=None if cost is None and byok is None else (cost or 0.0) + (byok or 0.0),
        tier=service_tier(first(row, "service_tier", "serviceTier")),
    )


DIALECT = Dialect("openrouter", detect, normalize, unpack)
