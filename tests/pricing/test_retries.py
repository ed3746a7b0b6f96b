"""Tests for aiopt_hooks.pricing.retries: rescued requests bill their successful answer; fewer
retries stop billing the later attempts.  gpt-4o: 2.50 / 10.00 USD per 1M tokens; logs from
`usage_rows` span 10 days (monthly = x 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.estimate import estimate_changes
from aiopt_hooks.pricing.prices import PriceBook, tier_thresholds
from aiopt_hooks.pricing.retries import retry_effect
from aiopt_hooks.records import Change
from tests.support.repos import usage_rows, write_log

EFFECTS = [
    # (p, old, new) -> (mult, rescued): mult = (1 - p^(new+1)) / (1 - p^(old+1))
    pytest.param(0.1, 0, 3, (1 - 0.1**4) / 0.9, 0.1 - 0.1**4, id="raised"),
    pytest.param(0.1, 3, 0, 0.9 / (1 - 0.1**4), -(0.1 - 0.1**4), id="lowered"),
    pytest.param(0.0, 0, 5, 1.0, 0.0, id="never-fails"),
    pytest.param(0.5, 1, 1, 1.0, 0.0, id="unchanged"),
]


@pytest.mark.parametrize(("p", "old", "new", "mult", "rescued"), EFFECTS)
def test_retry_effect(p: float, old: int, new: int, mult: float, rescued: float) -> None:
    effect = retry_effect(p, old, new)
    assert effect.mult == pytest.approx(mult) and effect.rescued == pytest.approx(rescued)


def simulated_cost(p: float, retries: int, fail_cost: float, ok_cost: float) -> float:
    """Expected cost of one request, attempt by attempt: a failure bills `fail_cost` and retries."""
    cost, reach = 0.0, 1.0
    for _ in range(retries + 1):
        cost += reach * ((1 - p) * ok_cost + p * fail_cost)
        reach *= p
    return cost


@pytest.mark.parametrize(("old", "new"), [(0, 3), (0, 1), (2, 0), (1, 4)])
def test_rescued_and_given_up_requests_are_billed_attempt_by_attempt(tmp_path: Path, old: int, new: int) -> None:
    # A log recorded under `old` retries, one row per attempt, exactly at its expectation for p = 0.1:
    # per request, (1 - p^(old+1)) successes (1,000 in, 200 out) and E_f(old) failures (1,000 in, 0 out).
    p, requests = 0.1, 1000
    ok_rows = round(requests * (1 - p ** (old + 1)))
    failed_rows = round(requests * sum(p**k for k in range(1, old + 2)))
    rows: list[dict[str, Any]] = usage_rows("extract", "gpt-4o", ok_rows, 1000, 200) + usage_rows(
        "extract", "gpt-4o", failed_rows, 1000, 0, status="error"
    )
    config = Config()
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())
    rate = failed_rows / (ok_rows + failed_rows)
    est = estimate_changes(
        [Change("config/llm.yaml", "extract", "retries", old, new, 3, {"model": "gpt-4o"})],
        summary,
        config,
        PriceBook(config),
    )
    (result,) = est.changes
    fail_cost, ok_cost = 1000 * 2.5e-6, 1000 * 2.5e-6 + 200 * 10e-6
    truth = requests * (simulated_cost(rate, new, fail_cost, ok_cost) - simulated_cost(rate, old, fail_cost, ok_cost))
    assert result.delta_monthly_usd == pytest.approx(truth * 3, rel=0.01)
    assert result.delta_monthly_usd_low <= result.delta_monthly_usd <= result.delta_monthly_usd_high
    assert any(("rescued" if new > old else "give up") in note for note in result.notes)
