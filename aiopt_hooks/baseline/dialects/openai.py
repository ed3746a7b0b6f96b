"""OpenAI response objects logged one per line: Chat Completions and Responses (OpenRouter too).

Stage: log record -> Request.
- Chat Completions: `usage.prompt_tokens` with `prompt_tokens_details.cached_tokens` inside it,
  `usage.completion_tokens` with `completion_tokens_details.reasoning_tokens` inside it, `created`
  (epoch s), `choices[].finish_reason` = `length` when the cap cut it.  OpenRouter answers in
  this shape (plus `provider`, `prompt_tokens_details.cache_write_tokens`, and `usage.cost` with
  usage accounting on); so does DeepSeek (`usage.prompt_cache_hit_tokens`).
- Responses: `usage.input_tokens` / `output_tokens` with `input_tokens_details.cached_tokens` /
  `output_tokens_details.reasoning_tokens`, `created_at`, `incomplete_details.reason`.
The billed model is the response's `model` (a dated snapshot, or the model an OpenRouter fallback
chose), never the requested one.  A log line may wrap the body: `{"ts", "feature_tag",
"response": {...}}`, a Batch API output line (`response.body`) or a `response.completed` event;
the wrapper's `ts` / `timestamp`, feature tag, `retries` / `attempt`, `status` and `cost` win.
Batch API output lines are billed at the Batch tier; a body's `service_tier` (`flex`,
`priority`) at its tier's rates.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import (
    body_of,
    count,
    envelope,
    items,
    make_request,
    parse_cost,
    provider_of,
    service_tier,
    sub,
)
from aiopt_hooks.baseline.model import Request


def detect(row: dict[str, Any]) -> bool:
    body = body_of(row, "usage")
    usage = body.get("usage")
    if not isinstance(usage, dict) or "model" not in body:
        return False
    return "prompt_tokens" in usage or "input_tokens" in usage


def _is_openrouter(body: dict[str, Any]) -> bool:
    return isinstance(body.get("provider"), str) or str(body.get("id") or "").startswith("gen-")


def _chat(body: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    details = sub(usage, "prompt_tokens_details")
    return dict(
        input=count(usage, "prompt_tokens"),
        output=count(usage, "completion_tokens"),
        # DeepSeek's chat shape says `prompt_cache_hit_tokens`; OpenRouter adds `cache_write_tokens`.
        cached=count(details, "cached_tokens") or count(usage, "prompt_cache_hit_tokens"),
        cache_write=count(details, "cache_write_tokens"),
        reasoning=count(sub(usage, "completion_tokens_details"), "reasoning_tokens"),
        truncated=any(choice.get("finish_reason") == "length" for choice in items(body, "choices")),
    )


def _responses(body: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    return dict(
        input=count(usage, "input_tokens"),
        output=count(usage, "output_tokens"),
        cached=count(sub(usage, "input_tokens_details"), "cached_tokens"),
        reasoning=count(sub(usage, "output_tokens_details"), "reasoning_tokens"),
        truncated=sub(body, "incomplete_details").get("reason") == "max_output_tokens",
    )


def normalize(row: dict[str, Any]) -> Request:
    body = body_of(row, "usage")
    usage = sub(body, "usage")
    if "prompt_tokens" in usage:
        tokens = _chat(body, usage)
    elif "input_tokens" in usage:
        tokens = _responses(body, usage)
    else:
        raise ValueError("no `usage.prompt_tokens` / `usage.input_tokens`")
    default_provider = "openrouter" if _is_openrouter(body) else "openai"
    wrapper = envelope(row, body, "created", "created_at", cost=parse_cost(usage.get("cost")))
    # A Batch API output line (`custom_id` + `response.body`) is billed at the Batch tier; a
    # response's own `service_tier` (flex, priority) says which tier billed it.
    batch = "custom_id" in row and row is not body
    return make_request(
        **tokens,
        **wrapper,
        model=body.get("model"),
        provider=provider_of(row, body, default_provider),
        tier="batch" if batch else service_tier(body.get("service_tier")),
    )


DIALECT = Dialect("openai", detect, normalize)
