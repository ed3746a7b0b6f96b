"""Tests for aiopt_hooks.pricing.candidates: what "what would pass" tries, and that it stays bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config, Policy
from aiopt_hooks.pricing import candidates
from aiopt_hooks.pricing.candidates import Trials, cheaper_models, generation, model_candidates, usable
from aiopt_hooks.pricing.estimate import estimate_changes
from aiopt_hooks.pricing.prices import PriceBook, tier_thresholds
from aiopt_hooks.pricing.suggest import what_would_pass
from aiopt_hooks.records import Change
from tests.support.repos import usage_rows, write_log

GENERATIONS = [
    pytest.param("gpt-4o-mini", "gpt-4o", id="gpt-4o-mini"),
    pytest.param("gpt-4.1-nano", "gpt-4.1", id="gpt-4.1-nano"),
    pytest.param("gpt-5-mini", "gpt-5", id="gpt-5-mini"),
    pytest.param("o4-mini", "o4", id="o4-mini"),
    pytest.param("claude-sonnet-4-5", "claude-4-5", id="claude-sonnet-4-5"),
    pytest.param("claude-3-5-haiku-20241022", "claude-3-5", id="claude-dated"),
    pytest.param("gemini-2.5-flash-lite", "gemini-2.5", id="gemini-flash-lite"),
    pytest.param("gpt-4-32k", "gpt-4", id="gpt-4-32k"),
]


@pytest.mark.parametrize(("model", "expected"), GENERATIONS)
def test_generation(model: str, expected: str) -> None:
    assert generation(model) == expected


USABLE = [
    pytest.param("gpt-4o-mini", True, id="current"),
    pytest.param("gpt-3.5-turbo", False, id="retired-gpt-3.5"),
    pytest.param("gpt-4-32k", False, id="retired-gpt-4-32k"),
    pytest.param("o1-preview", False, id="retired-o1-preview"),
    pytest.param("gemini-2.0-flash", False, id="deprecated-gemini-2.0"),
    pytest.param("claude-3-opus-latest", False, id="retired-claude-3-opus"),
    pytest.param("text-embedding-3-small", False, id="not-chat"),
    pytest.param("gpt-4o-mini-tts", False, id="tts"),
]


@pytest.mark.parametrize(("model", "ok"), USABLE)
def test_usable(model: str, ok: bool) -> None:
    assert usable(model) is ok


CANDIDATES = [
    # (blocked new model, its provider, HEAD's model) -> must include / must not include
    pytest.param("gpt-4o", "openai", None, {"gpt-4o-mini"}, ("gpt-3.5", "gpt-4-"), id="gpt-4o"),
    pytest.param("gpt-4o", "openai", "gpt-4o-mini", set(), ("gpt-3.5", "gpt-4-", "gpt-4o-mini"), id="not-heads-model"),
    pytest.param("gpt-5", "openai", "gpt-4.1", {"gpt-5-mini", "gpt-4.1-mini"}, ("gpt-3.5",), id="heads-generation"),
    pytest.param("gpt-4o", "azure", None, {"gpt-4o-mini"}, ("phi-", "wizardlm", "o1"), id="azure-openai"),
    pytest.param("gpt-4-32k", "openai", None, set(), ("o1", "gpt-3.5"), id="retired-target"),
    pytest.param("claude-sonnet-4-5", "anthropic", None, {"claude-haiku-4-5"}, ("claude-3-",), id="claude"),
    pytest.param(
        "gemini-2.5-pro", "google", None, {"gemini-2.5-flash", "gemini-2.5-flash-lite"}, ("gemini-2.0",), id="gemini"
    ),
]


@pytest.mark.parametrize(("new", "provider", "old", "include", "exclude"), CANDIDATES)
def test_model_candidates(
    new: str, provider: str, old: str | None, include: set[str], exclude: tuple[str, ...]
) -> None:
    prices = PriceBook(Config())
    wanted = prices.resolve(new, provider)
    found = [p.model_id for p in cheaper_models(prices, wanted, old)]
    assert include <= set(found) and old not in found and new not in found
    assert not [m for m in found if m.startswith(exclude)]
    assert len(found) == len(set(found)) <= candidates.MAX_MODELS


def test_models_the_team_uses_are_candidates(tmp_path: Path) -> None:
    rows = usage_rows("classify", "gemini-2.5-flash-lite", 50, 500, 10, provider="google")
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())
    prices = PriceBook(Config())
    change = Change("config/llm.yaml", "summarize", "model", None, "gpt-4o", 3, {"model": "gpt-4o"})
    found = [p.model_id for p in model_candidates(prices, summary, change, prices.resolve("gpt-4o"))]
    assert found == ["gpt-4o-mini", "gemini-2.5-flash-lite"]


def big_commit(tmp_path: Path, n: int) -> tuple[BaselineSummary, list[Change]]:
    rows = [r for i in range(n) for r in usage_rows(f"f{i}", "gpt-4o-mini", 20, 1000, 200)]
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())
    changes = [
        Change("config/llm.yaml", f"f{i}", "model", "gpt-4o-mini", "gpt-4o", i + 1, {"model": "gpt-4o"})
        for i in range(n)
    ] + [
        Change(
            "config/llm.yaml",
            f"f{i}",
            "max_output_tokens",
            256,
            4096,
            i + 1,
            {"model": "gpt-4o", "max_output_tokens": 4096},
        )
        for i in range(n)
    ]
    return summary, changes


def test_suggestions_are_bounded_for_a_huge_commit(tmp_path: Path) -> None:
    summary, changes = big_commit(tmp_path, 120)
    config = Config(policy=Policy(block={"monthly_increase_usd": 1.0}))
    prices = PriceBook(config)
    est = estimate_changes(changes, summary, config, prices)
    started = time.monotonic()
    out = what_would_pass(est, changes, summary, config, prices)
    elapsed = time.monotonic() - started
    assert elapsed < candidates.TIME_BUDGET_S + 1.0
    trials = Trials(summary, config, prices, changes, est)
    assert trials.delta(changes[0], changes[0]) == pytest.approx(est.delta)  # the same change: the same total
    keys = [(s["feature"], s["field"], s["value"]) for s in out]
    assert len(keys) == len(set(keys))
    assert {s["feature"] for s in out} <= {c.change.feature for c in candidates.select_changes(est)}
