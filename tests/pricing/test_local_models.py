"""Local and self-hosted models (pricing/local.py): a finding that says how to price them, never a
hosted namesake's price and never $0 on the guard's own assumption."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aiopt_hooks.pricing.local import local_runtime
from tests.support.repos import GitRepo, swap_model


@pytest.mark.parametrize(
    "ref, provider, expected",
    [
        pytest.param("ollama/llama3.1:8b", None, "Ollama", id="ollama"),
        pytest.param("ollama_chat/qwen2.5-coder:7b", None, "Ollama", id="ollama-chat"),
        pytest.param("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct", None, "vLLM", id="hosted-vllm"),
        pytest.param("lm_studio/llama-3.2-3b-instruct", None, "LM Studio", id="lm-studio"),
        pytest.param("llamacpp/mistral-7b-instruct", None, "llama.cpp", id="llamacpp"),
        pytest.param("llama3.1:8b", "ollama", "Ollama", id="provider-field"),
        pytest.param("openai/gpt-4o", None, None, id="hosted"),
        pytest.param("groq/llama-3.1-8b-instant", None, None, id="hosted-llama"),
        pytest.param("gpt-4o-mini", "openai", None, id="bare"),
    ],
)
def test_local_runtime(ref: str, provider: str | None, expected: str | None) -> None:
    assert local_runtime(ref, provider) == expected


@pytest.mark.parametrize(
    "model",
    [
        "ollama/llama3.1:8b",
        "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct",
        "lm_studio/llama-3.2-3b-instruct",
        "llamacpp/mistral-7b-instruct",
    ],
)
def test_a_local_model_is_a_finding_that_says_how_to_price_it(app: GitRepo, run: Any, model: str) -> None:
    swap_model(app, model)
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "block"  # policy.unknown_model: block, as for any unpriced model
    (finding,) = [f for f in data["findings"] if f["code"] == "local_model"]
    assert (finding["file"], finding["line"]) == ("config/llm.yaml", 4)
    assert "local or self-hosted model" in finding["message"]
    assert f'prices: {{"{model}": {{input: 0, output: 0}}}}' in finding["message"]
    assert not [f for f in data["findings"] if f["code"] == "unknown_model"]


def test_the_prices_line_it_names_prices_the_change(app: GitRepo, run: Any) -> None:
    swap_model(app, "ollama/llama3.1:8b")
    message = run("check", "--format", "json").json()["findings"][0]["message"]
    entry = re.search(r"`prices: (\{.*\})`", message)
    assert entry
    config = app.path / ".aiopt.yaml"
    config.write_text(config.read_text() + f"prices: {entry.group(1)}\n")
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "pass", data["reasons"]
    (change,) = data["changes"]
    assert change["new"] == "ollama/llama3.1:8b" and change["candidate_monthly_usd"] == 0.0
    assert change["delta_monthly_usd"] < -8  # summarize's gpt-4o-mini spend goes away
    config.write_text(config.read_text().replace("{input: 0, output: 0}", "{input: 0.05, output: 0.2}"))
    dearer = run("check", "--format", "json").json()["changes"][0]
    assert 0 < dearer["candidate_monthly_usd"] < dearer["baseline_monthly_usd"]


def test_the_text_report_prints_it_once(app: GitRepo, run: Any) -> None:
    swap_model(app, "ollama/llama3.1:8b")
    out = run("check").out
    assert out.count("is a local or self-hosted model (Ollama)") == 1
    assert "unknown model" not in out
