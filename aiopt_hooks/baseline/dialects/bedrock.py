"""AWS Bedrock model invocation logs (CloudWatch Logs or S3, one JSON record per line).

Stage: log record -> Request.  `schemaType: ModelInvocationLog`, `timestamp`, `modelId`,
`operation`, `input.inputTokenCount`, `input.cacheReadInputTokenCount`,
`input.cacheWriteInputTokenCount` (or the same two at the top level), `output.outputTokenCount`, `errorCode`, `requestMetadata`
(Converse's custom tags: the feature tag is read there).  As in Anthropic's API, the input count
excludes cache reads and writes: the prompt is their sum.  `modelId` may be a foundation model
(`anthropic.claude-3-5-sonnet-20240620-v1:0`), a cross-region inference profile
(`us.anthropic...`, `eu.`, `apac.`, `global.`) or an ARN of either: the ARN's last part is the
model.  An application inference profile ARN names no model: it is kept as written and is an
unknown model (map it with `aliases:`).  The stop reason (`output.outputBodyJson.stopReason` /
`stop_reason`) `max_tokens` / `length` is a truncated request.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, feature_of, first, loads_if_text, make_request, sub
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_TRUNCATED = {"max_tokens", "length", "max_output_tokens"}


def model_of(model_id: str) -> str:
    """`arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.x-v1:0` -> `us.anthropic.x-v1:0`."""
    if model_id.startswith("arn:"):
        resource = model_id.split(":", 5)[-1]
        kind, _, name = resource.partition("/")
        return model_id if kind == "application-inference-profile" or not name else name
    return model_id


def detect(row: dict[str, Any]) -> bool:
    if row.get("schemaType") == "ModelInvocationLog":
        return True
    return "modelId" in row and isinstance(row.get("input"), dict) and "inputTokenCount" in row["input"]


def _stop_reason(output: dict[str, Any]) -> str:
    body = loads_if_text(output.get("outputBodyJson"))
    if not isinstance(body, dict):
        return ""
    return str(first(body, "stopReason", "stop_reason") or "").lower()


def normalize(row: dict[str, Any]) -> Request:
    model_id = row.get("modelId")
    if not isinstance(model_id, str) or not model_id:
        raise ValueError("no `modelId`")
    inp, out = sub(row, "input"), sub(row, "output")
    if "inputTokenCount" not in inp:
        raise ValueError("no `input.inputTokenCount`")
    # Cache counts sit in `input` (newer records) or beside it at the top level (older ones).
    read = count(inp, "cacheReadInputTokenCount") or count(row, "cacheReadInputTokenCount")
    write = count(inp, "cacheWriteInputTokenCount") or count(row, "cacheWriteInputTokenCount")
    metadata = loads_if_text(row.get("requestMetadata")) or {}
    return make_request(
        model=model_of(model_id),
        provider="bedrock",
        feature=feature_of(metadata if isinstance(metadata, dict) else {}, row),
        input=count(inp, "inputTokenCount") + read + write,
        cached=read,
        cache_write=write,
        output=count(out, "outputTokenCount"),
        ts=parse_ts(row.get("timestamp")),
        ok=not row.get("errorCode"),
        truncated=_stop_reason(out) in _TRUNCATED,
    )


DIALECT = Dialect("bedrock", detect, normalize)
