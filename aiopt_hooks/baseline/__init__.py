"""Baseline usage logs: one reader per log dialect, found through one table.

Stage: log file -> normalized requests (streamed) -> baseline summary.  A new dialect is one
module with `DIALECT` and one entry in `dialects()`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple


class Request(NamedTuple):
    """One billed LLM request (or attempt), tokens split by price class."""

    ts: float | None          # epoch seconds, UTC
    provider: str
    model: str
    feature: str              # "" when the row has no feature tag
    input: int                # all prompt tokens, cached ones included
    cached: int               # cache reads (a subset of input)
    cache_write: int          # cache writes (a subset of input)
    output: int               # all output tokens, reasoning included
    reasoning: int            # a subset of output
    ok: bool
    retries: int
    truncated: bool           # finish_reason says the output cap cut it
    cost: float | None        # the cost the log itself states, if any
    cache_write_1h: int = 0   # 1-hour cache writes (a subset of cache_write; Anthropic prices them apart)
    user: str = ""            # an end-user id: only counted (distinct users), never stored or printed


class Dialect(NamedTuple):
    name: str
    detect: Callable[[dict[str, Any]], bool]
    normalize: Callable[[dict[str, Any]], Request]   # raises ValueError/KeyError/TypeError on a bad row
    # Records that wrap several requests (an export batch, a span with events) -> the inner
    # records `normalize` reads; None when every record is one request.
    unpack: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] | None = None


def dialects() -> tuple[Dialect, ...]:
    """Every log dialect, most specific first: auto-detection takes the first whose `detect` holds."""
    from aiopt_hooks.baseline import aiopt, anthropic, gemini, helicone, langfuse, litellm, openai, otel, writeup

    # LiteLLM before OpenAI (its payload may carry the OpenAI response), Anthropic before OpenAI
    # (both say `usage.input_tokens`), the flat AIOpt rows last.
    return (langfuse.DIALECT, otel.DIALECT, litellm.DIALECT, helicone.DIALECT, anthropic.DIALECT,
            gemini.DIALECT, openai.DIALECT, writeup.DIALECT, aiopt.DIALECT)


def detect_dialect(row: dict[str, Any], forced: str | None = None) -> Dialect | None:
    table = dialects()
    if forced:
        return next((d for d in table if d.name == forced), None)
    return next((d for d in table if d.detect(row)), None)
