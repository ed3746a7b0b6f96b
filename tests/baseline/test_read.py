"""Tests for aiopt_hooks.baseline: the AIOpt reader (both forms), CSV, gzip, timestamps, summary."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.dialects.aiopt import normalize
from aiopt_hooks.baseline.dialects.registry import detect_dialect
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.baseline.timestamps import parse_ts
from aiopt_hooks.errors import AioptError

DATA = Path(__file__).resolve().parents[1] / "data"
THRESHOLDS = (32_000, 200_000)  # class 0: <= 32k input, 1: <= 200k, 2: above
T0 = datetime(2026, 2, 7, tzinfo=timezone.utc).timestamp()  # 2026-02-07T00:00:00Z = 1770422400


def _summary(tmp_path: Path, name: str, data: str | bytes) -> Any:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return summarize_baseline([path], THRESHOLDS, display_root=tmp_path)


def _groups(summary: Any) -> dict[tuple[str, str, str], tuple[int, int, int]]:
    return {key: (g.requests, g.failed, g.retries) for key, g in summary.groups.items()}


# -- the four real AIOpt logs --------------------------------------------------------------------

REAL_LOGS = [
    pytest.param(
        "aiopt-usage__tkddlr0716-collab_aiopt__sample_usage.jsonl",
        5,
        4.0,
        {
            ("summarize", "openai", "gpt-5-mini"): (1, 0, 0),
            ("coding", "openai", "gpt-5.2"): (1, 0, 1),
            ("classify", "anthropic", "claude-sonnet"): (1, 0, 0),
            ("translate", "gemini", "gemini-1.5-flash"): (1, 0, 0),
            ("summarize", "openai", "unknown-model-x"): (1, 1, 2),
        },
        id="aggregated-sample",
    ),
    pytest.param(
        "aiopt-usage__tkddlr0716-collab_aiopt__sample_usage_mixed.jsonl",
        5,
        4.0,
        {
            ("summarize", "openai", "gpt-5-mini"): (1, 0, 0),
            ("classify", "anthropic", "claude-sonnet"): (1, 0, 1),
            ("translate", "gemini", "gemini-1.5-flash"): (1, 0, 0),
            ("summarize", "local", "llama3.1"): (1, 0, 0),
            ("coding", "unknownprov", "x1"): (1, 0, 0),
        },
        id="aggregated-mixed-providers",
    ),
    pytest.param(
        "aiopt-wrapper__tkddlr0716-collab_aiopt__baseline_calls.jsonl",
        3,
        2.0,
        {("summarize", "openai", "gpt-5-mini"): (3, 0, 0)},
        id="wrapper-meta-feature-tag-beats-endpoint",
    ),
    pytest.param(
        "aiopt-wrapper__tkddlr0716-collab_aiopt__candidate_small.jsonl",
        2,
        600.0,
        {("coding", "openai", "gpt-5.2"): (2, 0, 0)},
        id="wrapper-ten-minutes",
    ),
]


@pytest.mark.parametrize(("name", "requests", "span_seconds", "groups"), REAL_LOGS)
def test_real_aiopt_logs(
    tmp_path: Path,
    name: str,
    requests: int,
    span_seconds: float,
    groups: dict[tuple[str, str, str], tuple[int, int, int]],
) -> None:
    shutil.copy(DATA / name, tmp_path / name)
    summary = summarize_baseline([tmp_path / name], THRESHOLDS, display_root=tmp_path)
    assert summary.requests == requests
    assert summary.bad_rows == 0
    assert summary.untagged == 0
    assert summary.span_days * 86400 == pytest.approx(span_seconds)
    assert summary.first_ts == T0 + 1
    assert _groups(summary) == groups
    assert summary.paths == [name]


@pytest.mark.parametrize(
    ("name", "key", "cells"),
    [
        # 3 rows x 20,000 prompt tokens (class 0, <= 32k), 2,000 completion tokens each
        pytest.param(
            "aiopt-wrapper__tkddlr0716-collab_aiopt__baseline_calls.jsonl",
            ("summarize", "openai", "gpt-5-mini"),
            {(0, 2000, False): [3, 60000, 0, 0, 0]},
            id="wrapper-prompt-completion-tokens",
        ),
        # 2 rows x 50,000 prompt tokens (class 1: above 32k), 5,000 completion tokens each
        pytest.param(
            "aiopt-wrapper__tkddlr0716-collab_aiopt__candidate_small.jsonl",
            ("coding", "openai", "gpt-5.2"),
            {(1, 5000, False): [2, 100000, 0, 0, 0]},
            id="wrapper-tier-class",
        ),
        # 35,000 input tokens: class 1
        pytest.param(
            "aiopt-usage__tkddlr0716-collab_aiopt__sample_usage.jsonl",
            ("coding", "openai", "gpt-5.2"),
            {(1, 3000, False): [1, 35000, 0, 0, 0]},
            id="aggregated-input-output-tokens",
        ),
    ],
)
def test_real_aiopt_cells(name: str, key: tuple[str, str, str], cells: dict[Any, list[float]]) -> None:
    summary = summarize_baseline([DATA / name], THRESHOLDS)
    assert summary.groups[key].cells == cells


# -- one row -> one request ----------------------------------------------------------------------

AGG = {
    "ts": "2026-02-07T00:00:00Z",
    "provider": "OpenAI",
    "model": "gpt-4o",
    "input_tokens": 1200,
    "output_tokens": 300,
    "feature_tag": "summarize",
    "retries": 0,
    "status": "ok",
}
WRAP = {
    "ts": "2026-02-07T00:00:00Z",
    "provider": "openai",
    "model": "gpt-4o",
    "prompt_tokens": 1200,
    "completion_tokens": 300,
    "endpoint": "responses",
    "attempt": 1,
    "trace_id": "t1",
    "status": "ok",
    "meta": {"feature_tag": "summarize"},
}
BASE = Request(
    ts=T0,
    provider="openai",
    model="gpt-4o",
    feature="summarize",
    input=1200,
    cached=0,
    cache_write=0,
    output=300,
    reasoning=0,
    ok=True,
    retries=0,
    truncated=False,
    cost=None,
)

ROWS = [
    pytest.param(AGG, {}, id="aggregated-provider-lower-cased"),
    pytest.param(WRAP, {}, id="wrapper"),
    pytest.param({**WRAP, "attempt": 3}, {"retries": 2}, id="wrapper-attempt-3-is-2-retries"),
    pytest.param({**WRAP, "attempt": 1, "retries": 4}, {"retries": 4}, id="retries-beat-attempt"),
    pytest.param(
        {k: v for k, v in WRAP.items() if k != "meta"}, {"feature": "responses"}, id="wrapper-endpoint-when-no-tag"
    ),
    pytest.param({**WRAP, "feature_tag": "classify"}, {"feature": "classify"}, id="feature-tag-beats-meta"),
    pytest.param({**AGG, "feature_tag": None}, {"feature": ""}, id="no-tag"),
    pytest.param({**AGG, "status": "error"}, {"ok": False}, id="status-error"),
    pytest.param({**AGG, "status": "SUCCESS"}, {"ok": True}, id="status-success-any-case"),
    pytest.param({**AGG, "finish_reason": "length"}, {"truncated": True}, id="finish-reason-length"),
    pytest.param({**AGG, "finish_reason": "stop"}, {"truncated": False}, id="finish-reason-stop"),
    pytest.param({**AGG, "billed_cost": 0.0123}, {"cost": 0.0123}, id="billed-cost"),
    pytest.param({**WRAP, "cost_usd": "0.5"}, {"cost": 0.5}, id="wrapper-cost-usd"),
    pytest.param({**AGG, "cached_tokens": 200}, {"cached": 200}, id="cached-tokens"),
    pytest.param({**AGG, "cached_tokens": 5000}, {"cached": 1200}, id="cached-capped-at-input"),
    pytest.param({**AGG, "reasoning_tokens": 100}, {"reasoning": 100}, id="reasoning-tokens"),
    pytest.param({**AGG, "input_tokens": "1200", "output_tokens": "300.0"}, {}, id="numeric-strings"),
    pytest.param({**AGG, "ts": None}, {"ts": None}, id="no-timestamp"),
]


@pytest.mark.parametrize(("row", "changed"), ROWS)
def test_normalize_row(row: dict[str, Any], changed: dict[str, Any]) -> None:
    assert detect_dialect(row) is not None
    assert normalize(row) == BASE._replace(**changed)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param({**AGG, "model": ""}, id="empty-model"),
        pytest.param({k: v for k, v in AGG.items() if k != "input_tokens"}, id="no-input-tokens"),
        pytest.param({**AGG, "input_tokens": "many"}, id="input-not-a-number"),
        pytest.param({**AGG, "output_tokens": -5}, id="negative-output"),
        pytest.param({**AGG, "ts": "yesterday"}, id="bad-timestamp"),
    ],
)
def test_normalize_rejects(row: dict[str, Any]) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        normalize(row)


# -- CSV and gzip --------------------------------------------------------------------------------

CSV = (
    "ts,provider,model,input_tokens,output_tokens,feature_tag,retries,status,"
    "prompt_tokens,completion_tokens,endpoint,attempt,trace_id,meta.feature_tag\n"
    "2026-02-07T00:00:00Z,openai,gpt-4o,100,10,summarize,0,ok,,,,,,\n"
    "2026-02-08T00:00:00Z,openai,gpt-4o,,,,,error,200,20,responses,2,t1,classify\n"
    "2026-02-09T00:00:00Z,OpenAI,gpt-4o,,,,,ok,300,30,responses,1,t2,\n"
)


def test_csv_same_columns(tmp_path: Path) -> None:
    summary = _summary(tmp_path, "usage.csv", CSV)
    assert summary.requests == 3
    assert summary.span_days == pytest.approx(2.0)
    assert _groups(summary) == {
        ("summarize", "openai", "gpt-4o"): (1, 0, 0),
        ("classify", "openai", "gpt-4o"): (1, 1, 1),  # meta.feature_tag column; attempt 2 = 1 retry
        ("responses", "openai", "gpt-4o"): (1, 0, 0),  # empty meta.feature_tag: the endpoint
    }
    assert summary.groups[("classify", "openai", "gpt-4o")].cells == {(0, 20, False): [1, 200, 0, 0, 0]}


def test_jsonl_gzip(tmp_path: Path) -> None:
    rows = "".join(json.dumps({**AGG, "ts": f"2026-02-0{d}T00:00:00Z"}) + "\n" for d in (1, 2, 3, 4))
    summary = _summary(tmp_path, "usage.jsonl.gz", gzip.compress(rows.encode()))
    assert summary.requests == 4
    assert summary.span_days == pytest.approx(3.0)
    assert summary.groups[("summarize", "openai", "gpt-4o")].cells == {(0, 300, False): [4, 4800, 0, 0, 0]}


def test_csv_gzip_with_epoch_timestamps(tmp_path: Path) -> None:
    # 1770422400 s and 1770508800000 ms are one day apart
    text = "ts,model,input_tokens,output_tokens,feature_tag\n1770422400,gpt-4o,5,6,x\n1770508800000,gpt-4o,7,6,x\n"
    summary = _summary(tmp_path, "usage.csv.gz", gzip.compress(text.encode()))
    assert summary.requests == 2
    assert summary.span_days == pytest.approx(1.0)
    assert summary.groups[("x", "", "gpt-4o")].cells == {(0, 6, False): [2, 12, 0, 0, 0]}


def test_bom_is_skipped(tmp_path: Path) -> None:
    summary = _summary(tmp_path, "usage.jsonl", b"\xef\xbb\xbf" + (json.dumps(AGG) + "\n").encode())
    assert (summary.requests, summary.bad_rows) == (1, 0)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param("usage.jsonl.gz", b"not gzip at all", id="bad-gzip"),
        pytest.param(
            "usage.jsonl", (json.dumps(AGG) + "\n").encode() + '{"model": "caf\xe9"}\n'.encode("latin-1"), id="not-utf8"
        ),
    ],
)
def test_unreadable_logs_are_errors(tmp_path: Path, name: str, data: bytes) -> None:
    with pytest.raises(AioptError) as info:
        _summary(tmp_path, name, data)
    assert info.value.file is not None and info.value.file.endswith(name)


# -- timestamps ----------------------------------------------------------------------------------

TIMESTAMPS = [
    pytest.param("2026-02-07T00:00:00Z", T0, id="iso-z"),
    pytest.param("2026-02-07T01:30:00+01:30", T0, id="iso-offset"),
    pytest.param("2026-02-06T19:00:00-05:00", T0, id="iso-negative-offset"),
    pytest.param("2026-02-07T00:00:00", T0, id="naive-is-utc"),
    pytest.param("2026-02-07 00:00:00.500000", T0 + 0.5, id="naive-space-fraction"),
    pytest.param("2026-02-07 00:00:00 UTC", T0, id="utc-suffix"),
    pytest.param(1770422400, T0, id="epoch-seconds"),
    pytest.param(1770422400.25, T0 + 0.25, id="epoch-seconds-float"),
    pytest.param(1770422400000, T0, id="epoch-ms"),
    pytest.param(1770422400000000, T0, id="epoch-us"),
    pytest.param(1770422400000000000, T0, id="epoch-ns"),
    pytest.param("1770422400", T0, id="string-seconds"),
    pytest.param("1770422400000", T0, id="string-ms"),
    pytest.param("1770422400000000000", T0, id="string-ns"),
    pytest.param(None, None, id="none"),
    pytest.param("", None, id="empty"),
]


@pytest.mark.parametrize(("value", "expected"), TIMESTAMPS)
def test_parse_ts(value: Any, expected: float | None) -> None:
    assert parse_ts(value) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("yesterday", id="words"),
        pytest.param(True, id="bool"),
        pytest.param(-5, id="negative"),
        pytest.param(float("nan"), id="nan"),
    ],
)
def test_parse_ts_rejects(value: Any) -> None:
    with pytest.raises(ValueError):
        parse_ts(value)


# -- malformed, empty, all-bad -------------------------------------------------------------------


def _line(**over: Any) -> str:
    return json.dumps({**AGG, **over}) + "\n"


MALFORMED = [
    pytest.param(
        _line() + "garbage\n" + _line(ts="2026-02-10T00:00:00Z"),
        2,
        1,
        ["usage.jsonl:2 (not a usage record)"],
        id="not-json",
    ),
    pytest.param(
        _line() + "\n\n" + "[1, 2]\n" + _line(),
        2,
        1,
        ["usage.jsonl:4 (not a usage record)"],
        id="blank-lines-keep-numbering",
    ),
    pytest.param(
        _line() + _line(input_tokens="x"),
        1,
        1,
        ["usage.jsonl:2 (could not convert string to float: 'x')"],
        id="bad-number",
    ),
    pytest.param(_line() + _line(model=None), 1, 1, ["usage.jsonl:2 (no `model`)"], id="no-model"),
    pytest.param(
        _line() + _line(output_tokens=-1),
        1,
        1,
        ["usage.jsonl:2 (`output_tokens` out of range: -1)"],
        id="negative-tokens",
    ),
    pytest.param(
        "".join(["oops\n"] * 7) + _line(),
        1,
        7,
        [f"usage.jsonl:{n} (not a usage record)" for n in range(1, 6)],
        id="first-five-listed",
    ),
]


@pytest.mark.parametrize(("text", "requests", "bad_rows", "bad_lines"), MALFORMED)
def test_malformed_lines_counted(tmp_path: Path, text: str, requests: int, bad_rows: int, bad_lines: list[str]) -> None:
    summary = _summary(tmp_path, "usage.jsonl", text)
    assert (summary.requests, summary.bad_rows, summary.bad_lines) == (requests, bad_rows, bad_lines)


def test_malformed_csv_row_has_its_line(tmp_path: Path) -> None:
    text = "ts,model,input_tokens,output_tokens\n2026-02-07T00:00:00Z,gpt-4o,abc,1\n2026-02-07T00:00:00Z,gpt-4o,1,1\n"
    summary = _summary(tmp_path, "usage.csv", text)
    assert (summary.requests, summary.bad_rows) == (1, 1)
    assert summary.bad_lines == ["usage.csv:2 (could not convert string to float: 'abc')"]


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        pytest.param("usage.jsonl", "", "no usable request rows", id="empty"),
        pytest.param("usage.jsonl", "\n  \n\n", "no usable request rows", id="blank"),
        pytest.param(
            "usage.csv", "ts,model,input_tokens,output_tokens\n", "no usable request rows", id="csv-header-only"
        ),
        pytest.param(
            "usage.jsonl",
            'nope\n[1]\n{"foo": 1}\n',
            "usage.jsonl:1 (not a usage record), usage.jsonl:2 (not a usage record), "
            "usage.jsonl:3 (not a usage record)",
            id="all-bad-lists-lines",
        ),
    ],
)
def test_no_usable_rows_is_an_error(tmp_path: Path, name: str, text: str, fragment: str) -> None:
    with pytest.raises(AioptError) as info:
        _summary(tmp_path, name, text)
    assert info.value.file == name
    assert fragment in info.value.message


# -- summary -------------------------------------------------------------------------------------


def test_summary_over_several_logs(tmp_path: Path) -> None:
    first = tmp_path / "a.jsonl"
    second = tmp_path / "b.jsonl"
    first.write_text(_line(ts="2026-02-07T00:00:00Z") + _line(ts="2026-02-08T12:00:00Z", status="error"))
    second.write_text(
        _line(ts="2026-02-09T00:00:00Z", feature_tag=None)
        + _line(ts="2026-02-07T06:00:00Z", input_tokens=250_000, output_tokens=10)
    )
    summary = summarize_baseline([first, second], THRESHOLDS, display_root=tmp_path)
    assert summary.paths == ["a.jsonl", "b.jsonl"]
    assert summary.requests == 4
    assert summary.untagged == 1
    assert summary.span_days == pytest.approx(2.0)  # 02-07 00:00 -> 02-09 00:00
    assert _groups(summary) == {("summarize", "openai", "gpt-4o"): (3, 1, 0), ("", "openai", "gpt-4o"): (1, 0, 0)}
    # per request tier class: 1,200 -> class 0; 250,000 -> class 2 (above 200k)
    assert summary.groups[("summarize", "openai", "gpt-4o")].cells == {
        (0, 300, False): [2, 2400, 0, 0, 0],
        (2, 10, False): [1, 250_000, 0, 0, 0],
    }


def test_summary_tier_class_boundary(tmp_path: Path) -> None:
    # genai-prices applies a tier when input > start: 200,000 stays in class 1, 200,001 is class 2
    text = _line(input_tokens=200_000) + _line(input_tokens=200_001) + _line(input_tokens=32_000)
    summary = _summary(tmp_path, "usage.jsonl", text)
    assert set(summary.groups[("summarize", "openai", "gpt-4o")].cells) == {
        (1, 300, False),
        (2, 300, False),
        (0, 300, False),
    }


def test_summary_stated_cost_and_truncation(tmp_path: Path) -> None:
    text = _line(billed_cost=0.25) + _line(billed_cost=0.5, finish_reason="length") + _line()
    group = _summary(tmp_path, "usage.jsonl", text).groups[("summarize", "openai", "gpt-4o")]
    assert (group.stated_cost, group.stated_cost_rows) == (0.75, 2)
    assert group.cells == {(0, 300, False): [2, 2400, 0, 0, 0], (0, 300, True): [1, 1200, 0, 0, 0]}


def test_summary_without_timestamps_has_zero_span(tmp_path: Path) -> None:
    summary = _summary(tmp_path, "usage.jsonl", _line(ts=None) + _line(ts=None))
    assert (summary.requests, summary.first_ts, summary.span_days) == (2, None, 0.0)
