"""Tests for aiopt_hooks.pricing.estimate (hand-checked dollars), aiopt_hooks.pricing.fit, aiopt_hooks.verdict.policy and
aiopt_hooks.config.

Prices used below (genai-prices, USD per 1M tokens, input / output):
  gpt-4o-mini 0.15 / 0.60;  gpt-4o 2.50 / 10.00;  gemini-2.5-flash 0.30 / 2.50;
  claude-sonnet-4-5 3.00 / 15.00 up to 200k input tokens, 6.00 / 22.50 above (the whole request).
Logs from `usage_rows` span `days` days (default 10), so monthly = window cost x 30 / 10 = x 3.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config, Policy, build_config, load_config, parse_config_text
from aiopt_hooks.errors import AioptError
from aiopt_hooks.pricing.estimate import Estimator, estimate_changes
from aiopt_hooks.pricing.fit import expected_capped_tail, fit_censored_lognormal
from aiopt_hooks.pricing.prices import PriceBook, tier_thresholds
from aiopt_hooks.records import Change, ChangeEstimate, Estimate, Finding, Verdict
from aiopt_hooks.render.reasons import verdict_reasons
from aiopt_hooks.verdict.decide import decide
from aiopt_hooks.verdict.thresholds import judge
from tests.support.repos import usage_rows, write_log

REL = 1e-9


def summary_of(tmp_path: Path, rows: list[dict[str, Any]]) -> BaselineSummary:
    return summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())


def run(tmp_path: Path, rows: list[dict[str, Any]], changes: list[Change], config: Config | None = None) -> Estimate:
    config = config or Config()
    return estimate_changes(changes, summary_of(tmp_path, rows), config, PriceBook(config))


def change(field: str, old: Any, new: Any, feature: str = "summarize", **spec: Any) -> Change:
    return Change(file="config/llm.yaml", feature=feature, field=field, old=old, new=new, line=3, spec=spec)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=1e-12)


def codes(est: Estimate) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in est.findings]


# -- model swap ----------------------------------------------------------------------------------

SWAPS = [
    # 100 requests x (1,000 in, 200 out) over 10 days.
    # gpt-4o-mini: 1000*0.15e-6 + 200*0.6e-6 = 0.00027/request -> 0.027/window -> 0.081/month
    # gpt-4o:      1000*2.5e-6  + 200*10e-6  = 0.0045/request  -> 0.45/window  -> 1.35/month
    pytest.param("gpt-4o-mini", "gpt-4o", 0.081, 1.269, id="mini-to-4o"),  # 1.35 - 0.081
    pytest.param("gpt-4o", "gpt-4o-mini", 1.35, -1.269, id="4o-to-mini"),
    pytest.param("gpt-4o-mini", "openai/gpt-4o", 0.081, 1.269, id="prefixed-new-model"),
    pytest.param("gpt-4o-mini", "gpt-4o-mini", 0.081, 0.0, id="same-model-no-delta"),
]


@pytest.mark.parametrize(("old", "new", "base", "delta"), SWAPS)
def test_model_swap_reprices_same_tokens(tmp_path: Path, old: str, new: str, base: float, delta: float) -> None:
    est = run(tmp_path, usage_rows("summarize", old, 100, 1000, 200), [change("model", old, new)])
    (result,) = est.changes
    assert est.baseline_monthly_usd == approx(base)
    assert (result.requests_matched, result.priced, result.confidence) == (100, True, "high")
    assert result.delta_monthly_usd == approx(delta)
    assert (result.delta_monthly_usd_low, result.delta_monthly_usd_high) == (approx(delta), approx(delta))
    assert result.baseline_monthly_usd == approx(base)
    assert result.candidate_monthly_usd == approx(base + delta)
    assert est.findings == []


CROSS_FAMILY = [
    # gpt-4o-mini -> claude-sonnet-4-5: 1000*3e-6 + 200*15e-6 = 0.006/request -> 0.6/window -> 1.8/month
    # expected 1.8 - 0.081 = 1.719; low 0.9*1.8 - 0.081 = 1.539; high 1.25*1.8 - 0.081 = 2.169
    pytest.param("gpt-4o-mini", "claude-sonnet-4-5", 0.081, (1.539, 1.719, 2.169), id="openai-to-anthropic"),
    # gpt-4o -> gemini-2.5-flash: 1000*0.3e-6 + 200*2.5e-6 = 0.0008/request -> 0.24/month
    # expected 0.24 - 1.35 = -1.11; low 0.9*0.24 - 1.35 = -1.134; high 1.25*0.24 - 1.35 = -1.05
    pytest.param("gpt-4o", "gemini-2.5-flash", 1.35, (-1.134, -1.11, -1.05), id="openai-to-google"),
]


@pytest.mark.parametrize(("old", "new", "base", "deltas"), CROSS_FAMILY)
def test_cross_family_swap_widens_range(
    tmp_path: Path, old: str, new: str, base: float, deltas: tuple[float, float, float]
) -> None:
    # thinking off (Gemini 2.5 Flash thinks by default: tests/test_reasoning.py prices that)
    est = run(tmp_path, usage_rows("summarize", old, 100, 1000, 200), [change("model", old, new, thinking_budget=0)])
    (result,) = est.changes
    assert est.baseline_monthly_usd == approx(base)
    assert (result.delta_monthly_usd_low, result.delta_monthly_usd, result.delta_monthly_usd_high) == (
        approx(deltas[0]),
        approx(deltas[1]),
        approx(deltas[2]),
    )
    assert result.confidence == "medium"
    assert any("tokenizer family" in note for note in result.notes)


# -- monthly normalisation -----------------------------------------------------------------------

MONTHLY = [
    # gpt-4o, 100 x (1,000 in, 200 out) = 0.45 per window
    pytest.param(10.0, Config(), 0.45 * 30 / 10, id="ten-days"),  # 1.35
    pytest.param(30.0, Config(), 0.45, id="thirty-days"),
    pytest.param(7.0, Config(month_days=31), 0.45 * 31 / 7, id="month-days-31"),  # 1.992857...
    pytest.param(7.0, Config(window_days=14.0), 0.45 * 30 / 14, id="configured-window"),  # 0.964285...
    pytest.param(2.5, Config(), 0.45 * 30 / 2.5, id="fractional-window"),  # 5.4
]


@pytest.mark.parametrize(("days", "config", "expected"), MONTHLY)
def test_monthly_normalisation(tmp_path: Path, days: float, config: Config, expected: float) -> None:
    rows = usage_rows("summarize", "gpt-4o", 100, 1000, 200, days=days)
    est = run(tmp_path, rows, [change("model", "gpt-4o", "gpt-4o-mini")], config)
    assert est.baseline_monthly_usd == approx(expected)
    # the swap to gpt-4o-mini saves 0.45 - 0.027 = 0.423 per window, normalised the same way
    assert est.changes[0].delta_monthly_usd == approx(-0.423 * expected / 0.45)
    assert est.window_days == approx(config.window_days or days)


# -- per-request tier pricing --------------------------------------------------------------------


def _two_big_requests(model: str) -> list[dict[str, Any]]:
    return usage_rows("summarize", model, 2, lambda i: (150_000, 250_000)[i], 1_000)


def test_tiered_baseline_prices_each_request(tmp_path: Path) -> None:
    est = run(tmp_path, _two_big_requests("claude-sonnet-4-5"), [])
    # 150k: 150000*3e-6 + 1000*15e-6 = 0.465; 250k: 250000*6e-6 + 1000*22.5e-6 = 1.5225
    # window 1.9875 -> monthly x3 = 5.9625.  Summed (400k, all at the high tier) would be
    # 400000*6e-6 + 2000*22.5e-6 = 2.445 -> 7.335; both at the low tier 1.23 -> 3.69.
    assert est.baseline_monthly_usd == approx(5.9625)


def test_tiered_swap_prices_each_request(tmp_path: Path) -> None:
    swap = change("model", "gpt-4o-mini", "claude-sonnet-4-5")
    est = run(tmp_path, _two_big_requests("gpt-4o-mini"), [swap])
    # baseline gpt-4o-mini: 400000*0.15e-6 + 2000*0.6e-6 = 0.0612 -> 0.1836/month
    # candidate: 1.9875 -> 5.9625/month; delta 5.9625 - 0.1836 = 5.7789
    assert est.baseline_monthly_usd == approx(0.1836)
    assert est.changes[0].delta_monthly_usd == approx(5.7789)


def test_tiered_gemini_pro(tmp_path: Path) -> None:
    est = run(tmp_path, _two_big_requests("gemini-2.5-pro"), [])
    # 150k: 150000*1.25e-6 + 1000*10e-6 = 0.1975; 250k: 250000*2.5e-6 + 1000*15e-6 = 0.64
    # window 0.8375 -> monthly 2.5125
    assert est.baseline_monthly_usd == approx(2.5125)


def test_prompt_growth_across_a_tier_reprices_the_request(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "claude-sonnet-4-5", 2, 199_000, 1_000)
    est = run(tmp_path, rows, [change("prompt", 100, 2_100)])
    # before: 199000*3e-6 + 1000*15e-6 = 0.612/request -> 1.224/window -> 3.672/month
    # after (+2,000 -> 201,000 input, above 200k): 201000*6e-6 + 1000*22.5e-6 = 1.2285/request
    #   -> 2.457/window -> 7.371/month; delta 7.371 - 3.672 = 3.699
    assert est.baseline_monthly_usd == approx(3.672)
    assert est.changes[0].delta_monthly_usd == approx(3.699)


# -- output cap ----------------------------------------------------------------------------------

OUTS = (100, 300, 500, 700)
CAP_LOWERED = [
    # gpt-4o, 4 requests x 1,000 in; output $10/M; removed output tokens x 10e-6 x 3 (month)
    pytest.param(1000, 400, -0.012, id="cap-1000-to-400"),  # (500-400)+(700-400) = 400 tokens
    pytest.param(1000, 50, -0.042, id="cap-1000-to-50"),  # 50+250+450+650 = 1,400 tokens
    pytest.param(1000, 700, 0.0, id="cap-at-largest-output"),
    pytest.param(None, 400, -0.012, id="cap-added"),
    pytest.param(800, 600, -0.003, id="cap-800-to-600"),  # 700-600 = 100 tokens
]


@pytest.mark.parametrize(("old", "new", "delta"), CAP_LOWERED)
def test_cap_lowered_is_min_of_output_and_cap(tmp_path: Path, old: int | None, new: int, delta: float) -> None:
    rows = usage_rows("summarize", "gpt-4o", 4, 1000, lambda i: OUTS[i])
    est = run(tmp_path, rows, [change("max_output_tokens", old, new)])
    (result,) = est.changes
    assert (result.delta_monthly_usd_low, result.delta_monthly_usd, result.delta_monthly_usd_high) == (
        approx(delta),
        approx(delta),
        approx(delta),
    )


RAISE_OUTS = (100, 150, 200, 250, 300, 350, 400, 450, 500, 500)
CAP_RAISED = [
    # gpt-4o, 10 requests, old cap 500 -> 1000.  high: truncated requests grow to 1000, x 10e-6 x 3
    pytest.param({}, 0.03, id="output-at-old-cap"),  # 2 x 500 = 1,000 tokens
    pytest.param({0: "length"}, 0.057, id="finish-reason-length-too"),  # 2 x 500 + (1000-100) = 1,900
    pytest.param({7: "max_tokens"}, 0.0465, id="finish-reason-max-tokens"),  # 2 x 500 + (1000-450) = 1,550
]


@pytest.mark.parametrize(("reasons", "high"), CAP_RAISED)
def test_cap_raised_low_high_expected(tmp_path: Path, reasons: dict[int, str], high: float) -> None:
    rows = usage_rows("summarize", "gpt-4o", 10, 1000, lambda i: RAISE_OUTS[i])
    for index, reason in reasons.items():
        rows[index]["finish_reason"] = reason
    est = run(tmp_path, rows, [change("max_output_tokens", 500, 1000)])
    (result,) = est.changes
    assert result.delta_monthly_usd_low == approx(0.0)
    assert result.delta_monthly_usd_high == approx(high)
    assert 0.0 < result.delta_monthly_usd < high


def test_cap_raised_expected_from_censored_fit(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o", 10, 1000, lambda i: RAISE_OUTS[i])
    est = run(tmp_path, rows, [change("max_output_tokens", 500, 1000)])
    mu, sigma = fit_censored_lognormal([(v, 1, v >= 500) for v in RAISE_OUTS])  # type: ignore[misc]
    tail = expected_capped_tail(mu, sigma, 500, 1000)
    # the two requests at the cap grow from 500 to `tail` tokens, $10/M, x3 per month
    assert est.changes[0].delta_monthly_usd == approx(2 * (tail - 500) * 10e-6 * 3)


def test_cap_unchanged_outputs_below_new_cap_do_not_grow(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o", 4, 1000, lambda i: OUTS[i])  # none reach the old cap 2000
    est = run(tmp_path, rows, [change("max_output_tokens", 2000, 4000)])
    result = est.changes[0]
    assert (result.delta_monthly_usd_low, result.delta_monthly_usd, result.delta_monthly_usd_high) == (
        approx(0.0),
        approx(0.0),
        approx(0.0),
    )


# -- prompt --------------------------------------------------------------------------------------

PROMPTS = [
    # gpt-4o, 100 requests: token delta x 100 x 2.5e-6 x 3
    pytest.param(100, 600, 0.375, id="plus-500-tokens"),
    pytest.param(600, 400, -0.15, id="minus-200-tokens"),
    pytest.param(None, 40, 0.03, id="prompt-added"),
]


@pytest.mark.parametrize(("old", "new", "delta"), PROMPTS)
def test_prompt_token_delta(tmp_path: Path, old: int | None, new: int, delta: float) -> None:
    est = run(tmp_path, usage_rows("summarize", "gpt-4o", 100, 1000, 200), [change("prompt", old, new)])
    assert est.changes[0].delta_monthly_usd == approx(delta)
    assert est.changes[0].requests_matched == 100


def test_prompt_delta_uses_the_group_model_price(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o", 50, 1000, 200) + usage_rows("summarize", "gpt-4o-mini", 50, 1000, 200)
    est = run(tmp_path, rows, [change("prompt", 0, 1000)])
    # 1000 tokens x (50 x 2.5e-6 + 50 x 0.15e-6) = 0.1325 per window -> 0.3975/month
    assert est.changes[0].delta_monthly_usd == approx(0.3975)


# -- matching ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        pytest.param(None, "warn", id="default-warn"),
        pytest.param("block", "block", id="block"),
        pytest.param("info", "info", id="info"),
    ],
)
def test_unmatched_change_finding(tmp_path: Path, level: str | None, expected: str) -> None:
    config = Config(policy=Policy(unmatched_change=level)) if level else Config()
    est = run(
        tmp_path,
        usage_rows("summarize", "gpt-4o", 100, 1000, 200),
        [change("max_output_tokens", 100, 200, feature="translate")],
        config,
    )
    assert codes(est) == [(expected, "unmatched_change")]
    assert (est.findings[0].file, est.findings[0].line) == ("config/llm.yaml", 3)
    assert est.changes[0].priced is False
    assert est.changes[0].requests_matched == 0


@pytest.mark.parametrize(
    ("new", "level", "fragment"),
    [
        pytest.param("gpt-4o-mnii", None, "gpt-4o-mini", id="typo-block"),
        pytest.param("gpt-4o-mnii", "warn", "gpt-4o-mini", id="typo-warn-by-policy"),
        pytest.param("${env:MODEL}", None, "not statically known", id="env-ref"),
    ],
)
def test_unknown_new_model_is_a_finding_never_zero(tmp_path: Path, new: str, level: str | None, fragment: str) -> None:
    config = Config(policy=Policy(unknown_model=level)) if level else Config()
    rows = usage_rows("summarize", "gpt-4o", 100, 1000, 200)
    est = run(tmp_path, rows, [change("model", "gpt-4o", new)], config)
    assert codes(est) == [(level or "block", "unknown_model")]
    assert fragment in est.findings[0].message
    assert est.changes[0].priced is False
    verdict = decide_verdict(est, Policy(block={}, warn={}, unknown_model=level or "block"))
    assert verdict.verdict == (level or "block")


def test_unknown_model_in_log_is_left_out(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o", 100, 1000, 200) + usage_rows("classify", "mystery-llm", 5, 1000, 200)
    est = run(tmp_path, rows, [])
    assert est.baseline_monthly_usd == approx(1.35)  # only the gpt-4o rows
    assert codes(est) == [("warn", "unknown_model_in_log")]
    assert "5 baseline requests" in est.findings[0].message and "mystery-llm" in est.findings[0].message


def test_unknown_model_in_matched_requests_is_noted(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o", 100, 1000, 200) + usage_rows("summarize", "mystery-llm", 5, 1000, 200)
    est = run(tmp_path, rows, [change("model", "gpt-4o", "gpt-4o-mini")])
    (result,) = est.changes
    assert result.requests_matched == 100
    assert result.delta_monthly_usd == approx(-1.269)
    assert any("mystery-llm" in note for note in result.notes)


@pytest.mark.parametrize(
    "old",
    [
        pytest.param("gpt-4o-mini", id="bare"),
        pytest.param("openai/gpt-4o-mini", id="prefixed"),
    ],
)
def test_fallback_match_by_old_model(tmp_path: Path, old: str) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, 200) + usage_rows("classify", "gpt-4o", 50, 1000, 200)
    est = run(tmp_path, rows, [change("model", old, "gpt-4o", feature="chat")])
    (result,) = est.changes
    assert result.requests_matched == 100  # only the gpt-4o-mini requests
    assert result.delta_monthly_usd == approx(1.269)
    assert result.confidence == "medium"
    assert any("old model" in note for note in result.notes)
    assert "unmatched_change" not in [code for _, code in codes(est)]


def test_feature_tag_match_beats_old_model(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, 200) + usage_rows("chat", "gpt-4o-mini", 200, 1000, 200)
    est = run(tmp_path, rows, [change("model", "gpt-4o-mini", "gpt-4o", feature="chat")])
    assert est.changes[0].requests_matched == 200
    assert est.changes[0].delta_monthly_usd == approx(2 * 1.269)


def test_non_model_change_has_no_fallback(tmp_path: Path) -> None:
    est = run(
        tmp_path,
        usage_rows("summarize", "gpt-4o", 100, 1000, 200),
        [change("max_output_tokens", 100, 50, feature="chat", model="gpt-4o")],
    )
    assert codes(est) == [("warn", "unmatched_change")]


# -- several changes on one feature --------------------------------------------------------------


@pytest.mark.parametrize(
    "order", [pytest.param(("model", "cap"), id="model-first"), pytest.param(("cap", "model"), id="cap-first")]
)
def test_changes_compose_in_one_pass(tmp_path: Path, order: tuple[str, str]) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, lambda i: (200, 600)[i % 2])
    items = {"model": change("model", "gpt-4o-mini", "gpt-4o"), "cap": change("max_output_tokens", 1000, 400)}
    est = run(tmp_path, rows, [items[k] for k in order])
    by_field = {c.change.field: c for c in est.changes}
    # baseline gpt-4o-mini: 100*1000*0.15e-6 + (50*200 + 50*600)*0.6e-6 = 0.015 + 0.024 = 0.039 -> 0.117
    # + model: 100*1000*2.5e-6 + 40000*10e-6 = 0.65 -> 1.95/month: +1.833
    # + cap 400 (at gpt-4o prices): outputs 200/400 = 30000 -> 0.25 + 0.3 = 0.55 -> 1.65/month: -0.3
    assert est.baseline_monthly_usd == approx(0.117)
    assert by_field["model"].delta_monthly_usd == approx(1.833)
    assert by_field["max_output_tokens"].delta_monthly_usd == approx(-0.3)
    assert est.delta == approx(1.533)
    assert est.delta == approx(sum(c.delta_monthly_usd for c in est.changes))
    assert est.candidate_monthly_usd == approx(1.65)


def test_changes_to_two_features_are_independent(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, 200) + usage_rows("classify", "gpt-4o", 100, 1000, 200)
    est = run(
        tmp_path,
        rows,
        [change("model", "gpt-4o-mini", "gpt-4o"), change("model", "gpt-4o", "gpt-4o-mini", feature="classify")],
    )
    assert [c.delta_monthly_usd for c in est.changes] == [approx(1.269), approx(-1.269)]
    assert est.delta == approx(0.0)
    assert est.baseline_monthly_usd == approx(1.431)  # 0.081 + 1.35


# -- retries, n, traffic -------------------------------------------------------------------------


def test_retries_from_the_log_failure_rate(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o", 100, 1000, 200)
    for row in rows[:10]:
        row["status"] = "error"
    est = run(tmp_path, rows, [change("retries", 0, 2)])
    (result,) = est.changes
    # failure rate p = 10/100; attempts = 1 + p + p^2.  base 1.35/month.
    # expected p=0.1: 1.11 -> +0.1485; low p=0.05: 1.0525 -> +0.070875; high p=0.2: 1.24 -> +0.324
    assert (result.delta_monthly_usd_low, result.delta_monthly_usd, result.delta_monthly_usd_high) == (
        approx(0.070875),
        approx(0.1485),
        approx(0.324),
    )
    assert result.confidence == "medium"


def test_retries_without_failures_assume_two_percent(tmp_path: Path) -> None:
    est = run(tmp_path, usage_rows("summarize", "gpt-4o", 100, 1000, 200), [change("retries", 0, 2)])
    (result,) = est.changes
    # p = 0.02: 1 + 0.02 + 0.0004 = 1.0204 -> 1.35 * 0.0204 = 0.02754
    assert result.delta_monthly_usd == approx(0.02754)
    assert result.confidence == "low"


@pytest.mark.parametrize(
    ("field", "old", "new", "delta"),
    [
        # n: output tokens x new/old; output cost 100*200*10e-6 = 0.2/window = 0.6/month
        pytest.param("n", 1, 3, 1.2, id="n-1-to-3"),  # 0.6 x 2
        pytest.param("n", 2, 1, -0.3, id="n-2-to-1"),  # 0.6 x -0.5
        # traffic: all matched requests x new/old; 1.35/month
        pytest.param("traffic", 0.5, 1.0, 1.35, id="traffic-doubled"),
        pytest.param("traffic", 1.0, 0.25, -1.0125, id="traffic-quarter"),  # 1.35 x -0.75
        pytest.param("traffic", None, 0.0, -1.35, id="feature-disabled"),
    ],
)
def test_call_multipliers(tmp_path: Path, field: str, old: Any, new: Any, delta: float) -> None:
    est = run(tmp_path, usage_rows("summarize", "gpt-4o", 100, 1000, 200), [change(field, old, new)])
    assert est.changes[0].delta_monthly_usd == approx(delta)


# -- direct Estimator use ------------------------------------------------------------------------


def test_estimator_from_a_hand_built_summary(tmp_path: Path) -> None:
    summary = BaselineSummary(paths=["usage.jsonl"], thresholds=tier_thresholds())
    for request in summary_of(tmp_path, usage_rows("summarize", "gpt-4o", 100, 1000, 200)).groups.values():
        summary.groups[("summarize", "openai", "gpt-4o")] = request
    summary.requests = 100
    summary.first_ts, summary.last_ts = 0.0, 5 * 86400.0  # a 5-day window
    estimator = Estimator(summary, Config(), PriceBook(Config()))
    assert estimator.window_days == approx(5.0)
    assert estimator.baseline_monthly() == approx(0.45 * 6)  # 30 / 5 = 6


# -- fit -----------------------------------------------------------------------------------------


def _sample(mu: float, sigma: float, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [math.exp(rng.gauss(mu, sigma)) for _ in range(n)]


@pytest.mark.parametrize(
    ("mu", "sigma", "cap"),
    [
        pytest.param(6.0, 0.5, 600, id="22pct-censored"),
        pytest.param(5.0, 0.8, 200, id="30pct-censored"),
        pytest.param(7.0, 0.3, 10_000, id="uncensored"),
    ],
)
def test_censored_lognormal_recovers_parameters(mu: float, sigma: float, cap: float) -> None:
    values = [(min(x, cap), 1, x >= cap) for x in _sample(mu, sigma, 5000, seed=1234)]
    fitted = fit_censored_lognormal(values)
    assert fitted is not None
    assert fitted[0] == pytest.approx(mu, rel=0.02)
    assert fitted[1] == pytest.approx(sigma, rel=0.04)


def test_naive_fit_would_be_biased() -> None:
    # guards the test above: ignoring censoring shrinks sigma by far more than 4%
    logs = [math.log(min(x, 600)) for x in _sample(6.0, 0.5, 5000, seed=1234)]
    mean = sum(logs) / len(logs)
    naive_sigma = math.sqrt(sum((v - mean) ** 2 for v in logs) / len(logs))
    assert naive_sigma < 0.5 * 0.9


def test_fit_counts_weigh_values() -> None:
    fitted = fit_censored_lognormal([(math.e**2, 3, False), (math.e**4, 1, False), (math.e**3, 4, False)])
    # ln values 2 (x3), 4 (x1), 3 (x4): mean (6 + 4 + 12) / 8 = 2.75; var (3*0.5625 + 1.5625 + 4*0.0625)/8
    assert fitted is not None
    assert fitted[0] == pytest.approx(2.75)
    assert fitted[1] == pytest.approx(math.sqrt((3 * 0.5625 + 1.5625 + 4 * 0.0625) / 8))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([(100, 4, False), (500, 10, True)], id="four-exact"),
        pytest.param([], id="empty"),
        pytest.param([(100, 0, False)] * 9, id="zero-counts"),
    ],
)
def test_fit_needs_five_exact_values(values: list[tuple[float, float, bool]]) -> None:
    assert fit_censored_lognormal(values) is None


def _tail_by_integration(mu: float, sigma: float, old: float, new: float | None, steps: int = 200_000) -> float:
    # E[min(X, new) | X >= old] by the midpoint rule over z = (ln x - mu) / sigma
    lo = (math.log(old) - mu) / sigma
    hi = lo + 12.0
    width = (hi - lo) / steps
    num = den = 0.0
    for i in range(steps):
        z = lo + (i + 0.5) * width
        density = math.exp(-0.5 * z * z)
        x = math.exp(mu + sigma * z)
        num += density * (min(x, new) if new is not None else x)
        den += density
    return num / den


@pytest.mark.parametrize(
    ("mu", "sigma", "old", "new"),
    [
        pytest.param(6.0, 0.5, 600, 1000, id="cap-raised"),
        pytest.param(6.0, 0.5, 600, None, id="cap-removed"),
        pytest.param(5.0, 1.0, 100, 4000, id="wide"),
    ],
)
def test_expected_capped_tail(mu: float, sigma: float, old: float, new: float | None) -> None:
    value = expected_capped_tail(mu, sigma, old, new)
    assert value == pytest.approx(_tail_by_integration(mu, sigma, old, new), rel=1e-4)
    assert old <= value <= (new if new is not None else math.inf)


# -- policy --------------------------------------------------------------------------------------


def make_estimate(
    base: float, delta: float, low: float | None = None, high: float | None = None, findings: tuple[Finding, ...] = ()
) -> Estimate:
    result = ChangeEstimate(
        change=change("model", "a", "b"),
        delta_monthly_usd=delta,
        delta_monthly_usd_low=delta if low is None else low,
        delta_monthly_usd_high=delta if high is None else high,
    )
    return Estimate(
        baseline_paths=["usage.jsonl"],
        baseline_requests=100,
        window_days=10.0,
        month_days=30.0,
        baseline_monthly_usd=base,
        changes=[result],
        findings=list(findings),
    )


DEFAULT = Policy()  # block: +$100/month or +50%; warn: +$10/month
PCT_50 = Policy(block={"increase_pct": 50}, warn={})
VERDICTS = [
    pytest.param(make_estimate(1000, 5), DEFAULT, "pass", id="small-increase-passes"),
    pytest.param(make_estimate(1000, 10), DEFAULT, "pass", id="warn-limit-is-not-over"),
    pytest.param(make_estimate(1000, 10.01), DEFAULT, "warn", id="just-over-warn"),
    pytest.param(make_estimate(1000, 100), DEFAULT, "warn", id="block-limit-is-not-over"),
    pytest.param(make_estimate(1000, 100.01), DEFAULT, "block", id="just-over-block-usd"),
    pytest.param(make_estimate(1000, -500), DEFAULT, "pass", id="savings-pass"),
    pytest.param(make_estimate(100, 50.5), PCT_50, "block", id="pct-over"),
    pytest.param(make_estimate(100, 50), PCT_50, "pass", id="pct-at-limit"),
    pytest.param(make_estimate(0, 0.01), PCT_50, "block", id="pct-zero-base"),
    pytest.param(make_estimate(100, 30), Policy(block={}, warn={"increase_pct": 20}), "warn", id="pct-warn"),
    pytest.param(
        make_estimate(200, 60), Policy(block={"monthly_total_usd": 250}, warn={}), "block", id="total-over-budget"
    ),
    pytest.param(
        make_estimate(200, 40), Policy(block={"monthly_total_usd": 250}, warn={}), "pass", id="total-within-budget"
    ),
    pytest.param(make_estimate(200, 60), Policy(block={}, warn={"monthly_total_usd": 250}), "warn", id="total-warn"),
    pytest.param(make_estimate(1000, 50, high=150), Policy(), "warn", id="basis-expected-ignores-high"),
    pytest.param(make_estimate(1000, 50, high=150), Policy(basis="high"), "block", id="basis-high"),
    pytest.param(
        make_estimate(1000, 5, high=15),
        Policy(block={}, warn={"monthly_increase_usd": 10}, basis="high"),
        "warn",
        id="basis-high-warn",
    ),
    pytest.param(
        make_estimate(1000, 0, findings=(Finding("block", "unknown_model", "x"),)),
        DEFAULT,
        "block",
        id="blocking-finding",
    ),
    pytest.param(
        make_estimate(1000, 0, findings=(Finding("warn", "unmatched_change", "x"),)),
        DEFAULT,
        "warn",
        id="warning-finding",
    ),
    pytest.param(
        make_estimate(1000, 0, findings=(Finding("info", "feature_removed", "x"),)), DEFAULT, "pass", id="info-finding"
    ),
    pytest.param(make_estimate(1000, 1e6), Policy(block={}, warn={}), "pass", id="all-thresholds-off"),
]


def decide_verdict(est: Estimate, policy: Policy) -> Verdict:
    """The verdict under the global policy alone."""
    return decide(judge(est, Config(policy=policy)))


@pytest.mark.parametrize(("est", "policy", "expected"), VERDICTS)
def test_decide_verdict(est: Estimate, policy: Policy, expected: str) -> None:
    verdict = decide_verdict(est, policy)
    assert verdict.verdict == expected
    assert verdict.exit_code == {"pass": 0, "warn": 0, "block": 1}[expected]
    assert bool(verdict.reasons) == (expected != "pass")


@pytest.mark.parametrize(
    ("est", "policy", "fragment"),
    [
        pytest.param(make_estimate(1000, 150), DEFAULT, "policy.block.monthly_increase_usd", id="usd"),
        pytest.param(make_estimate(100, 60), PCT_50, "policy.block.increase_pct", id="pct"),
        pytest.param(
            make_estimate(200, 60),
            Policy(block={"monthly_total_usd": 250}, warn={}),
            "policy.block.monthly_total_usd",
            id="total",
        ),
        pytest.param(make_estimate(1000, 50, high=150), Policy(basis="high"), "high estimate", id="basis-high"),
        pytest.param(
            make_estimate(1000, 0, findings=(Finding("block", "unknown_model", "nope"),)),
            DEFAULT,
            "unknown_model: nope",
            id="finding",
        ),
    ],
)
def test_verdict_reasons_name_the_threshold(est: Estimate, policy: Policy, fragment: str) -> None:
    assert any(fragment in reason for reason in verdict_reasons(decide_verdict(est, policy)))


# -- config --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path"),
    [
        pytest.param("foo: 1\n", "`foo`", id="top-level"),
        pytest.param("policy:\n  blok:\n    monthly_increase_usd: 5\n", "`policy.blok`", id="policy-typo"),
        pytest.param(
            "policy:\n  block:\n    monthly_increse_usd: 5\n", "`policy.block.monthly_increse_usd`", id="threshold-typo"
        ),
        pytest.param("prices:\n  x: {input: 1, output: 2, cachd: 3}\n", "`prices.x.cachd`", id="price-typo"),
        pytest.param("features:\n  s:\n    matc: {a: b}\n", "`features.s.matc`", id="feature-typo"),
        pytest.param("baseline:\n  paht: u.jsonl\n", "`baseline.paht`", id="baseline-typo"),
    ],
)
def test_config_unknown_keys(text: str, path: str) -> None:
    with pytest.raises(AioptError) as info:
        parse_config_text(text.encode(), ".aiopt.yaml")
    assert f"unknown key {path}" in info.value.message
    assert info.value.file == ".aiopt.yaml"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("month_days: abc\n", id="month-days-not-number"),
        pytest.param("policy:\n  unknown_model: maybe\n", id="bad-enum"),
        pytest.param("policy:\n  block:\n    increase_pct: lots\n", id="threshold-not-number"),
        pytest.param("lockfile: 1\n", id="bool-not-number"),
        pytest.param("- a\n", id="not-a-mapping"),
        pytest.param("baseline:\n  window_days: soon\n", id="window-days"),
    ],
)
def test_config_bad_values(text: str) -> None:
    with pytest.raises(AioptError):
        parse_config_text(text.encode(), ".aiopt.yaml")


def test_config_defaults_without_a_file(tmp_path: Path) -> None:
    for config in (load_config(None), load_config(tmp_path / ".aiopt.yaml")):
        assert config.policy.block == {"monthly_increase_usd": 100.0, "increase_pct": 50.0}
        assert config.policy.warn == {"monthly_increase_usd": 10.0}
        assert (config.policy.unknown_model, config.policy.unmatched_change, config.policy.basis) == (
            "block",
            "warn",
            "expected",
        )
        assert (config.month_days, config.window_days) == (30.0, None)
        assert config.baseline_paths == ("usage.jsonl",)
        assert "prompts/**" in config.watch and "**/*llm*.y*ml" in config.watch


@pytest.mark.parametrize(
    ("text", "block", "warn"),
    [
        pytest.param("version: 1\n", {}, {}, id="no-policy-all-off"),
        pytest.param("", {}, {}, id="empty-file-all-off"),
        pytest.param("policy:\n  block:\n    increase_pct: 20\n", {"increase_pct": 20.0}, {}, id="only-block-pct"),
        pytest.param(
            "policy:\n  warn:\n    monthly_increase_usd: 5\n", {}, {"monthly_increase_usd": 5.0}, id="only-warn"
        ),
        pytest.param(
            "policy:\n  block:\n    monthly_increase_usd: 100\n    monthly_total_usd: null\n",
            {"monthly_increase_usd": 100.0},
            {},
            id="null-is-off",
        ),
    ],
)
def test_config_thresholds_left_out_are_off(
    tmp_path: Path, text: str, block: dict[str, float], warn: dict[str, float]
) -> None:
    path = tmp_path / ".aiopt.yaml"
    path.write_text(text)
    config = load_config(path)
    assert (config.policy.block, config.policy.warn) == (block, warn)


def test_config_full_example() -> None:
    text = (
        "version: 1\nbaseline:\n  path: [logs/*.jsonl, extra.csv]\n  window_days: 7\nmonth_days: 31\n"
        "policy:\n  basis: high\n  unknown_model: warn\n  unmatched_change: block\n"
        "prices:\n  my-finetune: {input: 3.0, output: 12.0, cached_input: 0.3}\n"
        "aliases:\n  default: openai/gpt-4o-mini\n"
        "features:\n  summarize:\n    files: [config/llm.yaml#features.summarize]\n"
        "    match: {feature_tag: summarize}\n    expected_requests_per_day: 100\n"
    )
    config = build_config(parse_config_text(text.encode(), ".aiopt.yaml"), ".aiopt.yaml")
    assert config.baseline_paths == ("logs/*.jsonl", "extra.csv")
    assert (config.window_days, config.month_days) == (7.0, 31.0)
    assert (config.policy.basis, config.policy.unknown_model, config.policy.unmatched_change) == (
        "high",
        "warn",
        "block",
    )
    assert config.prices == {"my-finetune": {"input": 3.0, "output": 12.0, "cached_input": 0.3}}
    assert config.aliases == {"default": "openai/gpt-4o-mini"}
    (rule,) = config.features
    assert (rule.name, rule.files, rule.match, rule.expected_requests_per_day) == (
        "summarize",
        ("config/llm.yaml#features.summarize",),
        {"feature_tag": "summarize"},
        100,
    )
    assert "config/llm.yaml" in config.watch_patterns()


# -- context window and calibration -------------------------------------------------------------


def test_a_smaller_context_window_than_observed_requests_is_a_finding(tmp_path: Path) -> None:
    # gpt-4o's context window is 128,000 tokens; the log shows a 150,000-token request.
    rows = usage_rows("summarize", "gpt-4.1-mini", 3, lambda i: (1_000, 150_000, 2_000)[i], 100)
    est = run(tmp_path, rows, [change("model", "gpt-4.1-mini", "gpt-4o")])
    (found,) = [f for f in est.findings if f.code == "context_window"]
    assert "150,000" in found.message and "128,000" in found.message
    small = run(
        tmp_path, usage_rows("summarize", "gpt-4.1-mini", 3, 1_000, 100), [change("model", "gpt-4.1-mini", "gpt-4o")]
    )
    assert not [f for f in small.findings if f.code == "context_window"]


def test_calibration_note_compares_the_logs_own_cost(tmp_path: Path) -> None:
    # 10 requests x (1,000 in x $2.5/M + 100 out x $10/M) = 10 x $0.0035 = $0.035 by our prices;
    # the log states $0.005 each = $0.05: ours is 30% lower.
    rows = usage_rows("summarize", "gpt-4o", 10, 1_000, 100, billed_cost=0.005)
    est = run(tmp_path, rows, [change("max_output_tokens", None, 50)])
    (note,) = [n for n in est.notes if n.startswith("calibration")]
    assert "$0.05" in note and "$0.04" in note and "-30.0%" in note
