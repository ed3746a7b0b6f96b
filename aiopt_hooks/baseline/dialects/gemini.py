"""Gemini `generateContent` responses logged one per line (Gemini API and Vertex AI).

Stage: log record -> Request.  `usageMetadata.promptTokenCount` is the prompt, with
`cachedContentTokenCount` inside it; `toolUsePromptTokenCount` (tool results fed back) is billed
as input but counted apart, so it is added.  `thoughtsTokenCount` is NOT inside
`candidatesTokenCount`: Request.output = candidates + thoughts and reasoning = thoughts.  The model
is `modelVersion` without its `models/` prefix; the time is the line's `ts` / `timestamp`, else
Vertex's `createTime`; `finishReason: MAX_TOKENS` = truncated.  The snake_case keys a Python SDK
`model_dump()` writes (`usage_metadata.prompt_token_count`, ...) are read too.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import body_of, count, envelope, first, items, make_request, provider_of, sub
from aiopt_hooks.baseline.model import Request

_MARKERS = ("usageMetadata", "usage_metadata")


def detect(row: dict[str, Any]) -> bool:
    body = body_of(row, *_MARKERS)
    return any(isinstance(body.get(key), dict) for key in _MARKERS)


def _model(row: dict[str, Any], body: dict[str, Any]) -> Any:
    model = first(body, "modelVersion", "model_version") or first(row, "model")
    return model.removeprefix("models/") if isinstance(model, str) else model


def normalize(row: dict[str, Any]) -> Request:
    body = body_of(row, *_MARKERS)
    meta = sub(body, "usageMetadata") or sub(body, "usage_metadata")
    if first(meta, "promptTokenCount", "prompt_token_count") is None:
        raise ValueError("no `usageMetadata.promptTokenCount`")
    thoughts = count(meta, "thoughtsTokenCount", "thoughts_token_count")
    candidates = items(body, "candidates")
    return make_request(
        **envelope(row, body, "createTime", "create_time"),
        model=_model(row, body),
        provider=provider_of(row, body, "google"),
        input=count(meta, "promptTokenCount", "prompt_token_count")
        + count(meta, "toolUsePromptTokenCount", "tool_use_prompt_token_count"),
        cached=count(meta, "cachedContentTokenCount", "cached_content_token_count"),
        output=count(meta, "candidatesTokenCount", "candidates_token_count") + thoughts,
        reasoning=thoughts,
        truncated=any(first(c, "finishReason", "finish_reason") == "MAX_TOKENS" for c in candidates),
    )


DIALECT = Dialect("gemini", detect, normalize)
