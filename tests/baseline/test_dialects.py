"""Log dialects (`aiopt_hooks/baseline/<dialect>.py`): real recorded responses and exports from
tests/data/logs (see tests/data/SOURCES.md), then tables of hand-written records per dialect."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.registry import DIALECTS, detect_dialect
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.read import summarize_baseline

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
THRESHOLDS = (200000,)
PAI = "__pydantic_pydantic-ai__cassette_test_"
O3_MINI = f"openai-chat-usage{PAI}max_completion_tokens_o3-mini.yaml"
RESPONSES = f"openai-responses-usage{PAI}openai_responses_model_web_search_tool_with_user_location.yaml"
OPENROUTER = f"openrouter-usage{PAI}openrouter_with_native_options.yaml"
CLAUDE = f"anthropic-usage{PAI}anthropic_model_instructions.yaml"
CLAUDE_CACHE = f"anthropic-usage{PAI}inline_system_prompt_cache_prefix_is_reused.yaml"
GEMINI = f"gemini-usage{PAI}google_model_thinking_config.yaml"
LANGFUSE = "langfuse-ingestion__BerriAI_litellm__langfuse_expected_request_body_completion.json"
SPEND_LOGS = "litellm-spendlogs__BerriAI_litellm__spend_logs_payload.json"
HELICONE_CSV = "helicone-export__hand-written.csv"


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def cassette_bodies(name: str) -> list[dict[str, Any]]:
    """The response bodies of a VCR cassette: what an app would log, one per exchange."""
    bodies = []
    for exchange in yaml.safe_load((LOGS / name).read_text())["interactions"]:
        response = exchange["response"]
        body = response.get("parsed_body")
        bodies.append(body if body is not None else json.loads(response["body"]["string"]))
    return bodies


def by_name(name: str) -> Dialect:
    dialect = detect_dialect({}, forced=name)
    assert dialect is not None, name
    return dialect


def detected(record: dict[str, Any]) -> str:
    dialect = detect_dialect(record)
    return dialect.name if dialect else ""


def read(dialect: Dialect, record: dict[str, Any]) -> list[Request]:
    inner = list(dialect.unpack(record)) if dialect.unpack else [record]
    return [dialect.normalize(item) for item in inner]


def read_one(record: dict[str, Any], expected_dialect: str) -> Request:
    assert detected(record) == expected_dialect
    (request,) = read(by_name(expected_dialect), record)
    return request


def classes(req: Request) -> tuple[int, int, int, int, int, int]:
    """(input, cached, cache_write, cache_write_1h, output, reasoning)"""
    return req.input, req.cached, req.cache_write, req.cache_write_1h, req.output, req.reasoning


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


# --- real files ---------------------------------------------------------------------------------


def test_openai_chat_o3_mini_reasoning_inside_completion() -> None:
    (body,) = cassette_bodies(O3_MINI)
    req = read_one(body, "openai")
    assert classes(req) == (7, 0, 0, 0, 87, 64)
    assert (req.provider, req.model, req.ts) == ("openai", "o3-mini-2025-01-31", 1781536547.0)
    assert (req.truncated, req.ok, req.cost) == (False, True, None)


def test_openai_responses_cached_and_reasoning_subsets() -> None:
    (body,) = cassette_bodies(RESPONSES)
    req = read_one(body, "openai")
    assert classes(req) == (9463, 8320, 0, 0, 660, 512)
    assert (req.model, req.ts, req.feature) == ("gpt-5-2025-08-07", 1757719283.0, "")


def test_openrouter_bills_the_response_model() -> None:
    (body,) = cassette_bodies(OPENROUTER)
    req = read_one(body, "openai")
    # requested: google/gemini-2.0-flash-exp:free with fallback models; answered by grok-4
    assert (req.provider, req.model) == ("openrouter", "x-ai/grok-4")
    assert classes(req) == (687, 682, 0, 0, 240, 165)


def test_anthropic_plain_message() -> None:
    (body,) = cassette_bodies(CLAUDE)
    req = read_one(body, "anthropic")
    assert classes(req) == (20, 0, 0, 0, 10, 0)
    assert (req.provider, req.model, req.ts) == ("anthropic", "claude-3-opus-20240229", None)


def test_anthropic_cache_write_then_read_count_inside_input() -> None:
    write, read_back = cassette_bodies(CLAUDE_CACHE)
    assert classes(read_one(write, "anthropic")) == (2 + 1590, 0, 1590, 0, 4, 0)
    assert classes(read_one(read_back, "anthropic")) == (2 + 1590, 1590, 0, 0, 4, 0)


def test_gemini_thoughts_outside_candidates() -> None:
    (body,) = cassette_bodies(GEMINI)
    req = read_one(body, "gemini")
    assert classes(req) == (15, 0, 0, 0, 8 + 275, 275)
    assert (req.provider, req.model) == ("google", "gemini-2.5-pro")  # `models/` prefix dropped


@pytest.mark.parametrize(
    "name, dialect",
    [
        pytest.param(O3_MINI, "openai", id="openai-chat"),
        pytest.param(RESPONSES, "openai", id="openai-responses"),
        pytest.param(OPENROUTER, "openai", id="openrouter"),
        pytest.param(CLAUDE_CACHE, "anthropic", id="anthropic"),
        pytest.param(GEMINI, "gemini", id="gemini"),
    ],
)
def test_logged_response_bodies_read_end_to_end(tmp_path: Path, name: str, dialect: str) -> None:
    """An app logging each response body, wrapped with its time and feature tag, one per line."""
    bodies = cassette_bodies(name)
    lines = [
        {"ts": f"2025-05-0{i + 1}T10:00:00Z", "feature_tag": "chat", "response": body} for i, body in enumerate(bodies)
    ]
    summary = summarize_baseline([write_jsonl(tmp_path / "usage.jsonl", lines)], THRESHOLDS)
    assert (summary.requests, summary.bad_rows, summary.untagged) == (len(bodies), 0, 0)
    assert summary.first_ts == utc("2025-05-01T10:00:00")
    assert detected(lines[0]) == dialect


def test_langfuse_ingestion_batch_end_to_end() -> None:
    summary = summarize_baseline([LOGS / LANGFUSE], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (1, 0)  # the trace-create event is not a request
    (group,) = summary.groups.values()
    assert (group.feature, group.model) == ("litellm-acompletion", "gpt-3.5-turbo")
    assert group.stated_cost == pytest.approx(5.5e-05)
    assert summary.first_ts == datetime.fromisoformat("2025-01-16T11:28:54.796360-08:00").timestamp()
    (req,) = read(by_name("langfuse"), json.loads((LOGS / LANGFUSE).read_text()))
    assert classes(req) == (10, 0, 0, 0, 20, 0)


def test_litellm_spend_logs_row_end_to_end() -> None:
    summary = summarize_baseline([LOGS / SPEND_LOGS], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (1, 0)
    (group,) = summary.groups.values()
    assert (group.feature, group.provider, group.model, group.failed) == ("", "openai", "gpt-4o", 0)
    assert group.stated_cost == pytest.approx(0.000225)
    assert summary.first_ts == pytest.approx(utc("2025-01-24T09:20:46.847371"))  # naive = UTC
    row = json.loads((LOGS / SPEND_LOGS).read_text())
    assert by_name("aiopt").detect(row) is False  # `model` + `prompt_tokens`, yet not an AIOpt row
    (req,) = read(by_name("litellm"), row)
    assert classes(req) == (10, 0, 0, 0, 20, 0)


@pytest.mark.parametrize(
    "name, requests, features",
    [
        (
            "aiopt-usage__tkddlr0716-collab_aiopt__sample_usage.jsonl",
            5,
            {"summarize", "coding", "classify", "translate"},
        ),
        (
            "aiopt-usage__tkddlr0716-collab_aiopt__sample_usage_mixed.jsonl",
            5,
            {"summarize", "classify", "translate", "coding"},
        ),
        ("aiopt-wrapper__tkddlr0716-collab_aiopt__baseline_calls.jsonl", 3, {"summarize"}),
        ("aiopt-wrapper__tkddlr0716-collab_aiopt__candidate_small.jsonl", 2, {"coding"}),
    ],
)
def test_aiopt_logs_still_read_as_aiopt(name: str, requests: int, features: set[str]) -> None:
    path = LOGS / name
    assert detected(json.loads(path.read_text().splitlines()[0])) == "aiopt"
    summary = summarize_baseline([path], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (requests, 0)
    assert {group.feature for group in summary.groups.values()} == features


def test_helicone_csv_export_end_to_end() -> None:
    summary = summarize_baseline([LOGS / HELICONE_CSV], THRESHOLDS)
    assert (summary.requests, summary.bad_rows, summary.untagged) == (4, 0, 1)
    groups = {(g.feature, g.model): g for g in summary.groups.values()}
    assert set(groups) == {("summarize", "gpt-4o-mini"), ("classify", "gpt-4o"), ("", "gpt-4o-mini")}
    summarize = groups["summarize", "gpt-4o-mini"]
    assert (summarize.requests, summarize.failed) == (2, 1)  # response_status 500
    assert summarize.stated_cost == pytest.approx(0.000288)
    assert summary.span_days == pytest.approx(3.0)


# --- hand-written records, one table per dialect --------------------------------------------------

CHAT_BODY: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1714550400,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "finish_reason": "length", "message": {"role": "assistant", "content": "."}}],
    "usage": {
        "prompt_tokens": 2000,
        "completion_tokens": 300,
        "total_tokens": 2300,
        "prompt_tokens_details": {"cached_tokens": 1024},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
RESPONSES_EVENT: dict[str, Any] = {
    "type": "response.completed",
    "sequence_number": 9,
    "response": {
        "id": "resp_1",
        "object": "response",
        "created_at": 1714550400,
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "model": "o4-mini-2025-04-16",
        "metadata": {"feature": "extract"},
        "usage": {
            "input_tokens": 500,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 1000,
            "output_tokens_details": {"reasoning_tokens": 900},
            "total_tokens": 1500,
        },
    },
}
OPENROUTER_BODY: dict[str, Any] = {
    "id": "gen-1",
    "object": "chat.completion",
    "created": 1714550400,
    "provider": "Anthropic",
    "model": "anthropic/claude-sonnet-4",
    "choices": [{"finish_reason": "stop"}],
    "usage": {
        "prompt_tokens": 3000,
        "completion_tokens": 20,
        "cost": 0.0123,
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 2900},
    },
}
DEEPSEEK_BODY: dict[str, Any] = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1714550400,
    "model": "deepseek-chat",
    "usage": {
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "prompt_cache_hit_tokens": 64,
        "prompt_cache_miss_tokens": 36,
    },
}
CLAUDE_LINE: dict[str, Any] = {
    "ts": 1714550400,
    "feature_tag": "chat",
    "id": "msg_1",
    "type": "message",
    "model": "claude-sonnet-4-20250514",
    "stop_reason": "max_tokens",
    "usage": {
        "input_tokens": 50,
        "cache_creation_input_tokens": 3000,
        "cache_read_input_tokens": 10000,
        "output_tokens": 1024,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
    },
}
CLAUDE_OLD_WRAPPED: dict[str, Any] = {
    "timestamp": "2024-05-01T10:00:00+02:00",
    "response": {
        "type": "message",
        "model": "claude-3-haiku-20240307",
        "usage": {"input_tokens": 12, "output_tokens": 30},
    },
}
GEMINI_WRAPPED: dict[str, Any] = {
    "ts": "2025-05-01T10:00:00Z",
    "feature_tag": "translate",
    "response": {
        "candidates": [{"finishReason": "MAX_TOKENS", "index": 0}],
        "modelVersion": "gemini-2.5-flash",
        "usageMetadata": {
            "promptTokenCount": 5000,
            "cachedContentTokenCount": 4096,
            "candidatesTokenCount": 100,
            "thoughtsTokenCount": 900,
            "toolUsePromptTokenCount": 40,
            "totalTokenCount": 6040,
        },
    },
}
GEMINI_SNAKE: dict[str, Any] = {
    "create_time": "2025-05-01T10:00:00Z",
    "model_version": "gemini-2.0-flash-001",
    "usage_metadata": {"prompt_token_count": 10, "candidates_token_count": 5},
}
SPEND_ROW: dict[str, Any] = {
    "request_id": "chatcmpl-9",
    "call_type": "acompletion",
    "startTime": "2025-05-01 10:00:00.000000",
    "model": "gpt-4o",
    "model_group": "default",
    "custom_llm_provider": "openai",
    "spend": 0.0042,
    "prompt_tokens": 1500,
    "completion_tokens": 100,
    "status": "failure",
    "request_tags": '["prod"]',
    "metadata": json.dumps(
        {
            "spend_logs_metadata": {"feature": "summarize"},
            "attempted_retries": 2,
            "usage_object": {
                "prompt_tokens": 1500,
                "completion_tokens": 100,
                "prompt_tokens_details": {"cached_tokens": 512},
            },
        }
    ),
}
LOGGING_PAYLOAD: dict[str, Any] = {
    "id": "x1",
    "trace_id": "t1",
    "call_type": "acompletion",
    "response_cost": 0.0012,
    "status": "success",
    "model": "claude-3-5-sonnet-20241022",
    "model_group": "smart",
    "custom_llm_provider": "anthropic",
    "prompt_tokens": 1000,
    "completion_tokens": 200,
    "startTime": 1714550400.25,
    "cache_hit": False,
    "request_tags": ["User-Agent: litellm", "feature:classify"],
    "metadata": {
        "spend_logs_metadata": None,
        "usage_object": {
            "prompt_tokens": 1000,
            "completion_tokens": 200,
            "cache_creation_input_tokens": 300,
            "cache_read_input_tokens": 600,
        },
    },
}
SPEND_ROW_UNTAGGED: dict[str, Any] = {
    "request_id": "r2",
    "startTime": "2025-05-01 10:00:00",
    "model": "groq/llama-3.3-70b",
    "model_group": "fast",
    "spend": 0.0,
    "prompt_tokens": 10,
    "completion_tokens": 5,
    "request_tags": "[]",
    "metadata": "{}",
    "status": "success",
}
LANGFUSE_BATCH: dict[str, Any] = {
    "batch": [
        {
            "id": "e1",
            "type": "trace-create",
            "timestamp": "2025-05-01T10:00:00Z",
            "body": {"id": "t1", "name": "summarize-article", "metadata": {"feature": "summarize"}, "tags": ["prod"]},
        },
        {
            "id": "e2",
            "type": "generation-create",
            "timestamp": "2025-05-01T10:00:00Z",
            "body": {
                "id": "g1",
                "traceId": "t1",
                "name": "OpenAI-generation",
                "model": "gpt-4o",
                "startTime": "2025-05-01T10:00:00Z",
            },
        },
        {
            "id": "e3",
            "type": "generation-update",
            "timestamp": "2025-05-01T10:00:02Z",
            "body": {
                "id": "g1",
                "traceId": "t1",
                "endTime": "2025-05-01T10:00:02Z",
                "usageDetails": {
                    "input": 800,
                    "input_cached_tokens": 200,
                    "output": 100,
                    "output_reasoning_tokens": 50,
                    "total": 1150,
                },
                "costDetails": {"input": 0.002, "output": 0.001},
            },
        },
    ]
}
LANGFUSE_EVENT: dict[str, Any] = {
    "id": "e9",
    "type": "generation-create",
    "timestamp": "2025-05-01T10:00:00Z",
    "body": {
        "id": "g2",
        "name": "classify",
        "model": "claude-3-5-haiku-20241022",
        "usage": {"input": 30, "output": 5, "unit": "TOKENS", "totalCost": 0.0001},
    },
}
LANGFUSE_OBSERVATION: dict[str, Any] = {
    "id": "o1",
    "type": "GENERATION",
    "traceId": "t9",
    "name": "rerank",
    "level": "ERROR",
    "startTime": "2025-05-01T10:00:00.000Z",
    "model": "gpt-4o-mini",
    "usageDetails": {"input": 10, "output": 2},
    "calculatedTotalCost": 0.00001,
}
CONSOLE_SPAN: dict[str, Any] = {
    "name": "chat gpt-4o",
    "start_time": "2025-05-01T10:00:00.000000Z",
    "status": {"status_code": "UNSET"},
    "attributes": {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.reasoning.output_tokens": 0,
        "gen_ai.response.finish_reasons": ["length"],
        "app.feature": "summarize",
    },
}


def otlp(key: str, value: Any) -> dict[str, Any]:
    """One OTLP attribute; ints are written as strings, as many exporters do."""
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    kind = "intValue" if isinstance(value, int) else "stringValue"
    return {"key": key, "value": {kind: str(value) if isinstance(value, int) else value}}


OTLP_SPAN: dict[str, Any] = {
    "traceId": "5b8efff798038103d269b633813fc60c",
    "spanId": "eee19b7ec3c1b174",
    "name": "chat claude",
    "startTimeUnixNano": "1714550400000000000",
    "endTimeUnixNano": "1714550401000000000",
    "attributes": [
        otlp("gen_ai.operation.name", "chat"),
        otlp("gen_ai.system", "anthropic"),
        otlp("gen_ai.request.model", "claude-3-5-sonnet-20241022"),
        otlp("gen_ai.usage.input_tokens", 150),
        {"key": "gen_ai.usage.cache_creation.input_tokens", "value": {"intValue": 100}},
        otlp("gen_ai.usage.output_tokens", 20),
        otlp("gen_ai.agent.name", "researcher"),
        otlp("gen_ai.response.finish_reasons", ["end_turn"]),
    ],
    "status": {"code": 2, "message": "overloaded"},
}
NESTED_ATTRIBUTES: dict[str, Any] = {
    "start_time": "2025-05-01T10:00:00Z",
    "gen_ai": {
        "operation": {"name": "generate_content"},
        "provider": {"name": "gcp.gemini"},
        "request": {"model": "gemini-2.0-flash"},
        "usage": {"input_tokens": "10", "output_tokens": "4"},
    },
}
HELICONE_RECORD: dict[str, Any] = {
    "request_id": "h1",
    "request_created_at": "2025-05-01T10:00:00.000Z",
    "request_model": "gpt-4o",
    "response_model": "gpt-4o-2024-08-06",
    "model": "gpt-4o",
    "provider": "OPENAI",
    "prompt_tokens": 2000,
    "prompt_cache_read_tokens": 1500,
    "prompt_cache_write_tokens": 0,
    "completion_tokens": 100,
    "costUSD": 0.0042,
    "response_status": 200,
    "properties": {"Helicone-Property-Feature": "search"},
}
AIOPT_ROW: dict[str, Any] = {
    "ts": "2025-05-01T10:00:00Z",
    "provider": "openai",
    "model": "gpt-4o",
    "input_tokens": 100,
    "output_tokens": 10,
    "feature_tag": "x",
    "retries": 0,
    "status": "ok",
}
T0 = utc("2025-05-01T10:00:00")

CASES = [
    # OpenAI: a wrapped chat body; a Batch API output line; a Responses `response.completed` event;
    # OpenRouter's cache writes and stated cost; DeepSeek's cache-hit field.
    pytest.param(
        "openai",
        {"ts": "2025-05-01T10:00:00Z", "feature_tag": "summarize", "response": CHAT_BODY},
        dict(
            model="gpt-4o-mini-2024-07-18",
            provider="openai",
            feature="summarize",
            input=2000,
            cached=1024,
            output=300,
            truncated=True,
            ts=T0,
        ),
        id="openai-wrapped-chat",
    ),
    pytest.param(
        "openai",
        {
            "id": "batch_req_1",
            "custom_id": "summarize-17",
            "error": None,
            "response": {"status_code": 200, "request_id": "req_1", "body": CHAT_BODY},
        },
        dict(model="gpt-4o-mini-2024-07-18", input=2000, cached=1024, ts=1714550400.0, ok=True),
        id="openai-batch-output",
    ),
    pytest.param(
        "openai",
        RESPONSES_EVENT,
        dict(model="o4-mini-2025-04-16", feature="extract", input=500, output=1000, reasoning=900, truncated=True),
        id="openai-responses-event",
    ),
    pytest.param(
        "openai",
        OPENROUTER_BODY,
        dict(provider="openrouter", model="anthropic/claude-sonnet-4", input=3000, cache_write=2900, cost=0.0123),
        id="openrouter-cache-write-and-cost",
    ),
    pytest.param("openai", DEEPSEEK_BODY, dict(model="deepseek-chat", input=100, cached=64), id="deepseek-chat-shape"),
    # Anthropic: flat body plus `ts`, with 5-minute and 1-hour cache writes; an old body wrapped.
    pytest.param(
        "anthropic",
        CLAUDE_LINE,
        dict(
            input=13050,
            cached=10000,
            cache_write=3000,
            cache_write_1h=2000,
            output=1024,
            truncated=True,
            feature="chat",
            ts=1714550400.0,
        ),
        id="anthropic-cache-1h",
    ),
    pytest.param(
        "anthropic",
        CLAUDE_OLD_WRAPPED,
        dict(model="claude-3-haiku-20240307", input=12, output=30, cached=0, ts=utc("2024-05-01T08:00:00")),
        id="anthropic-wrapped-old",
    ),
    # Gemini: camelCase REST body wrapped; snake_case SDK dump with Vertex `create_time`.
    pytest.param(
        "gemini",
        GEMINI_WRAPPED,
        dict(
            model="gemini-2.5-flash",
            provider="google",
            feature="translate",
            input=5040,
            cached=4096,
            output=1000,
            reasoning=900,
            truncated=True,
        ),
        id="gemini-rest",
    ),
    pytest.param(
        "gemini",
        GEMINI_SNAKE,
        dict(model="gemini-2.0-flash-001", input=10, output=5, ts=T0),
        id="gemini-sdk-snake-case",
    ),
    # LiteLLM: SpendLogs row (JSON text inside JSON); StandardLoggingPayload; model_group fallback.
    pytest.param(
        "litellm",
        SPEND_ROW,
        dict(
            model="gpt-4o",
            provider="openai",
            feature="summarize",
            input=1500,
            cached=512,
            output=100,
            ok=False,
            retries=2,
            cost=0.0042,
            ts=T0,
        ),
        id="litellm-spendlogs",
    ),
    pytest.param(
        "litellm",
        LOGGING_PAYLOAD,
        dict(
            feature="classify",
            input=1000,
            cached=600,
            cache_write=300,
            output=200,
            ok=True,
            cost=0.0012,
            ts=1714550400.25,
        ),
        id="litellm-standard-logging-payload",
    ),
    pytest.param(
        "litellm",
        SPEND_ROW_UNTAGGED,
        dict(feature="fast", model="groq/llama-3.3-70b"),
        id="litellm-model-group-feature",
    ),
    # Langfuse: a batch (create + update merged, feature from the trace); one event per line;
    # an observations export row.
    pytest.param(
        "langfuse",
        LANGFUSE_BATCH,
        dict(
            model="gpt-4o",
            feature="summarize",
            input=1000,
            cached=200,
            output=150,
            reasoning=50,
            cost=pytest.approx(0.003),
            ts=T0,
        ),
        id="langfuse-batch",
    ),
    pytest.param(
        "langfuse",
        LANGFUSE_EVENT,
        dict(feature="classify", input=30, output=5, cost=0.0001, ts=T0),
        id="langfuse-event-line",
    ),
    pytest.param(
        "langfuse",
        LANGFUSE_OBSERVATION,
        dict(feature="rerank", input=10, output=2, ok=False, cost=0.00001),
        id="langfuse-observation",
    ),
    # OpenTelemetry: console-exporter span (flat map); OTLP span (list, string intValue); top-level
    # attributes nested as a CSV with dotted columns gives them.
    pytest.param(
        "otel",
        CONSOLE_SPAN,
        dict(
            model="gpt-4o-2024-08-06",
            provider="openai",
            feature="summarize",
            input=1200,
            cached=1000,
            output=300,
            truncated=True,
            ok=True,
            ts=T0,
        ),
        id="otel-console-span",
    ),
    pytest.param(
        "otel",
        OTLP_SPAN,
        dict(
            model="claude-3-5-sonnet-20241022",
            provider="anthropic",
            feature="researcher",
            input=150,
            cache_write=100,
            output=20,
            ok=False,
            truncated=False,
            ts=1714550400.0,
        ),
        id="otel-otlp-span",
    ),
    pytest.param(
        "otel",
        NESTED_ATTRIBUTES,
        dict(model="gemini-2.0-flash", provider="gcp.gemini", feature="", input=10, output=4),
        id="otel-nested-attributes",
    ),
    # Helicone: a JSON export record (the response model is billed).
    pytest.param(
        "helicone",
        HELICONE_RECORD,
        dict(
            model="gpt-4o-2024-08-06",
            provider="openai",
            feature="search",
            input=2000,
            cached=1500,
            output=100,
            cost=0.0042,
            ok=True,
        ),
        id="helicone-json",
    ),
    # AIOpt: still detected, last in the table.
    pytest.param("aiopt", AIOPT_ROW, dict(model="gpt-4o", feature="x", input=100, output=10), id="aiopt"),
]


@pytest.mark.parametrize("name, record, expected", CASES)
def test_hand_written_record(name: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    req = read_one(record, name)
    assert {key: getattr(req, key) for key in expected} == expected
    assert read(by_name(name), record) == [req]  # forced by name: the same reading


@pytest.mark.parametrize("name, record, expected", [c for c in CASES if c.values[0] != "aiopt"])
def test_aiopt_does_not_swallow_other_dialects(name: str, record: dict[str, Any], expected: dict[str, Any]) -> None:
    assert by_name("aiopt").detect(record) is False


MODEL = {"model": "gpt-4o"}
HELI = {"request_created_at": "2025-05-01T10:00:00Z", "model": "gpt-4o", "prompt_tokens": "1"}
SPEND = {"model": "gpt-4o", "spend": 0.1, "startTime": "2025-05-01", "prompt_tokens": 1}
SPAN = {"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 5}
HAIKU = {"type": "message", "model": "claude-3-haiku-20240307"}
MALFORMED: list[tuple[str, dict[str, Any]]] = [
    ("openai", {**MODEL, "usage": {"total_tokens": 5}}),
    ("openai", {**MODEL, "usage": {"prompt_tokens": "many", "completion_tokens": 1}}),
    ("openai", {"model": None, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
    ("openai", {**MODEL, "usage": {"prompt_tokens": -3, "completion_tokens": 1}}),
    ("openai", {**MODEL, "choices": "x", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
    ("openai", {**MODEL, "usage": {"prompt_tokens": 1, "prompt_tokens_details": 5}}),
    ("openai", {**MODEL, "created": "yesterday", "usage": {"prompt_tokens": 1}}),
    ("anthropic", {**HAIKU, "usage": {"output_tokens": 3}}),
    ("anthropic", {**HAIKU, "usage": {"input_tokens": 1, "cache_creation": "x"}}),
    ("anthropic", {**HAIKU, "ts": "not a time", "usage": {"input_tokens": 1}}),
    ("gemini", {"modelVersion": "gemini-2.5-pro", "usageMetadata": {"candidatesTokenCount": 3}}),
    ("gemini", {"usageMetadata": {"promptTokenCount": 3}}),
    ("gemini", {"modelVersion": "gemini-2.5-pro", "candidates": [3], "usageMetadata": {"promptTokenCount": 3}}),
    ("litellm", {**SPEND, "metadata": "{not json"}),
    ("litellm", {**SPEND, "request_tags": 5}),
    ("litellm", {**SPEND, "spend": "-1"}),
    ("litellm", {**SPEND, "prompt_tokens": None}),
    ("langfuse", {"batch": "nope"}),
    ("langfuse", {"batch": [{"type": "generation-create", "body": ["not", "an", "object"]}]}),
    ("langfuse", {"type": "GENERATION", "usage": {"input": 1, "output": 1}}),
    ("langfuse", {"type": "GENERATION", **MODEL, "usage": {"input": 100, "unit": "CHARACTERS"}}),
    ("langfuse", {"type": "GENERATION", **MODEL, "usageDetails": {"input": {"nested": 1}}}),
    ("otel", {"attributes": [{"value": {"intValue": "1"}}]}),
    ("otel", {"attributes": {**SPAN, "gen_ai.usage.input_tokens": "-5"}}),
    ("otel", {"startTimeUnixNano": "yesterday", "attributes": SPAN}),
    ("otel", {"attributes": {**SPAN, "gen_ai.response.finish_reasons": 5}}),
    ("otel", {"resourceSpans": "x"}),
    ("otel", {"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": 7}]}]}]}),
    ("helicone", {**HELI, "request_properties": "{oops"}),
    ("helicone", {**HELI, "prompt_tokens": ""}),
    ("helicone", {**HELI, "cost": "free"}),
    ("helicone", {**HELI, "model": ""}),
    ("helicone", {**HELI, "request_properties": "[1]"}),
    ("aiopt", {**MODEL, "input_tokens": "x"}),
]


@pytest.mark.parametrize("name, record", MALFORMED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MALFORMED)])
def test_malformed_record_raises_a_counted_error(name: str, record: dict[str, Any]) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        read(by_name(name), record)


@pytest.mark.parametrize("name", sorted({n for n, _ in MALFORMED}))
def test_malformed_rows_are_counted_not_fatal(tmp_path: Path, name: str) -> None:
    good = cast("dict[str, Any]", next(c.values[1] for c in CASES if c.values[0] == name))
    bad: list[dict[str, Any]] = [record for n, record in MALFORMED if n == name]
    summary = summarize_baseline([write_jsonl(tmp_path / "usage.jsonl", [good, *bad])], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (1, len(bad))


GARBAGE: list[dict[str, Any]] = [
    {},
    {"attributes": 5},
    {"attributes": [1, 2]},
    {"attributes": [{"nokey": 1}]},
    {"batch": "x"},
    {"data": [1]},
    {"data": "x"},
    {"usage": "x", "model": "m"},
    {"usageMetadata": 3},
    {"response": {"response": {"response": {}}}},
    {"gen_ai": 5},
    {"model": 5, "prompt_tokens": []},
]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_detect_never_raises(dialect: Dialect) -> None:
    for row in GARBAGE:
        assert dialect.detect(row) in (True, False)


def test_dialect_names_are_unique() -> None:
    names = [d.name for d in DIALECTS]
    assert len(names) == len(set(names))
    assert set(names) == {
        "aiopt",
        "openai",
        "anthropic",
        "gemini",
        "litellm",
        "langfuse",
        "otel",
        "helicone",
        "writeup",
        "openai-usage",
        "anthropic-usage",
        "anthropic-batch",
        "openrouter",
        "bedrock",
        "portkey",
        "langsmith",
        "langfuse-blob",
        "openinference",
    }


# --- unpacking and forcing ------------------------------------------------------------------------


def test_otlp_export_keeps_model_calls_only(tmp_path: Path) -> None:
    rollup: dict[str, Any] = {
        "name": "invoke_agent researcher",
        "startTimeUnixNano": "1714550400000000000",
        "attributes": [
            otlp("gen_ai.operation.name", "invoke_agent"),
            otlp("gen_ai.request.model", "claude-3-5-sonnet-20241022"),
            otlp("gen_ai.usage.input_tokens", 150),
        ],
    }
    http: dict[str, Any] = {
        "name": "POST",
        "startTimeUnixNano": "1714550400000000000",
        "attributes": [otlp("http.request.method", "POST")],
    }
    log_record: dict[str, Any] = {
        "timeUnixNano": "1714636800000000000",
        "attributes": [
            otlp("gen_ai.provider.name", "openai"),
            otlp("gen_ai.response.model", "gpt-4o-mini"),
            otlp("gen_ai.usage.input_tokens", 7),
            otlp("gen_ai.usage.output_tokens", 3),
        ],
    }
    scope = {"scope": {"name": "opentelemetry.instrumentation.anthropic"}, "spans": [rollup, OTLP_SPAN, http]}
    export = {
        "resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [scope]}],
        "resourceLogs": [{"scopeLogs": [{"logRecords": [log_record]}]}],
    }
    summary = summarize_baseline([write_jsonl(tmp_path / "spans.jsonl", [export])], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (2, 0)  # the roll-up and the HTTP span are skipped
    assert {g.model for g in summary.groups.values()} == {"claude-3-5-sonnet-20241022", "gpt-4o-mini"}
    assert summary.span_days == pytest.approx(1.0)


def test_forced_format_reads_rows_auto_detection_would_miss(tmp_path: Path) -> None:
    http: dict[str, Any] = {"name": "GET /health", "attributes": {"http.request.method": "GET"}}
    log = write_jsonl(tmp_path / "spans.jsonl", [http, CONSOLE_SPAN])
    auto = summarize_baseline([log], THRESHOLDS)
    assert (auto.requests, auto.bad_rows) == (1, 1)  # the first line names no dialect
    forced = summarize_baseline([log], THRESHOLDS, forced_format="otel")
    assert (forced.requests, forced.bad_rows) == (1, 0)  # a span without usage is skipped, not bad


def test_forced_format_overrides_detection(tmp_path: Path) -> None:
    row = {"request_id": "h2", "model": "gpt-4o", "prompt_tokens": 10, "completion_tokens": 2, "cost": 0.5}
    assert detected(row) == "aiopt"
    log = write_jsonl(tmp_path / "export.jsonl", [row])
    (group,) = summarize_baseline([log], THRESHOLDS, forced_format="helicone").groups.values()
    assert group.stated_cost == 0.5  # Helicone's `cost`, which the AIOpt reader does not read


def test_langfuse_batch_without_usage_yields_nothing() -> None:
    trace, create, _update = LANGFUSE_BATCH["batch"]
    assert read(by_name("langfuse"), {"batch": [trace, create]}) == []


def test_litellm_proxy_cache_hit_is_not_a_billed_request(tmp_path: Path) -> None:
    rows = [SPEND_ROW_UNTAGGED, {**SPEND_ROW_UNTAGGED, "cache_hit": "True"}]
    summary = summarize_baseline([write_jsonl(tmp_path / "spend.jsonl", rows)], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (1, 0)
