"""The DuckDB engine on the nested log dialects (OpenAI, Anthropic, OpenTelemetry, Langfuse): the
very summary the streaming readers give, on every dialect sample of tests/baseline/test_dialects.py and
the real recorded bodies; a file it cannot read exactly (another shape, a malformed line, a request
id seen twice) is left to the streaming reader, which names the lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline import duck
from aiopt_hooks.baseline.dialects.registry import detect_dialect
from aiopt_hooks.baseline.duck_dialects import body_level
from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.baseline.read import _read_one, summarize_baseline
from tests.baseline.test_cache import _canon
from tests.baseline.test_dialects import (
    CASES,
    CLAUDE_CACHE,
    O3_MINI,
    OPENROUTER,
    RESPONSES,
    cassette_bodies,
    write_jsonl,
)

pytest.importorskip("duckdb")
THRESHOLDS = (1500, 200000)
ID_KEYS = ("id", "spanId", "request_id")
# Shapes the streaming reader alone reads (each line holds many requests, or attributes as OTLP lists).
# Left to the streaming reader: shapes the DuckDB readings do not cover, and Batch API output
# (billed at the Batch tier, which only the streaming reader prices).
STREAMING_ONLY = {"langfuse-batch", "otel-otlp-span", "otel-nested-attributes", "openai-batch-output"}


def _vary(node: Any, i: int) -> Any:
    """Copy `i` of a record: its ids made unique, its token counts and time shifted."""
    if isinstance(node, dict):
        return {k: (f"{v}-{i}" if k in ID_KEYS and isinstance(v, str) else _vary(v, i)) for k, v in node.items()}
    if isinstance(node, list):
        return [_vary(x, i) for x in node]
    if isinstance(node, int) and not isinstance(node, bool) and 0 < node < 1_000_000:
        return node + (i * 37) % 1000
    return node


def _both(path: Path, first: dict[str, Any]) -> tuple[BaselineSummary | None, BaselineSummary]:
    dialect = detect_dialect(first)
    assert dialect is not None and dialect.name in duck.NESTED
    fast = duck.summarize_log(path, "u", THRESHOLDS, dialect.name, first)
    slow = BaselineSummary(paths=["u"], thresholds=THRESHOLDS)
    _read_one(path, "u", slow, None)
    return fast, slow


NESTED_CASES = [c for c in CASES if c.values[0] in duck.NESTED]


@pytest.mark.parametrize("name, record, expected", NESTED_CASES)
def test_every_dialect_sample_reads_the_same_in_both_engines(
    tmp_path: Path, name: str, record: dict[str, Any], expected: dict[str, Any]
) -> None:
    records = [_vary(record, i) for i in range(40)]
    fast, slow = _both(write_jsonl(tmp_path / "u.jsonl", records), records[0])
    assert slow.requests >= 40 and slow.bad_rows == 0
    shape = next(c.id for c in NESTED_CASES if c.values[1] is record)
    if shape in STREAMING_ONLY:
        assert fast is None  # left to the streaming reader, never misread
    else:
        assert fast is not None, shape
        assert _canon(fast) == _canon(slow)


@pytest.mark.parametrize("name", [O3_MINI, RESPONSES, OPENROUTER, CLAUDE_CACHE])
@pytest.mark.parametrize("wrap", ["flat", "response", "batch"])
def test_real_recorded_bodies_read_the_same_in_both_engines(tmp_path: Path, name: str, wrap: str) -> None:
    bodies = cassette_bodies(name)
    lines: list[dict[str, Any]] = []
    for i in range(30):
        body = _vary(bodies[i % len(bodies)], i)
        ts, tag = f"2025-05-{i % 28 + 1:02d}T10:00:00Z", ["chat", "search"][i % 2]
        if wrap == "flat":
            lines.append({**body, "ts": ts, "feature_tag": tag})
        elif wrap == "response":
            lines.append({"ts": ts, "feature_tag": tag, "response": body})
        else:
            lines.append(
                {
                    "id": f"batch_req_{i}",
                    "custom_id": f"{tag}-{i}",
                    "error": None,
                    "response": {"status_code": 200, "request_id": f"req_{i}", "body": body},
                }
            )
    fast, slow = _both(write_jsonl(tmp_path / "u.jsonl", lines), lines[0])
    assert slow.requests == 30
    if wrap == "batch":  # Batch tier: the streaming reader's
        assert fast is None
        return
    assert fast is not None
    assert _canon(fast) == _canon(slow)


def _openai_lines(n: int) -> list[dict[str, Any]]:
    return [
        {
            "ts": f"2026-03-{i % 28 + 1:02d}T10:00:00Z",
            "feature_tag": "s",
            "response": {
                "id": f"chatcmpl-{i}",
                "model": "gpt-4o-mini",
                "choices": [{"finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100 + i, "completion_tokens": 10},
            },
        }
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda lines: lines.append("not json"), id="malformed-line"),
        pytest.param(lambda lines: lines.append(json.dumps(_openai_lines(1)[0])), id="request-id-seen-twice"),
        pytest.param(
            lambda lines: lines.append(
                json.dumps(
                    {"ts": "2026-03-02T00:00:00Z", "response": {"model": "gpt-4o", "usage": {"prompt_tokens": 10.5}}}
                )
            ),
            id="fractional-count",
        ),
        pytest.param(
            lambda lines: lines.append(
                json.dumps({"ts": "2026-03-02T00:00:00Z", "response": {"model": "gpt-4o", "usage": [1, 2]}})
            ),
            id="usage-not-an-object",
        ),
        pytest.param(
            lambda lines: lines.append(
                json.dumps({"ts": "yesterday", "response": {"model": "gpt-4o", "usage": {"prompt_tokens": 10}}})
            ),
            id="bad-timestamp",
        ),
        pytest.param(
            lambda lines: lines.append(json.dumps({"model": "gpt-4o", "usage": {"prompt_tokens": 10}})),
            id="body-elsewhere",
        ),
    ],
)
def test_a_record_it_cannot_read_exactly_goes_to_the_streaming_reader(tmp_path: Path, spoil: Any) -> None:
    lines = [json.dumps(line) for line in _openai_lines(50)]
    spoil(lines)
    path = tmp_path / "u.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert duck.summarize_log(path, "u", THRESHOLDS, "openai", _openai_lines(1)[0]) is None
    slow = BaselineSummary(paths=["u"], thresholds=THRESHOLDS)
    _read_one(path, "u", slow, None)
    assert slow.bad_rows + slow.duplicates >= 1 or slow.requests == 51


def test_a_large_nested_log_is_read_by_duckdb_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through `summarize_baseline`: the engine is used past MIN_BYTES, and the result is the same."""
    path = write_jsonl(tmp_path / "u.jsonl", _openai_lines(500))
    slow = summarize_baseline([path], THRESHOLDS)
    calls: list[str] = []
    real = duck.summarize_with_duckdb

    def spy(*args: Any, **kwargs: Any) -> BaselineSummary | None:
        result = real(*args, **kwargs)
        calls.append("read" if result is not None else "declined")
        return result

    monkeypatch.setattr(duck, "MIN_BYTES", 0)
    monkeypatch.setattr(duck, "summarize_with_duckdb", spy)
    fast = summarize_baseline([path], THRESHOLDS)
    assert calls == ["read"]
    assert _canon(fast) == _canon(slow)


def test_body_level_follows_body_of() -> None:
    body = {"model": "m", "usage": {"prompt_tokens": 1}}
    assert [
        body_level(r)
        for r in (body, {"response": body}, {"response": {"body": body}}, {"body": body}, {"response": {"x": 1}})
    ] == [0, 1, 2, 3, -1]


def test_the_engine_never_prints_a_progress_bar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB draws a progress bar on stdout for a slow query: inside `--format json` output it would
    break the report, so every connection turns it off before the query runs."""
    import duckdb

    statements: list[str] = []
    real = duckdb.connect

    class Recording:
        def __init__(self, con: Any) -> None:
            self.con = con

        def execute(self, sql: str) -> Any:
            statements.append(sql)
            return self.con.execute(sql)

        def close(self) -> None:
            self.con.close()

    monkeypatch.setattr(duckdb, "connect", lambda **kwargs: Recording(real(**kwargs)))
    path = write_jsonl(tmp_path / "u.jsonl", _openai_lines(20))
    assert duck.summarize_log(path, "u", THRESHOLDS, "openai", _openai_lines(1)[0]) is not None
    assert statements[0] == "SET enable_progress_bar = false"
    assert statements[-1].lstrip().startswith("WITH raw AS")  # the query runs after every setting


# -- request ids in the flat dialect: one scan when no row has one --------------------------------

ID_CASES = [
    pytest.param({}, (0, False), id="no-ids-one-scan"),
    pytest.param({299: {"request_id": "last-only"}}, (0, True), id="an-id-on-the-last-row-only"),
    pytest.param({10: {"response": {"id": "r1"}}, 20: {"response": {"id": "r1"}}}, (1, True), id="wrapped-id-repeated"),
    pytest.param(
        {5: {"trace_id": "t", "attempt": 1}, 6: {"trace_id": "t", "attempt": 1}, 7: {"trace_id": "t", "attempt": 2}},
        (1, True),
        id="trace-and-attempt-repeated",
    ),
    pytest.param({3: {"id": None}, 4: {"id": None}}, (0, False), id="null-ids-are-no-ids"),
]


@pytest.mark.parametrize("extra, expected", ID_CASES)
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_flat_request_ids_are_counted_only_when_a_row_has_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[int, dict[str, Any]], expected: Any, suffix: str
) -> None:
    """The flat query learns whether any row carries an id; only then does `duck_ids` scan the file
    again to count repeats exactly.  Both engines agree either way."""
    import csv

    from aiopt_hooks.baseline import duck_ids
    from tests.support.repos import usage_rows

    rows = usage_rows("summarize", "gpt-4o-mini", 300, 1000, 100)
    for i, more in extra.items():
        rows[i].update(more)
    path = tmp_path / f"u{suffix}"
    if suffix == ".csv":
        flat = [{k: (f"{v['id']}" if isinstance(v, dict) else v) for k, v in r.items()} for r in rows]
        names = list(dict.fromkeys(k for r in flat for k in r))
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=[n if n != "response" else "response.id" for n in names])
            writer.writeheader()
            writer.writerows([{("response.id" if k == "response" else k): v for k, v in r.items()} for r in flat])
    else:
        write_jsonl(path, rows)
    scans: list[str] = []
    real = duck_ids.repeated_ids

    def spy(*args: Any) -> tuple[int, list[str]] | None:
        scans.append("ids")
        return real(*args)

    monkeypatch.setattr(duck_ids, "repeated_ids", spy)
    monkeypatch.setattr(duck, "MIN_BYTES", 0)
    fast = summarize_baseline([path], THRESHOLDS)
    monkeypatch.setattr(duck, "MIN_BYTES", 1 << 62)
    slow = summarize_baseline([path], THRESHOLDS)
    duplicates, scanned = expected
    assert (fast.duplicates, slow.duplicates, bool(scans)) == (duplicates, duplicates, scanned)
    assert fast.requests == slow.requests == 300
