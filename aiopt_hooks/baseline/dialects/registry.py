"""Every log dialect, in one explicit table: auto-detection takes the first whose `detect` holds.

A new dialect is one module under `baseline/dialects/` with `DIALECT` and one entry here.
"""
from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects import aiopt, anthropic, gemini, helicone, langfuse, litellm, openai, otel, writeup
from aiopt_hooks.baseline.dialects.base import Dialect

# LiteLLM before OpenAI (its payload may carry the OpenAI response), Anthropic before OpenAI
# (both say `usage.input_tokens`), the flat AIOpt rows last.
DIALECTS: tuple[Dialect, ...] = (langfuse.DIALECT, otel.DIALECT, litellm.DIALECT, helicone.DIALECT,
                                 anthropic.DIALECT, gemini.DIALECT, openai.DIALECT, writeup.DIALECT, aiopt.DIALECT)


def detect_dialect(row: dict[str, Any], forced: str | None = None) -> Dialect | None:
    table = DIALECTS
    if forced:
        return next((d for d in table if d.name == forced), None)
    return next((d for d in table if d.detect(row)), None)
