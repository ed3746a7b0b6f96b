"""Secrets and prompt text never leave in the output.

Values that look like API keys are masked wherever they would be printed (the report in every
format, error lines, the CI job summary); environment references are printed as written; the JSON
output never carries prompt text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.redact import one_line, redact
from tests.support.cli import add_config
from tests.support.repos import GitRepo, edit, swap_model

OPENAI_KEY = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
KEYS = [
    OPENAI_KEY,
    "sk-ant-api03-" + "Zx9" * 12,
    "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv",
    "AKIAIOSFODNN7EXAMPLE",
    "gsk_" + "q1W2e3R4t5Y6" * 3,
    "hf_" + "aBcDeFgHiJ" * 3,
    "0123456789abcdef0123456789abcdef",
    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
]


@pytest.mark.parametrize("key", KEYS)
def test_keys_are_masked(key: str) -> None:
    text = f"fallbacks: gpt-4o, {key} -> x"
    masked = redact(text)
    assert key not in masked and "[redacted]" in masked and masked.startswith("fallbacks: gpt-4o, ")


@pytest.mark.parametrize(
    "text",
    [
        "${OPENAI_API_KEY}",
        "os.environ/AZURE_API_KEY",
        "env:ANTHROPIC_API_KEY",
        "gpt-4o-2024-08-06",
        "accounts/fireworks/models/llama-v3p1-405b-instruct",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "fingerprint 39ee323ccbd25206",
        "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        "+$139.03/month",
        "task-summarize-v2",
        "sk-short",
    ],
)
def test_references_and_ordinary_values_are_kept(text: str) -> None:
    assert redact(text) == text


def test_one_line_is_short_and_flat() -> None:
    assert one_line("a\nb  " + "x" * 10_000, 50) == "a b " + "x" * 45 + "…"


def test_keys_in_config_files_never_reach_the_output(
    app: GitRepo, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key pasted into the fallbacks (and an env reference as the model) in a watched config."""
    edit(
        app,
        "config/llm.yaml",
        "    max_tokens: 512\n",
        f"    max_tokens: 512\n    fallbacks:\n"
        f"      - {{model: gpt-4o-mini, api_key: {OPENAI_KEY}, password: hunter2x}}\n"
        f"      - {OPENAI_KEY}\n    api_key: {OPENAI_KEY}\n",
    )
    edit(app, "config/llm.yaml", "model: gpt-4.1-nano", "model: ${NANO_MODEL}")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outputs = [run("--format", fmt) for fmt in ("text", "json", "markdown")]
    for result in outputs:
        assert OPENAI_KEY not in result.out + result.err
    assert OPENAI_KEY not in summary.read_text()
    assert "${NANO_MODEL}" in outputs[1].out  # a reference is shown as the reference
    edit(app, "config/llm.yaml", "model: ${NANO_MODEL}", f"model: {OPENAI_KEY}")  # pasted in the wrong place
    explained = [run("--format", fmt, entry=lambda args: main(["explain", *args])) for fmt in ("text", "json")]
    assert all(OPENAI_KEY not in r.out + r.err for r in explained)
    fallbacks = next(c for c in outputs[1].json()["changes"] if c["field"] == "fallbacks")
    assert "hunter2x" not in outputs[1].out  # values under credential keys are not fallbacks
    assert fallbacks["new"][0] == "gpt-4o-mini"


def test_keys_in_error_messages_are_masked(app: GitRepo, run: Any) -> None:
    swap_model(app)
    add_config(app, f"prices:\n  custom:\n    input: {OPENAI_KEY}\n    output: 1\n")
    result = run("--format", "json")
    assert result.code == 2 and OPENAI_KEY not in result.err + result.out and "[redacted]" in result.err


def test_keys_quoted_from_log_rows_are_masked(app: GitRepo, run: Any) -> None:
    log = app.path / "usage.jsonl"
    with open(log, "a") as fh:
        fh.write(
            json.dumps(
                {"ts": "2026-10-01T00:00:00Z", "model": "gpt-4o", "input_tokens": OPENAI_KEY, "output_tokens": 1}
            )
            + "\n"
        )
    swap_model(app)
    result = run("--format", "json")
    assert any(f["code"] == "bad_log_rows" for f in json.loads(result.out)["findings"])
    assert OPENAI_KEY not in result.out


def test_json_output_carries_no_prompt_text(app: GitRepo, run: Any) -> None:
    marker = "CONFIDENTIAL-PROMPT-MARKER"
    prompt = app.path / "prompts" / "summarize.txt"
    prompt.write_text(prompt.read_text() + f"\n{marker}: never summarize the customer's card number.\n" * 40)
    app.stage("prompts/summarize.txt")
    edit(
        app,
        "config/llm.yaml",
        "    prompt: prompts/classify.txt\n",
        f'    prompt: prompts/classify.txt\n    system_prompt: "{marker} inline: be terse"\n',
    )
    for fmt in ("json", "text", "markdown"):
        result = run("--format", fmt)
        assert result.code in (0, 1)
        assert marker not in result.out + result.err
    changes = json.loads(run("--format", "json").out)["changes"]
    assert {c["field"] for c in changes} == {"prompt"} and all(isinstance(c["new"], int) for c in changes)
