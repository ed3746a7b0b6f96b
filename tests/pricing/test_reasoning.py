"""Tests for aiopt_hooks.pricing.reasoning and .reasoning_kinds: reasoning models, effort, thinking budgets.

Prices (genai-prices, USD per 1M tokens, input / output, reasoning billed as output): gpt-4o-mini
0.15 / 0.60; gpt-5-mini 0.25 / 2.00; o3-mini 1.10 / 4.40; gpt-4.1-mini 0.40 / 1.60; claude-sonnet-4-5
3.00 / 15.00.  Logs from `usage_rows` span 10 days: monthly = window x 3, so 100 requests make a
token-month factor of 300.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.estimate import estimate_changes
from aiopt_hooks.pricing.prices import PriceBook, tier_thresholds
from aiopt_hooks.pricing.reasoning import PRIORS, Profile, profile
from aiopt_hooks.records import Change, ChangeEstimate, Estimate
from tests.support.repos import usage_rows, write_log


def run(tmp_path: Path, rows: list[dict[str, Any]], changes: list[Change]) -> Estimate:
    config = Config()
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())
    return estimate_changes(changes, summary, config, PriceBook(config))


def change(field: str, old: Any, new: Any, feature: str = "summarize", **spec: Any) -> Change:
    return Change(file="config/llm.yaml", feature=feature, field=field, old=old, new=new, line=3, spec=spec)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-6, abs=1e-9)


def triple(r: ChangeEstimate) -> tuple[float, float, float]:
    return r.delta_monthly_usd_low, r.delta_monthly_usd, r.delta_monthly_usd_high


PROFILES = [
    pytest.param("gpt-4o", {}, Profile("", "none"), id="not-reasoning"),
    pytest.param("gpt-5-mini", {}, Profile("openai-gpt-5", "medium"), id="gpt-5-default-medium"),
    pytest.param("gpt-5-mini", {"reasoning_effort": "minimal"}, Profile("openai-gpt-5", "minimal"), id="effort"),
    pytest.param("gpt-5.1", {}, Profile("openai-gpt-5.1+", "none"), id="gpt-5.1-default-none"),
    pytest.param("gpt-5-chat-latest", {}, Profile("openai-chat", "none"), id="gpt-5-chat"),
    pytest.param("o3", {}, Profile("openai-o", "medium"), id="o-series"),
    pytest.param("claude-sonnet-4-5", {}, Profile("anthropic-thinking", "none"), id="claude-no-thinking"),
    pytest.param(
        "claude-sonnet-4-5", {"thinking_budget": 2048}, Profile("anthropic-thinking", "dynamic"), id="claude-thinking"
    ),
    pytest.param("gemini-2.5-flash", {}, Profile("gemini-2.5", "dynamic"), id="gemini-flash-thinks"),
    pytest.param("gemini-2.5-flash", {"thinking_budget": 0}, Profile("gemini-2.5", "none"), id="gemini-budget-0"),
    pytest.param("gemini-2.5-pro", {"thinking_budget": 0}, Profile("gemini-2.5", "dynamic"), id="gemini-pro-always"),
    pytest.param("gemini-2.5-flash-lite", {}, Profile("gemini-flash-lite", "none"), id="flash-lite-off"),
    pytest.param(
        "gemini-2.5-flash-lite",
        {"thinking_budget": -1},
        Profile("gemini-flash-lite", "dynamic"),
        id="flash-lite-dynamic",
    ),
    pytest.param("deepseek-reasoner", {}, Profile("deepseek-r1", "dynamic"), id="deepseek-r1"),
    pytest.param("grok-4-fast-non-reasoning", {}, Profile("grok-non-reasoning", "none"), id="grok-non-reasoning"),
    pytest.param("grok-3-mini", {}, Profile("grok-reasoning", "dynamic"), id="grok-reasoning"),
]


@pytest.mark.parametrize(("model", "spec", "expected"), PROFILES)
def test_profile(model: str, spec: dict[str, Any], expected: Profile) -> None:
    assert profile(None, spec, model) == expected


# summarize: 100 requests x (1,000 in, 330 visible out) on gpt-4o-mini: 0.000348/request -> 0.1044/month.
# gpt-5-mini without reasoning: 0.00091/request -> 0.273/month; reasoning r per visible token adds
# 330 r x 2e-6 x 300 = 0.198 r a month.
BASE = 0.1044
SWAP = 0.273


def test_swap_into_a_reasoning_model_adds_reasoning_from_the_prior(tmp_path: Path) -> None:
    est = run(
        tmp_path,
        usage_rows("summarize", "gpt-4o-mini", 100, 1000, 330),
        [change("model", "gpt-4o-mini", "gpt-5-mini", model="gpt-5-mini")],
    )
    (result,) = est.changes
    low, mid, high = PRIORS["medium"]
    assert triple(result) == (
        approx(SWAP + 0.198 * low - BASE),
        approx(SWAP + 0.198 * mid - BASE),
        approx(SWAP + 0.198 * high - BASE),
    )
    # A realistic reasoning share (1x to several times the visible answer) is inside the range.
    assert (
        result.delta_monthly_usd_low < SWAP + 0.198 * 1 - BASE < SWAP + 0.198 * 4 - BASE < result.delta_monthly_usd_high
    )
    assert result.confidence == "low"
    assert any("documented prior" in n for n in result.notes)
    assert not [f for f in est.findings if f.code == "reasoning_cap"]


CAPS = [
    # 330 visible + 2.5 x 330 reasoning = 1,155 tokens: a cap of 512 cuts every answer (the billed
    # output stops at the cap: 0.00025 + 512 x 2e-6 = 0.001274/request -> 0.3822/month).
    pytest.param(512, True, 0.3822 - BASE, id="tight-cap"),
    pytest.param(8000, False, SWAP + 0.198 * 2.5 - BASE, id="roomy-cap"),
]


@pytest.mark.parametrize(("cap", "finding", "delta"), CAPS)
def test_cap_covering_reasoning(tmp_path: Path, cap: int, finding: bool, delta: float) -> None:
    est = run(
        tmp_path,
        usage_rows("summarize", "gpt-4o-mini", 100, 1000, 330),
        [change("model", "gpt-4o-mini", "gpt-5-mini", model="gpt-5-mini", max_output_tokens=cap)],
    )
    (result,) = est.changes
    assert result.delta_monthly_usd == approx(delta)
    found = [f for f in est.findings if f.code == "reasoning_cap"]
    assert bool(found) == finding
    if found:
        assert "expected 100% of answers" in found[0].message and found[0].level == "warn"


def test_reasoning_ratio_learned_from_the_log(tmp_path: Path) -> None:
    # `research` already runs gpt-5-mini: 900 output tokens of which 600 reasoning -> 2.0 per visible token.
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, 330) + usage_rows(
        "research", "gpt-5-mini", 50, 1000, 900, reasoning_tokens=600
    )
    est = run(tmp_path, rows, [change("model", "gpt-4o-mini", "gpt-5-mini", model="gpt-5-mini")])
    (result,) = est.changes
    assert triple(result) == (
        approx(SWAP + 0.198 * 1.0 - BASE),
        approx(SWAP + 0.198 * 2.0 - BASE),
        approx(SWAP + 0.198 * 4.0 - BASE),
    )
    assert result.confidence == "medium"
    assert any("learned from 50 of other features' log rows of gpt-5-mini: 2.00" in n for n in result.notes)


def test_swap_out_of_a_reasoning_model_removes_logged_reasoning(tmp_path: Path) -> None:
    # o3-mini: 1000 x 1.1e-6 + 900 x 4.4e-6 = 0.00506 -> 1.518/month; gpt-4.1-mini bills the 300
    # visible tokens only: 1000 x 0.4e-6 + 300 x 1.6e-6 = 0.00088 -> 0.264/month.
    est = run(
        tmp_path,
        usage_rows("summarize", "o3-mini", 100, 1000, 900, reasoning_tokens=600),
        [change("model", "o3-mini", "gpt-4.1-mini", model="gpt-4.1-mini")],
    )
    (result,) = est.changes
    assert triple(result) == (approx(0.264 - 1.518),) * 3


def test_swap_out_when_the_log_hides_reasoning_uses_the_prior(tmp_path: Path) -> None:
    # o3-mini rows with 900 output tokens and no reasoning split: visible = 900 / (1 + r).
    est = run(
        tmp_path,
        usage_rows("summarize", "o3-mini", 100, 1000, 900),
        [change("model", "o3-mini", "gpt-4.1-mini", model="gpt-4.1-mini")],
    )
    (result,) = est.changes
    expected = [(1000 * 0.4e-6 + 900 / (1 + r) * 1.6e-6) * 300 - 1.518 for r in PRIORS["medium"]]
    assert triple(result) == (approx(min(expected)), approx(expected[1]), approx(max(expected)))
    assert result.confidence == "low"


# claude-sonnet-4-5, 100 requests x (1,000 in, 300 visible out): a thinking token costs 15e-6 x 300 a month.
TOKEN = 15e-6 * 300
BUDGETS = [
    pytest.param(None, 2048, {}, tuple(min(r * 300, 2048) * TOKEN for r in PRIORS["dynamic"]), id="off-to-on"),
    pytest.param(2048, None, {"reasoning_tokens": 500}, (-500 * TOKEN,) * 3, id="on-to-off-logged"),
    pytest.param(2048, 0, {"reasoning_tokens": 500}, (-500 * TOKEN,) * 3, id="zero-is-off"),
    # a lowered budget: 0.9x-1.25x the saving the cells' mean reasoning gives (per-request min is lower)
    pytest.param(
        2048,
        256,
        {"reasoning_tokens": 500},
        (-1.25 * 244 * TOKEN, -244 * TOKEN, -0.9 * 244 * TOKEN),
        id="lowered-logged",
    ),
    pytest.param(2048, 4096, {"reasoning_tokens": 500}, (0.0,) * 3, id="raised-not-reached"),
    pytest.param(1024, 4096, {"reasoning_tokens": 1000}, (0.0, 1548 * TOKEN, 3096 * TOKEN), id="raised-reached"),
]


@pytest.mark.parametrize(("old", "new", "extra", "deltas"), BUDGETS)
def test_thinking_budget_is_priced(
    tmp_path: Path, old: int | None, new: int | None, extra: dict[str, Any], deltas: tuple[float, float, float]
) -> None:
    out = 300 + int(extra.get("reasoning_tokens", 0))
    rows = usage_rows("summarize", "claude-sonnet-4-5", 100, 1000, out, provider="anthropic", **extra)
    est = run(tmp_path, rows, [change("thinking_budget", old, new, model="claude-sonnet-4-5", thinking_budget=new)])
    (result,) = est.changes
    assert result.priced
    assert triple(result) == tuple(approx(d) for d in deltas)
    assert result.confidence != "high" or deltas[0] == deltas[2]


EFFORTS = [
    # gpt-5-mini rows: 900 output of which 600 reasoning; medium -> high scales reasoning by the
    # priors' (1.5, 5, 15) / 2.5; a reasoning token-month costs 2e-6 x 300.
    pytest.param(
        "medium",
        "high",
        {"reasoning_tokens": 600},
        tuple(600 * (f / 2.5 - 1) * 2e-6 * 300 for f in PRIORS["high"]),
        id="logged-medium-to-high",
    ),
    # gpt-4o-mini is no reasoning model: the setting bills nothing.
    pytest.param("low", "high", {}, (0.0, 0.0, 0.0), id="not-a-reasoning-model"),
]


@pytest.mark.parametrize(("old", "new", "extra", "deltas"), EFFORTS)
def test_reasoning_effort(
    tmp_path: Path, old: str, new: str, extra: dict[str, Any], deltas: tuple[float, float, float]
) -> None:
    model = "gpt-5-mini" if extra else "gpt-4o-mini"
    rows = usage_rows("summarize", model, 100, 1000, 900, **extra)
    est = run(tmp_path, rows, [change("reasoning_effort", old, new, model=model, reasoning_effort=new)])
    (result,) = est.changes
    assert result.priced
    assert triple(result) == tuple(approx(d) for d in deltas)


def test_effort_none_to_high_adds_reasoning(tmp_path: Path) -> None:
    # gpt-5.1 defaults to no reasoning; effort high adds the prior's reasoning to the 330 visible tokens.
    est = run(
        tmp_path,
        usage_rows("summarize", "gpt-5.1", 100, 1000, 330),
        [change("reasoning_effort", None, "high", model="gpt-5.1", reasoning_effort="high")],
    )
    (result,) = est.changes
    assert triple(result) == tuple(approx(330 * r * 10e-6 * 300) for r in PRIORS["high"])
    assert result.confidence == "low"


def test_reasoning_ratio_learned_from_the_family(tmp_path: Path) -> None:
    # `research` runs gpt-5-nano (the gpt-5 family) with 2.0 reasoning tokens per visible token; no
    # rows of gpt-5-mini: the family's ratio, with a wider range (0.4x-2.5x) and low confidence.
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, 330) + usage_rows(
        "research", "gpt-5-nano", 50, 1000, 900, reasoning_tokens=600
    )
    est = run(tmp_path, rows, [change("model", "gpt-4o-mini", "gpt-5-mini", model="gpt-5-mini")])
    (result,) = est.changes
    assert triple(result) == (
        approx(SWAP + 0.198 * 0.8 - BASE),
        approx(SWAP + 0.198 * 2.0 - BASE),
        approx(SWAP + 0.198 * 5.0 - BASE),
    )
    assert result.confidence == "low"
    assert any("log rows of other openai-gpt-5 models" in n for n in result.notes)


@pytest.mark.parametrize(
    ("budget", "cap", "finding"),
    [
        pytest.param(2048, 1024, "not below max_tokens", id="budget-over-cap"),
        pytest.param(1024, 16000, None, id="room-to-answer"),
    ],
)
def test_anthropic_budget_against_max_tokens(tmp_path: Path, budget: int, cap: int, finding: str | None) -> None:
    rows = usage_rows("summarize", "claude-sonnet-4-5", 100, 1000, 300, provider="anthropic")
    est = run(
        tmp_path,
        rows,
        [
            change(
                "thinking_budget",
                None,
                budget,
                model="claude-sonnet-4-5",
                thinking_budget=budget,
                max_output_tokens=cap,
            )
        ],
    )
    found = [f.message for f in est.findings if f.code == "reasoning_cap"]
    assert (finding is None and not found) or (finding is not None and finding in found[0])
