"""render/table.py: tables fit 100 columns (or COLUMNS) by narrowing and wrapping; the full detail
stays in JSON and Markdown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiopt_hooks.render.table import fit_table, terminal_width
from aiopt_hooks.render.text import HEADERS
from tests.support.repos import edit, swap_model

ROWS = [
    [
        "summarize",
        "model: gpt-4o-mini -> ollama/llama3.1:8b",
        "$8.87",
        "$147.90",
        "+$139.03",
        "+$120.01 .. +$160.55",
        "high",
    ],
    ["support_chat", "prompt: 1,204 -> 3,518 tokens", "$27.71", "$44.10", "+$16.39", "+$12.00 .. +$19.93", "medium"],
    [
        "a_feature_with_a_long_name",
        "fallbacks: (none) -> anthropic/claude-sonnet-4-5, openai/gpt-4.1",
        "-",
        "-",
        "not priced",
        "",
        "low",
    ],
]


def _columns(text: str) -> list[str]:
    """Each column's text below the rule, read back at the rule's spans, whitespace removed."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if set(line) == {"-", " "})
    rule, lines = lines[at], lines[at - 1 :]
    spans, start = [], 0
    for part in rule.split("  "):
        spans.append((start, start + len(part)))
        start += len(part) + 2
    return ["".join("".join(line[a:b].split()) for line in lines[2:]) for a, b in spans]


@pytest.mark.parametrize("width", [pytest.param(w, id=f"{w}-columns") for w in (200, 120, 100, 80, 60)])
def test_a_table_fits_the_width(width: int) -> None:
    text = fit_table(HEADERS, ROWS, width)
    assert max(len(line) for line in text.splitlines()) <= width, text
    expected = ["".join("".join(row[j].split()) for row in ROWS) for j in range(len(HEADERS))]
    assert _columns(text) == expected, text  # every cell is there, in its column, wrapped, never cut


def test_a_wide_enough_table_is_one_line_a_row() -> None:
    text = fit_table(HEADERS, ROWS[:2], 200)
    lines = text.splitlines()
    assert len(lines) == 4 and lines[1].startswith("---------")
    assert lines[2].split("  ")[0] == "summarize" and "model: gpt-4o-mini -> ollama/llama3.1:8b" in lines[2]


def test_whole_words_are_kept_while_possible() -> None:
    text = fit_table(HEADERS, ROWS[:2], 100)
    assert "ollama/llama3.1:8b" in text and "gpt-4o-mini" in text


def test_too_narrow_overflows_rather_than_losing_text() -> None:
    text = fit_table(["a", "b"], [["x" * 3, "y" * 3]], 5)
    assert "xxx" in text and "yyy" in text


@pytest.mark.parametrize(
    "env, expected",
    [
        pytest.param({}, 100, id="default"),
        pytest.param({"COLUMNS": "132"}, 132, id="columns"),
        pytest.param({"COLUMNS": "0"}, 100, id="zero"),
        pytest.param({"COLUMNS": "wide"}, 100, id="not-a-number"),
    ],
)
def test_terminal_width(env: dict[str, str], expected: int) -> None:
    assert terminal_width(env) == expected


def test_the_check_s_report_fits_and_json_keeps_the_detail(app: Any, run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    swap_model(app, "ollama/llama3.1:8b")
    edit(app, "config/llm.yaml", "max_tokens: 16", "max_tokens: 64")
    text = run("check").out
    table = text.split("\n\n")[1]
    assert "---------" in table and max(len(line) for line in table.splitlines()) <= 100, table
    monkeypatch.setenv("COLUMNS", "70")
    narrow = run("check").out.split("\n\n")[1]
    assert max(len(line) for line in narrow.splitlines()) <= 70, narrow
    data = run("check", "--format", "json").json()
    assert {(c["field"], c["new"]) for c in data["changes"]} == {
        ("model", "ollama/llama3.1:8b"),
        ("max_output_tokens", 64),
    }
    markdown = run("check", "--format", "markdown").out
    assert "| summarize | model: gpt-4o-mini -> ollama/llama3.1:8b |" in markdown
    json.dumps(data)


def test_a_long_model_id_breaks_before_any_money_does() -> None:
    rows = [
        ["summarize", "model: gpt-4o-mini -> gpt-4o", "$8.87", "$147.90", "+$139.03", "+$139.03 .. +$139.03", "high"],
        [
            "extract",
            "model: gemini-2.5-flash -> hosted_vllm/meta-llama/Llama-3.1-70B-Instruct",
            "-",
            "-",
            "not priced",
            "",
            "high",
        ],
    ]
    text = fit_table(HEADERS, rows, 100, last=("change",))
    assert max(len(line) for line in text.splitlines()) <= 100, text
    for money in ("$8.87", "$147.90", "+$139.03"):
        assert money in text, text  # whole, on one line
    assert "model: gpt-4o-mini -> gpt-4o" in text
