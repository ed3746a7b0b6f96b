"""OpenAI usage buckets: the Usage API's completions buckets and the usage dashboard's CSV export.

Stage: log record -> buckets (`unpack`) -> Request (one aggregated row per bucket result).
- Usage API (`GET /v1/organization/usage/completions`, saved as JSON or JSONL pages):
  `{"object": "page", "data": [{"object": "bucket", "start_time", "end_time", "results": [...]}]}`;
  each result (`organization.usage.completions.result`) gives `num_model_requests`,
  `input_tokens` (cached ones included), `input_cached_tokens`, `output_tokens`,
  `input_audio_tokens` / `output_audio_tokens`, and, with `group_by`, `model`, `batch`,
  `project_id`, `service_tier`.  A result without `model` (no `group_by=model`) is an error.
- Dashboard export (platform.openai.com/usage, Export, CSV): one row per day, model and project
  with the same names plus `start_time_iso`, `end_time_iso`, `input_uncached_tokens`,
  `input_text_tokens`, ... Rows left empty for a day without traffic are skipped.
The bucket is the window: [start_time, end_time).  `batch: true` rows are billed at the Batch
tier, `service_tier: flex` / `priority` at theirs.  Audio and image tokens are priced apart by
OpenAI: a row carrying them is a bad row (named), never priced as text.  The feature is the
`project_id` (map it with `features.<name>.match: {feature_tag: proj_...}`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, first, items, make_request, service_tier
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_RESULT = "organization.usage.completions.result"
_PRICED_APART = ("input_audio_tokens", "output_audio_tokens", "input_image_tokens", "output_image_tokens")


def _is_bucket(row: dict[str, Any]) -> bool:
    return row.get("object") == "bucket" or ("start_time" in row and isinstance(row.get("results"), list))


def detect(row: dict[str, Any]) -> bool:
    if row.get("object") == "page" and isinstance(row.get("data"), list):
        buckets = [b for b in row["data"][:5] if isinstance(b, dict)]
        return any(
            _is_bucket(b)
            and any(
                isinstance(r, dict) and ("num_model_requests" in r or r.get("object") == _RESULT)
                for r in b.get("results") or []
            )
            for b in buckets
        )
    if _is_bucket(row):
        return any(isinstance(r, dict) and "num_model_requests" in r for r in row.get("results") or [])
    return "num_model_requests" in row and "start_time" in row


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    buckets = items(row, "data") if row.get("object") == "page" else [row] if _is_bucket(row) else None
    if buckets is None:  # a dashboard CSV row
        if first(row, "model", "num_model_requests", "input_tokens", "output_tokens") is not None:
            yield row
        return
    for bucket in buckets:
        for result in items(bucket, "results"):
            if any(result.get(key) for key in ("num_model_requests", "input_tokens", "output_tokens")):
                yield {**result, "start_time": bucket.get("start_time"), "end_time": bucket.get("end_time")}


def normalize(row: dict[str, Any]) -> Request:
    requests = count(row, "num_model_requests")
    if requests < 1:
        raise ValueError("a usage bucket with tokens but no `num_model_requests`")
    for key in _PRICED_APART:
        if count(row, key):
            raise ValueError(
                f"`{key}` is billed at its own rates, not read: leave audio/image models out "
                "of the export (filter by model)"
            )
    if not first(row, "model"):
        raise ValueError("a usage bucket without `model`: export with group_by=model")
    start, end = parse_ts(first(row, "start_time", "start_time_iso")), parse_ts(first(row, "end_time", "end_time_iso"))
    if start is None or end is None:
        raise ValueError("a usage bucket without `start_time` / `end_time`")
    return make_request(
        model=row.get("model"),
        provider="openai",
        feature=str(row.get("project_id") or ""),
        input=count(row, "input_tokens"),
        cached=count(row, "input_cached_tokens"),
        output=count(row, "output_tokens"),
        ts=start,
        end=end,
        requests=requests,
        tier=service_tier(row.get("service_tier"), row.get("batch")),
    )


DIALECT = Dialect("openai-usage", detect, normalize, unpack)
