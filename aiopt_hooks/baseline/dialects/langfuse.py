"""Langfuse generations: ingestion batches, single ingestion events, and API observation exports.

Stage: log record -> generations (`unpack`) -> Request.
- Records: an ingestion body `{"batch": [events]}` (`trace-create`, `generation-create` /
  `-update`, `observation-create` / `-update`), one such event per line, or an observations
  export (`{"data": [...]}` or one observation per line, `type: GENERATION`).  Create and update
  events of one generation within a record are merged by `id`; a generation with no usage yet is
  not a request (an update arriving in a later record without `model` is counted as bad).
- Tokens: `usageDetails` (free-form keys, summed as Langfuse's UI does: keys with `input` /
  `prompt` are input, with `output` / `completion` output; `cache_read` / `cached` inside input
  are cache reads, `cache_creation` / `cache_write` cache writes, `reasoning` inside output is
  reasoning), else the legacy `usage {input, output}` (or `promptTokens` / `completionTokens`).
- Cost: `costDetails.total`, else `usage.totalCost`, else `calculatedTotalCost` / `totalCost`.
- Feature: a feature key in the generation's or its trace's `metadata`, else a `feature:x` tag
  on the trace, else the trace `name`, else the generation `name`.
- Time `startTime`; model `model` (or `providedModelName`); `level: ERROR` = failed.
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
    sub,
    tag_feature,
)
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_GENERATION_EVENTS = {"generation-create", "generation-update"}
_OBSERVATION_EVENTS = {"observation-create", "observation-update"}


def _events(row: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("batch", "data"):
        if key in row:
            return items(row, key)
    return [row]


def _generation(event: dict[str, Any]) -> dict[str, Any] | None:
    """The generation an event or observation carries, None for traces, spans and other events."""
    kind = event.get("type")
    if kind in _GENERATION_EVENTS or kind in _OBSERVATION_EVENTS:
        body = sub(event, "body")
        if kind in _OBSERVATION_EVENTS and body.get("type") not in (None, "GENERATION"):
            return None
        return {"timestamp": event.get("timestamp"), **body}
    return event if kind == "GENERATION" else None


def detect(row: dict[str, Any]) -> bool:
    if isinstance(row.get("batch"), list):
        return True
    try:
        return any(_generation(event) is not None for event in _events(row)[:100])
    except (TypeError, ValueError):
        return False


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    traces: dict[str, dict[str, Any]] = {}
    generations: dict[str, dict[str, Any]] = {}
    for number, event in enumerate(_events(row)):
        if event.get("type") == "trace-create":
            body = sub(event, "body")
            traces[str(body.get("id"))] = {**traces.get(str(body.get("id")), {}), **body}
            continue
        generation = _generation(event)
        if generation is not None:
            key = str(generation.get("id") or f"#{number}")
            known = {k: v for k, v in generation.items() if v is not None}
            generations[key] = {**generations.get(key, {}), **known}
    for generation in generations.values():
        if first(generation, "usage", "usageDetails") is not None:
            yield {**generation, "_trace": traces.get(str(generation.get("traceId")), {})}


def _buckets(details: dict[str, Any]) -> dict[str, int]:
    """Langfuse's free-form usage keys -> token classes (each key is one disjoint bucket)."""
    out = dict(input=0, cached=0, cache_write=0, output=0, reasoning=0)
    for key in details:
        name, tokens = key.lower(), count(details, key)
        if "input" in name or "prompt" in name:
            out["input"] += tokens
            out["cached"] += tokens if "cache_read" in name or "cached" in name else 0
            out["cache_write"] += tokens if "cache_creation" in name or "cache_write" in name else 0
        elif "output" in name or "completion" in name:
            out["output"] += tokens
            out["reasoning"] += tokens if "reasoning" in name else 0
    return out


def _tokens(generation: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    details = sub(generation, "usageDetails")
    if details:
        return _buckets(details)
    if not usage:
        raise ValueError("no `usage` / `usageDetails`")
    if str(usage.get("unit") or "TOKENS").upper() != "TOKENS":
        raise ValueError(f"usage counted in {usage['unit']}, not tokens")
    return dict(
        input=count(usage, "input", "promptTokens", "prompt_tokens", "input_tokens"),
        output=count(usage, "output", "completionTokens", "completion_tokens", "output_tokens"),
    )


def _cost(generation: dict[str, Any], usage: dict[str, Any]) -> float | None:
    details = sub(generation, "costDetails")
    if details:
        return parse_cost(details["total"] if "total" in details else sum(float(v) for v in details.values()))
    return parse_cost(
        first(usage, "totalCost") if "totalCost" in usage else first(generation, "calculatedTotalCost", "totalCost")
    )


def _feature(generation: dict[str, Any], trace: dict[str, Any]) -> str:
    return (
        feature_of(generation, trace)
        or tag_feature(trace.get("tags"), plain=False)
        or str(trace.get("name") or generation.get("name") or "")
    )


def normalize(generation: dict[str, Any]) -> Request:
    usage = sub(generation, "usage")
    return make_request(
        **_tokens(generation, usage),
        model=first(generation, "model", "providedModelName"),
        feature=_feature(generation, sub(generation, "_trace")),
        ts=parse_ts(first(generation, "startTime", "timestamp")),
        ok=generation.get("level") != "ERROR",
        cost=_cost(generation, usage),
    )


DIALECT = Dialect("langfuse", detect, normalize, unpack)
