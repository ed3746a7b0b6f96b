"""Untagged rows of another kind (embeddings, moderation, audio) never lower chat features' confidence;
untagged chat rows still do (pricing/request_kind.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.pricing.request_kind import request_kind
from tests.support.repos import GitRepo, usage_rows, write_log


@pytest.mark.parametrize(
    "model, kind",
    [
        pytest.param("text-embedding-3-small", "embedding", id="openai-embedding"),
        pytest.param("openai/text-embedding-ada-002", "embedding", id="prefixed-embedding"),
        pytest.param("gemini-embedding-001", "embedding", id="gemini-embedding"),
        pytest.param("voyage-3-large", "embedding", id="voyage"),
        pytest.param("omni-moderation-latest", "moderation", id="moderation"),
        pytest.param("whisper-1", "audio", id="whisper"),
        pytest.param("gpt-4o-mini-transcribe", "audio", id="transcribe"),
        pytest.param("tts-1-hd", "audio", id="tts"),
        pytest.param("dall-e-3", "image", id="dall-e"),
        pytest.param("rerank-english-v3.0", "rerank", id="rerank"),
        pytest.param("gpt-4o-mini", "chat", id="gpt-4o-mini"),
        pytest.param("claude-3-5-haiku", "chat", id="claude"),
        pytest.param("ollama/llama3.1:8b", "chat", id="local"),
    ],
)
def test_request_kind(model: str, kind: str) -> None:
    assert request_kind(model) == kind


def _app(repo: GitRepo, untagged_model: str) -> None:
    repo.write(
        ".aiopt.yaml",
        "version: 1\nbaseline:\n  path: usage.jsonl\npolicy:\n  block:\n"
        "    monthly_increase_usd: 1000\nwatch: ['llm.yaml']\n",
    )
    repo.write("llm.yaml", "features:\n  summarize:\n    model: gpt-4o-mini\n    max_tokens: 512\n")
    rows = usage_rows("summarize", "gpt-4o-mini", 400, 2000, 300)
    rows += [{**r, "feature_tag": None} for r in usage_rows("", untagged_model, 600, 300, 0)]
    write_log(repo.path / "usage.jsonl", rows)
    repo.stage()
    repo.commit("app")
    (repo.path / "llm.yaml").write_text("features:\n  summarize:\n    model: gpt-4o\n    max_tokens: 512\n")
    repo.stage()


def _check(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    import json

    capsys.readouterr()
    main(["check", "--repo", str(repo.path), "--format", "json"])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_untagged_embeddings_keep_a_chat_feature_s_confidence(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path)
    _app(repo, "text-embedding-3-small")  # 60% of the rows: untagged embeddings
    data = _check(repo, capsys)
    (change,) = data["changes"]
    assert change["confidence"] == "high", change
    assert not any("no feature tag" in n for n in change["notes"])
    assert any("600 untagged log rows are of another kind (embedding)" in n for n in data["notes"])


def test_untagged_chat_rows_still_lower_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(repo.path)
    _app(repo, "gpt-4.1-nano")  # 60% of the rows: untagged chat
    (change,) = _check(repo, capsys)["changes"]
    assert change["confidence"] == "low"
    assert "60% of chat log rows have no feature tag" in change["notes"]
