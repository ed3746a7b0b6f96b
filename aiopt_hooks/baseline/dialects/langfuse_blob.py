"""Langfuse blob-storage export (S3 / GCS / Azure integration; JSON lines, snake_case).

Stage: log record -> generations (`unpack`) -> Request.  The export writes observations (and,
in other files, traces and scores) with snake_case keys: `type: GENERATION`, `start_time`,
`provided_model_name` (else `internal_model_id` / `model`), `usage_details` (free-form keys,
summed as the `langfuse` dialect does), `cost_details` (`total`), `level`, `metadata`, `name`,
`trace_id`.  Each record is read through the `langfuse` dialect after renaming those keys; rows
of other types (SPAN, EVENT, traces) are skipped.  The feature is a feature key in `metadata`,
else the observation `name` (the trace's name lives in another file).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects import langfuse
from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import first, loads_if_text
from aiopt_hooks.baseline.model import Request

_RENAMES = {
    "usage_details": "usageDetails",
    "cost_details": "costDetails",
    "start_time": "startTime",
    "trace_id": "traceId",
    "provided_model_name": "providedModelName",
    "total_cost": "totalCost",
    "calculated_total_cost": "calculatedTotalCost",
}
_MARKERS = ("usage_details", "provided_model_name", "cost_details")


def detect(row: dict[str, Any]) -> bool:
    return "type" in row and any(key in row for key in _MARKERS)


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if str(row.get("type")).upper() == "GENERATION" and first(row, "usage_details", "usage") is not None:
        yield row


def normalize(row: dict[str, Any]) -> Request:
    record = {
        _RENAMES.get(k, k): loads_if_text(v) if k in ("usage_details", "cost_details", "metadata") else v
        for k, v in row.items()
    }
    record["model"] = first(row, "provided_model_name", "model", "internal_model_id")
    record.pop("providedModelName", None)
    record["_trace"] = {}
    return langfuse.normalize(record)


DIALECT = Dialect("langfuse-blob", detect, normalize, unpack)
