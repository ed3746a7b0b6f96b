"""Risk: a seeded bootstrap over the baseline's days; deterministic and monotone in the threshold."""

from __future__ import annotations

import json
import random
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


def _every_sample(scope: Scope, thresholds: list[Threshold], paired: bool) -> list[float]:
    """P by drawing, whatever the range of the samples says (what `assess` did before its shortcut)."""
    rng = random.Random(risk.SEED)
    base_order = sorted(scope.base_days)
    cand_order = base_order if paired else sorted(scope.cand_days)
    base_draws = risk._draws(rng, len(base_order))
    cand_draws = base_draws if paired else risk._draws(rng, len(cand_order))
    base = risk._samples(scope.base_monthly, scope.base_days, base_order, base_draws)
    cand = risk._samples(scope.cand_monthly, scope.cand_days, cand_order, cand_draws)
    return [
        round(sum(risk._exceeds(t.key, t.limit, b, c) for b, c in zip(base, cand)) / risk.SAMPLES, 3)
        for t in thresholds
    ]


def _random_case(rng: random.Random) -> tuple[Scope, list[Threshold]]:
    days = list(range(19000, 19000 + rng.choice([2, 3, 7, 30])))

    def shape(scale: float) -> dict[int, float]:
        kind = rng.random()
        if kind < 0.15:
            return {}
        if kind < 0.3:
            return dict.fromkeys(days, scale)  # the same every day: samples equal the estimate
        return {d: rng.uniform(0, scale) * (rng.random() < 0.9) for d in days}

    base = rng.choice([0.0, 300.0, rng.uniform(0, 1000)])
    cand = rng.choice([0.0, base, base * rng.uniform(0.5, 2.5)])
    scope = Scope("", base, shape(10.0), cand, shape(10.0))
    near = [0.0, 0.5, 0.99, 1.0, 1.01, 2.0, -1.0]
    pct = 100 * (cand - base) / base if base else 50.0
    limits = {"monthly_total_usd": cand, "monthly_increase_usd": cand - base, "increase_pct": pct}
    return scope, [Threshold("", "block", k, v * rng.choice(near)) for k, v in limits.items()]


@pytest.mark.parametrize("paired", [True, False])
def test_thresholds_out_of_reach_are_decided_without_drawing(paired: bool) -> None:
    rng = random.Random(3)
    for _ in range(40):
        scope, thresholds = _random_case(rng)
        found = risk.assess([scope], thresholds, paired=paired)
        assert found is not None
        if found.days < 2:  # nothing drawn either way
            continue
        assert [t.probability for t in found.thresholds] == _every_sample(scope, thresholds, paired)


def test_a_decided_check_draws_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_draws(*args: Any) -> None:
        raise AssertionError("drew days for a threshold every sample answers the same")

    monkeypatch.setattr(risk, "_draws", no_draws)
    out = assess(
        [APP], [Threshold("", "block", "monthly_total_usd", 5000.0), Threshold("", "warn", "increase_pct", 20)]
    )
    assert [t["probability"] for t in out["thresholds"]] == [0.0, 1.0]
