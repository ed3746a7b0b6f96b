"""LangSmith runs export (`client.list_runs(...)` as JSON lines, or a bulk export's run records).

Stage: log record -> Request.  Only `run_type: llm` runs are requests: chain and tool runs repeat
their children's tokens and are skipped.  `prompt_tokens` (cache reads inside it, as
`prompt_token_details.cache_read`, and cache writes as `cache_creation`), `completion_tokens`
(`completion_token_details.reasoning` inside), `total_cost` (stated; else `prompt_cost` +
`completion_cost`), `start_time`, `status` / `error` (failed), the model from
`extra.metadata.ls_model_name`, else `extra.invocation_params.model` / `model_name`, the provider
from `extra.metadata.ls_provider`.  Feature: a feature key in `extra.metadata`, else a
`feature:x` tag.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, feature_of, first, make_request, parse_cost, sub, tag_feature
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_TRUNCATED = {"length", "max_tokens"}


def detect(row: dict[str, Any]) -> bool:
    return "run_type" in row and ("prompt_tokens" in row or "total_tokens" in row or "trace_id" in row)


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if row.get("run_type") == "llm":
        yield row


def _model(row: dict[str, Any]) -> Any:
    extra = sub(row, "extra")
    return (
        first(sub(extra, "metadata"), "ls_model_name")
        or first(sub(extra, "invocation_params"), "model", "model_name", "model_id")
        or first(sub(sub(row, "outputs"), "llm_output"), "model_name")
    )


def _truncated(row: dict[str, Any]) -> bool:
    for generations in sub(row, "outputs").get("generations") or []:
        for gen in generations if isinstance(generations, list) else [generations]:
            if isinstance(gen, dict) and str(sub(gen, "generation_info").get("finish_reason")) in _TRUNCATED:
                return True
    return False


def normalize(row: dict[str, Any]) -> Request:
    if first(row, "prompt_tokens") is None:
        raise ValueError("an llm run without `prompt_tokens`")
    extra = sub(row, "extra")
    metadata = sub(extra, "metadata")
    prompt_details = sub(row, "prompt_token_details")
    total = parse_cost(first(row, "total_cost"))
    parts = [parse_cost(first(row, key)) for key in ("prompt_cost", "completion_cost")]
    if total is None and any(p is not None for p in parts):
        total = sum(p or 0.0 for p in parts)
    return make_request(
        model=_model(row),
        provider=str(metadata.get("ls_provider") or ""),
        feature=feature_of(metadata, row) or tag_feature(row.get("tags"), plain=False),
        input=count(row, "prompt_tokens"),
        cached=count(prompt_details, "cache_read"),
        cache_write=count(prompt_details, "cache_creation", "cache_write"),
        output=count(row, "completion_tokens"),
        reasoning=count(sub(row, "completion_token_details"), "reasoning"),
        ts=parse_ts(first(row, "start_time")),
        ok=not row.get("error") and str(row.get("status") or "success").lower() != "error",
        truncated=_truncated(row),
        cost=total,
    )


DIALECT = Dialect("langsmith", detect, normalize, unpack)
