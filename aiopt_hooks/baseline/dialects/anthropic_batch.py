"""Anthropic Message Batches results (the `.jsonl` of `GET /v1/messages/batches/{id}/results`).

Stage: log record -> Request.  One line per request: `{"custom_id", "result": {"type":
"succeeded", "message": {Message}}}`; the message's `usage` is read as the `anthropic` dialect
reads a Messages response, billed at the Batch tier (half the standard rates).  `errored`,
`canceled` and `expired` results are not billed and not counted.  The results carry no time:
set `baseline.window_days` to the span the batches cover (a log without any timestamp is an
error otherwise); a `ts` / `timestamp` added to each line is read.  The feature is the line's
feature tag, else the `custom_id` up to its last `-` or `:` (`summarize-0042` -> `summarize`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects import anthropic
from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import feature_of, sub
from aiopt_hooks.baseline.model import Request

_SUFFIX = re.compile(r"[-_:#/]?\d+$")


def detect(row: dict[str, Any]) -> bool:
    result = row.get("result")
    return "custom_id" in row and isinstance(result, dict) and "type" in result


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if sub(row, "result").get("type") == "succeeded":
        yield row


def normalize(row: dict[str, Any]) -> Request:
    message = sub(row, "result", "message")
    line = {k: v for k, v in row.items() if k not in ("result", "custom_id")}
    request = anthropic.normalize({**line, "response": message})
    feature = feature_of(row) or _SUFFIX.sub("", str(row.get("custom_id") or ""))
    return request._replace(feature=feature, tier="batch")


DIALECT = Dialect("anthropic-batch", detect, normalize, unpack)
