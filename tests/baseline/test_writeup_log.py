"""The AIOpt write-up's sample log: `timestamp, model_id, prompt_tokens, response_tokens, total_tokens,
cost, endpoint, user_id` reads as a dialect; `endpoint` tags the feature when nothing better exists;
`user_id` is counted, never printed or stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.dialects.registry import detect_dialect
from aiopt_hooks.baseline.model import summary_to_dict
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.cli import main

# Lines in the write-up's field order (its own sample file is not vendored here; these follow its
# documented columns, one model per provider family it names).
SAMPLE = [
    {
        "timestamp": "2024-05-01T09:15:22Z",
        "model_id": "gpt-4o",
        "prompt_tokens": 1250,
        "response_tokens": 310,
        "total_tokens": 1560,
        "cost": 0.006225,
        "endpoint": "/api/summarize",
        "user_id": "u_1842",
    },
    {
        "timestamp": "2024-05-01T09:16:03Z",
        "model_id": "gpt-4o-mini",
        "prompt_tokens": 430,
        "response_tokens": 95,
        "total_tokens": 525,
        "cost": 0.0001215,
        "endpoint": "/api/classify",
        "user_id": "u_0771",
    },
    {
        "timestamp": "2024-05-02T10:01:44Z",
        "model_id": "claude-3-5-sonnet-20241022",
        "prompt_tokens": 2100,
        "response_tokens": 640,
        "total_tokens": 2740,
        "cost": 0.0159,
        "endpoint": "/api/chat",
        "user_id": "u_1842",
    },
    {
        "timestamp": "2024-05-03T17:45:10Z",
        "model_id": "gpt-4o",
        "prompt_tokens": 980,
        "response_tokens": 205,
        "total_tokens": 1185,
        "cost": 0.0045,
        "endpoint": "/api/summarize",
        "user_id": "u_3310",
    },
]
THRESHOLDS = (200_000,)


def _log(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "usage.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("row", SAMPLE, ids=lambda r: r["model_id"])
def test_each_sample_line_is_detected_as_the_writeup_dialect(row: dict[str, Any]) -> None:
    dialect = detect_dialect(row)
    assert dialect is not None and dialect.name == "writeup"
    request = dialect.normalize(row)
    assert (request.model, request.input, request.output) == (
        row["model_id"],
        row["prompt_tokens"],
        row["response_tokens"],
    )
    assert request.feature == row["endpoint"] and request.cost == row["cost"] and request.ts is not None


def test_the_sample_parses_with_users_counted(tmp_path: Path) -> None:
    summary = summarize_baseline([_log(tmp_path, SAMPLE)], THRESHOLDS)
    assert (summary.requests, summary.bad_rows, summary.users) == (4, 0, 3)
    assert {g.feature for g in summary.groups.values()} == {"/api/summarize", "/api/classify", "/api/chat"}
    assert sum(g.stated_cost for g in summary.groups.values()) == pytest.approx(0.0267465)
    assert "u_1842" not in json.dumps(summary_to_dict(summary))  # never stored in a summary or cache


@pytest.mark.parametrize(
    ("extra", "feature", "output"),
    [
        pytest.param({"feature_tag": "summarize"}, "summarize", 310, id="a-real-tag-wins-over-endpoint"),
        pytest.param({"response_tokens": None}, "/api/summarize", 310, id="output-from-total"),
    ],
)
def test_fallbacks(extra: dict[str, Any], feature: str, output: int) -> None:
    row = {**SAMPLE[0], **extra}
    request = detect_dialect(row).normalize(row)  # type: ignore[union-attr]
    assert (request.feature, request.output) == (feature, output)


def test_a_bad_line_is_counted_not_fatal(tmp_path: Path) -> None:
    bad = {**SAMPLE[0], "response_tokens": None, "total_tokens": 10}
    summary = summarize_baseline([_log(tmp_path, [*SAMPLE, bad])], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (4, 1)


def test_scan_never_prints_a_user_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _log(tmp_path, SAMPLE)
    for fmt in ("text", "json", "markdown"):
        assert main(["scan", str(log), "--repo", str(tmp_path), "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert "u_1842" not in out and "u_0771" not in out
    assert main(["scan", str(log), "--repo", str(tmp_path)]) == 0
    assert "3 distinct users" in capsys.readouterr().out
