"""Every log dialect, in one explicit table: auto-detection takes the first whose `detect` holds.

A new dialect is one module under `baseline/dialects/` with `DIALECT` and one entry in `MODULES`.
The modules are imported the first time a row is detected or read, never for a cached summary.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, Sequence
from typing import Any, overload

from aiopt_hooks.baseline.dialects.base import Dialect

# Provider and gateway exports with a signature of their own first (bucket exports before any
# per-request reader, so a usage bucket is never read as one request); the Langfuse blob export
# (snake_case) before Langfuse, OpenInference spans before OTel GenAI ones; LiteLLM before OpenAI
# (its payload may carry the OpenAI response), Anthropic batch results and Anthropic before OpenAI
# (both say `usage.input_tokens`), the flat AIOpt rows last.
MODULES = (
    "openai_usage",
    "anthropic_usage",
    "openrouter",
    "bedrock",
    "portkey",
    "langsmith",
    "langfuse_blob",
    "langfuse",
    "openinference",
    "otel",
    "litellm",
    "helicone",
    "anthropic_batch",
    "anthropic",
    "gemini",
    "openai",
    "writeup",
    "aiopt",
)


class _Table(Sequence[Dialect]):
    """The dialects of `MODULES`, in order; the modules are imported when the table is first used
    (a row to read), so a log summarized from the cache loads no reader."""

    @functools.cached_property
    def _dialects(self) -> tuple[Dialect, ...]:
        return tuple(importlib.import_module(f"{__package__}.{name}").DIALECT for name in MODULES)

    def __len__(self) -> int:
        return len(MODULES)

    @overload
    def __getitem__(self, index: int) -> Dialect: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Dialect]: ...

    def __getitem__(self, index: int | slice) -> Dialect | Sequence[Dialect]:
        return self._dialects[index]

    def __iter__(self) -> Iterator[Dialect]:
        return iter(self._dialects)


DIALECTS: Sequence[Dialect] = _Table()


def detect_dialect(row: dict[str, Any], forced: str | None = None) -> Dialect | None:
    table = DIALECTS
    if forced:
        return next((d for d in table if d.name == forced), None)
    return next((d for d in table if d.detect(row)), None)
