"""Every log dialect, in one explicit table: auto-detection takes the first whose `detect` holds.

A new dialect is one module under `baseline/dialects/` with `DIALECT` and one entry here.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects import (
    aiopt,
    anthropic,
    anthropic_batch,
    anthropic_usage,
    bedrock,
    gemini,
    helicone,
    langfuse,
    langfuse_blob,
    langsmith,
    litellm,
    openai,
    openai_usage,
    openinference,
    openrouter,
    otel,
    portkey,
    writeup,
)
from aiopt_hooks.baseline.dialects.base import Dialect

# Provider and gateway exports with a signature of their own first (bucket exports before any
# per-request reader, so a usage bucket is never read as one request); the Langfuse blob export
# (snake_case) before Langfuse, OpenInference spans before OTel GenAI ones; LiteLLM before OpenAI
# (its payload may carry the OpenAI response), Anthropic batch results and Anthropic before OpenAI
# (both say `usage.input_tokens`), the flat AIOpt rows last.
DIALECTS: tuple[Dialect, ...] = (
    openai_usage.DIALECT,
    anthropic_usage.DIALECT,
    openrouter.DIALECT,
    bedrock.DIALECT,
    portkey.DIALECT,
    langsmith.DIALECT,
    langfuse_blob.DIALECT,
    langfuse.DIALECT,
    openinference.DIALECT,
    otel.DIALECT,
    litellm.DIALECT,
    helicone.DIALECT,
    anthropic_batch.DIALECT,
    anthropic.DIALECT,
    gemini.DIALECT,
    openai.DIALECT,
    writeup.DIALECT,
    aiopt.DIALECT,
)


def detect_dialect(row: dict[str, Any], forced: str | None = None) -> Dialect | None:
    table = DIALECTS
    if forced:
        return next((d for d in table if d.name == forced), None)
    return next((d for d in table if d.detect(row)), None)
