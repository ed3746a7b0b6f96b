"""Risk: a seeded bootstrap over the baseline's days; deterministic and monotone in the threshold."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.pricing import risk
from aiopt_hooks.pricing.risk import Scope, Threshold
from aiopt_hooks.records import ThresholdRisk
from aiopt_hooks.render.risk import label, risk_dict
from tests.support.repos import GitRepo, usage_rows, write_log


def assess(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The risk as the JSON report shows it."""
    return risk_dict(risk.assess(*args, **kwargs))


# 20 days of app cost that varies day to day; the candidate doubles it (paired days).
DAYS = {19000 + d: 10.0 + (d * 7) % 5 for d in range(20)}
APP = Scope("", 300.0, DAYS, 600.0, {d: 2 * v for d, v in DAYS.items()})


def _p(limit: float, key: str = "monthly_total_usd", scopes: list[Scope] | None = None) -> float:
    out = assess(scopes or [APP], [Threshold("", "block", key, limit)])
    return float(out["thresholds"][0]["probability"])


def test_the_same_input_gives_the_same_answer() -> None:
    thresholds = [Threshold("", "block", "monthly_total_usd", 600.0), Threshold("", "warn", "increase_pct", 99.0)]
    assert assess([APP], thresholds) == assess([APP], thresholds)


@pytest.mark.parametrize("key", ["monthly_total_usd", "monthly_increase_usd", "increase_pct"])
def test_probability_never_rises_with_the_threshold(key: str) -> None:
    limits = [0.0, 100.0, 250.0, 290.0, 299.0, 300.0, 301.0, 310.0, 580.0, 600.0, 620.0, 1000.0]
    probabilities = [_p(limit, key) for limit in limits]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] == 1.0 and probabilities[-1] == 0.0


def test_a_threshold_at_the_estimate_is_a_coin_flip() -> None:
    # the candidate's point estimate is $600/month; resampled days scatter around it
    assert 0.2 < _p(600.0) < 0.8
    assert _p(550.0) > 0.95 and _p(650.0) < 0.05


def test_fewer_than_two_days_is_said_not_guessed() -> None:
    one = Scope("", 300.0, {19000: 10.0}, 600.0, {19000: 20.0})
    out = assess([one], [Threshold("", "block", "monthly_total_usd", 500.0)])
    assert out["thresholds"] == [] and "fewer than 2 days" in out["note"]


def test_two_logs_are_drawn_apart() -> None:
    other = {20000 + d: 20.0 for d in range(7)}
    scopes = [Scope("", 300.0, DAYS, 600.0, other)]
    out = assess(scopes, [Threshold("", "block", "monthly_increase_usd", 299.0)], paired=False)
    assert out["days"] == 7 and 0.5 < out["thresholds"][0]["probability"] <= 1.0


@pytest.mark.parametrize(
    ("threshold", "text"),
    [
        pytest.param(Threshold("", "block", "monthly_total_usd", 5000.0), "P(> $5,000 budget)", id="budget"),
        pytest.param(Threshold("", "block", "monthly_increase_usd", 100.0), "P(increase > +$100/mo)", id="increase"),
        pytest.param(
            Threshold("summarize", "warn", "increase_pct", 20.0), "P(summarize increase > 20%) [warn]", id="feature-pct"
        ),
    ],
)
def test_labels(threshold: Threshold, text: str) -> None:
    assert label(ThresholdRisk(threshold.scope or "app", threshold.level, threshold.key, threshold.limit, 0.0)) == text


def test_check_reports_risk_in_json_and_one_text_line(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    write_log(
        repo.path / "usage.jsonl",
        usage_rows("summarize", "gpt-4o-mini", 2000, lambda i: 500 + (i * 37) % 1500, 200, days=20),
    )
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o-mini\n")
    repo.write(
        ".aiopt.yaml", "version: 1\npolicy:\n  block:\n    monthly_total_usd: 5\n    monthly_increase_usd: 1000\n"
    )
    repo.stage()
    repo.commit("app")
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o\n")
    repo.stage()
    assert main(["check", "--repo", str(repo.path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    risk = {r["threshold"]: r for r in data["risk"]["thresholds"]}
    assert risk["monthly_total_usd"]["probability"] == 1.0 and risk["monthly_increase_usd"]["probability"] == 0.0
    assert data["risk"]["days"] == 21 and data["risk"]["samples"] == 2000
    main(["check", "--repo", str(repo.path)])
    text = capsys.readouterr().out
    (line,) = [x for x in text.splitlines() if x.startswith("Risk (")]
    assert "P(> $5 budget) = 1.00" in line and "P(increase > +$1,000/mo) = 0.00" in line
