"""Arize Phoenix / OpenInference LLM spans, exported as JSON.

Stage: log record -> LLM spans (`unpack`) -> Request.
- Records: Phoenix's spans dataframe written as JSON lines (`px.Client().get_spans_dataframe()
  .to_json(orient="records", lines=True)`: dotted columns `attributes.llm.token_count.prompt`,
  `span_kind`, `start_time`, `status_code`), a span with nested `attributes` (`{"llm":
  {"token_count": {...}}}`) or flat ones (`"llm.token_count.prompt"`), or an OTLP export
  (`resourceSpans[].scopeSpans[].spans[]`, attributes as a key/value list).
- Tokens: `llm.token_count.prompt` (cache reads and writes inside it:
  `llm.token_count.prompt_details.cache_read` / `cache_write`), `llm.token_count.completion`
  (`llm.token_count.completion_details.reasoning` inside).  Model `llm.model_name`, provider
  `llm.provider` (else `llm.system`).  Only spans of kind LLM with token counts are requests
  (chain and agent spans repeat them).
- Time `start_time` (or `startTimeUnixNano`); status ERROR = failed; feature: a feature key in
  `metadata` (a JSON string) or the span's own attributes, else none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, feature_of, first, items, loads_if_text, make_request
from aiopt_hooks.baseline.dialects.otel import _flatten, _value
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts

_PREFIX = "llm.token_count."


def attributes(record: dict[str, Any]) -> dict[str, Any]:
    """One flat map of a span's attributes, whatever shape the export gave them."""
    out: dict[str, Any] = {}
    raw = record.get("attributes")
    if isinstance(raw, list):
        out.update({str(e["key"]): _value(e.get("value")) for e in raw if isinstance(e, dict) and "key" in e})
    elif isinstance(raw, dict):
        _flatten("", raw, out)
    for key, value in record.items():  # dotted dataframe columns
        if key.startswith("attributes."):
            out[key.removeprefix("attributes.")] = value
    return out


def _has_tokens(attrs: dict[str, Any]) -> bool:
    return any(key.startswith(_PREFIX) for key in attrs)


def detect(row: dict[str, Any]) -> bool:
    try:
        if "resourceSpans" in row:
            return any(_has_tokens(attributes(span)) for span in _spans(row))
        return _has_tokens(attributes(row))
    except (KeyError, TypeError, ValueError):
        return False


def _spans(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in items(row, "resourceSpans"):
        for scope in items(resource, "scopeSpans"):
            yield from items(scope, "spans")


def _kind(record: dict[str, Any], attrs: dict[str, Any]) -> str:
    return str(first(record, "span_kind") or attrs.get("openinference.span.kind") or "LLM").upper()


def unpack(row: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for span in _spans(row) if "resourceSpans" in row else [row]:
        attrs = attributes(span)
        if _kind(span, attrs) == "LLM" and _has_tokens(attrs):
            yield span


def normalize(record: dict[str, Any]) -> Request:
    attrs = attributes(record)
    metadata = loads_if_text(attrs.get("metadata")) or {}
    status = record.get("status")
    code = str(
        first(status, "code", "status_code")
        if isinstance(status, dict)
        else first(record, "status_code") or status or ""
    ).upper()
    return make_request(
        model=first(attrs, "llm.model_name"),
        provider=str(first(attrs, "llm.provider", "llm.system") or ""),
        feature=feature_of(metadata if isinstance(metadata, dict) else {}, attrs),
        input=count(attrs, "llm.token_count.prompt"),
        cached=count(attrs, "llm.token_count.prompt_details.cache_read"),
        cache_write=count(attrs, "llm.token_count.prompt_details.cache_write"),
        output=count(attrs, "llm.token_count.completion"),
        reasoning=count(attrs, "llm.token_count.completion_details.reasoning"),
        ts=parse_ts(first(record, "start_time", "startTimeUnixNano", "startTime")),
        ok=code not in ("ERROR", "2", "STATUS_CODE_ERROR"),
    )


DIALECT = Dialect("openinference", detect, normalize, unpack)
