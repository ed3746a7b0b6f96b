"""OpenTelemetry GenAI spans and log records exported as JSON.

Stage: log record -> model-call spans (`unpack`) -> Request.
- Records: an OTLP export (`resourceSpans[].scopeSpans[].spans[]` or
  `resourceLogs[].scopeLogs[].logRecords[]`, as the collector's file exporter writes), or one span
  per line whose `attributes` are a flat map (SDK console exporter), an OTLP list
  `[{key, value: {stringValue | intValue | doubleValue | boolValue | arrayValue}}]` (`intValue`
  may be a string), or the attributes themselves at the top level (a nested `gen_ai` object, as a
  CSV with dotted columns gives, is flattened).
- Tokens: `gen_ai.usage.input_tokens` INCLUDES cached tokens (the convention says it should), with
  `gen_ai.usage.cache_read.input_tokens` and `gen_ai.usage.cache_creation.input_tokens` inside it;
  `gen_ai.usage.output_tokens` with `gen_ai.usage.reasoning.output_tokens` inside it (the
  deprecated `prompt_tokens` / `completion_tokens` are read too).
- Model: `gen_ai.response.model` (billed), else `gen_ai.request.model`; provider
  `gen_ai.provider.name`, else the deprecated `gen_ai.system`.
- Feature: no standard attribute exists.  A custom `feature_tag`, `feature`, `app.feature` or
  `aiopt.feature`, else `gen_ai.agent.name`, else `gen_ai.prompt.name`; else none.  Never
  `gen_ai.operation.name`: it names the API operation (`chat`), the same for every feature, so
  untagged spans fall back to matching by model instead.
- Time `startTimeUnixNano` (log records: `timeUnixNano`; console exporter: `start_time`); a span
  status ERROR (code 2) or an `error.type` attribute = failed; a `length` / `max_tokens` finish
  reason = truncated; a non-standard `gen_ai.usage.cost` is the stated cost.
Spans without usage (HTTP, tools) and agent / workflow roll-ups (`invoke_agent`, `create_agent`,
`execute_tool`, `invoke_workflow`, or no model), which repeat their model calls' tokens, are
skipped, not counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, first, items, make_request, parse_cost, sub
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
_OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
_CACHE_READ = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_tokens")
_CACHE_WRITE = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_tokens")
MODEL_KEYS = ("gen_ai.response.model", "gen_ai.request.model")
TIME_KEYS = ("startTimeUnixNano", "timeUnixNano", "start_time", "startTime", "timestamp")
FEATURE_KEYS = (
    "feature_tag",
    "feature",
    "app.feature",
    "aiopt.feature",
    "aiopt.feature_tag",
    "gen_ai.agent.name",
    "gen_ai.prompt.name",
)
ROLLUPS = {"invoke_agent", "create_agent", "execute_tool", "invoke_workflow"}
TRUNCATED = {"length", "max_tokens", "max_output_tokens"}
_EXPORTS = (("resourceSpans", "scopeSpans", "spans"), ("resourceLogs", "scopeLogs", "logRecords"))


def _value(value: Any) -> Any:
    """An OTLP AnyValue -> a plain value."""
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in value:
            return value[key]
    if "arrayValue" in value:
        return [_value(item) for item in items(sub(value, "arrayValue"), "values")]
    return None


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, Any]) -> None:
    for key, value in node.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}{key}.", value, out)
        else:
            out[f"{prefix}{key}"] = value


def attributes(record: dict[str, Any]) -> dict[str, Any]:
    """A span's or log record's attributes as one flat map."""
    raw = record.get("attributes", record)
    if isinstance(raw, list):
        return {str(entry["key"]): _value(entry.get("value")) for entry in raw}
    if not isinstance(raw, dict):
        raise TypeError("`attributes` is neither a map nor a list")
    if isinstance(raw.get("gen_ai"), dict):
        flat = {k: v for k, v in raw.items() if k != "gen_ai"}
        _flatten("gen_ai.", raw["gen_ai"], flat)
        return flat
    return raw


def _is_model_call(attrs: dict[str, Any]) -> bool:
    has_usage = any(key in attrs for key in _INPUT + _OUTPUT)
    rollup = attrs.get("gen_ai.operation.name") in ROLLUPS
    return has_usage and not rollup and first(attrs, *MODEL_KEYS) is not None


def detect(row: dict[str, Any]) -> bool:
    if any(outer in row for outer, _, _ in _EXPORTS):
        return True
    try:
        return any(str(key).startswith("gen_ai.") for key in attributes(row))
    except (KeyError, TypeError, ValueError):
        return False


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if not any(outer in row for outer, _, _ in _EXPORTS):
        if _is_model_call(attributes(row)):
            yield row
        return
    for outer, scope_key, record_key in _EXPORTS:
        for resource in items(row, outer):
            for scope in items(resource, scope_key):
                yield from (r for r in items(scope, record_key) if _is_model_call(attributes(r)))


def _failed(record: dict[str, Any], attrs: dict[str, Any]) -> bool:
    status = record.get("status")
    code = str(first(status, "code", "status_code") if isinstance(status, dict) else status or "").upper()
    return code in ("2", "STATUS_CODE_ERROR", "ERROR") or first(attrs, "error.type") is not None


def _truncated(attrs: dict[str, Any]) -> bool:
    reasons = attrs.get("gen_ai.response.finish_reasons") or []
    reasons = [reasons] if isinstance(reasons, str) else reasons
    if not isinstance(reasons, list):
        raise TypeError("`gen_ai.response.finish_reasons` is not a list")
    return any(str(reason).lower() in TRUNCATED for reason in reasons)


def normalize(record: dict[str, Any]) -> Request:
    attrs = attributes(record)
    if not any(key in attrs for key in _INPUT + _OUTPUT):
        raise ValueError("no `gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens`")
    return make_request(
        model=first(attrs, *MODEL_KEYS),
        provider=str(first(attrs, "gen_ai.provider.name", "gen_ai.system") or ""),
        feature=str(first(attrs, *FEATURE_KEYS) or ""),
        input=count(attrs, *_INPUT),
        cached=count(attrs, *_CACHE_READ),
        cache_write=count(attrs, *_CACHE_WRITE),
        output=count(attrs, *_OUTPUT),
        reasoning=count(attrs, "gen_ai.usage.reasoning.output_tokens"),
        ts=parse_ts(first(record, *TIME_KEYS)),
        ok=not _failed(record, attrs),
        truncated=_truncated(attrs),
        cost=parse_cost(first(attrs, "gen_ai.usage.cost")),
    )


DIALECT = Dialect("otel", detect, normalize, unpack)
