"""The "what would pass" trials (`pricing/trials.py`): re-estimating only the replaced change's
feature gives the very total delta of re-estimating every feature, for model, cap and retry
changes, several changes per feature, unmatched features, both policy bases; and a commit moving
many features to another model gets its suggestions without pricing every feature per trial."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import usage_rows, write_log

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config, Policy
from aiopt_hooks.pricing import estimate as estimate_module
from aiopt_hooks.pricing.estimate import Estimator
from aiopt_hooks.pricing.prices import PriceBook, tier_thresholds
from aiopt_hooks.pricing.suggest import what_would_pass
from aiopt_hooks.pricing.trials import FeatureTrials
from aiopt_hooks.records import Change


def _change(feature: str, field: str, old: Any, new: Any) -> Change:
    return Change(file="config/llm.yaml", feature=feature, field=field, old=old, new=new, line=3,
                  spec={"provider": "openai", "model": new if field == "model" else "gpt-4o-mini"})


def _summary(tmp_path: Path, features: int) -> BaselineSummary:
    rows = []
    for i in range(features):
        rows += usage_rows(f"f{i}", "gpt-4o-mini", 40 + 10 * i, lambda j, i=i: 500 + 37 * j + 11 * i,
                           lambda j: 20 + j % 300)
    return summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())


def _full_delta(summary: BaselineSummary, config: Config, prices: PriceBook, changes: list[Change],
                swap: Change, replacement: Change) -> float | None:
    """The trial as it was computed before: every feature re-estimated."""
    trial = [replacement if c is swap else c for c in changes]
    est = Estimator(summary, config, prices).estimate(trial)
    if any(not c.priced for c in est.changes if c.change is replacement):
        return None
    return est.delta_high if config.policy.basis == "high" else est.delta


@pytest.mark.parametrize("basis", ["expected", "high"])
def test_a_trial_re_estimating_one_feature_equals_re_estimating_all(tmp_path: Path, basis: str) -> None:
    summary = _summary(tmp_path, 5)
    config = Config(policy=Policy(basis=basis))
    prices = PriceBook(config)
    changes = [_change("f0", "model", "gpt-4o-mini", "gpt-4o"), _change("f0", "max_output_tokens", 256, 1024),
               _change("f1", "model", "gpt-4o-mini", "gpt-4.1"), _change("f2", "retries", 0, 3),
               _change("f3", "max_output_tokens", 128, 4096), _change("nobody", "model", "gpt-4o-mini", "o3")]
    trials = FeatureTrials(summary, config, prices, changes)
    replacements = {"model": ["gpt-4o-mini", "gpt-4.1-nano", "no-such-model-xyz"], "max_output_tokens": [64, 300],
                    "retries": [1, 2]}
    checked = 0
    for swap in changes:
        for value in replacements[swap.field]:
            replacement = replace(swap, new=value)
            got = trials.delta(swap, replacement)
            want = _full_delta(summary, config, prices, changes, swap, replacement)
            assert (got is None) == (want is None), (swap, value)
            if got is not None and want is not None:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (swap, value)
                checked += 1
    assert checked >= 10


def test_many_features_changed_at_once_price_each_feature_once_per_trial(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """60 features moved to gpt-4o: the suggestions come out, and the trials price one feature each."""
    summary = _summary(tmp_path, 60)
    config = Config(policy=Policy(block={"monthly_increase_usd": 0.05}))
    prices = PriceBook(config)
    changes = [_change(f"f{i}", "model", "gpt-4o-mini", "gpt-4o") for i in range(60)]
    est = Estimator(summary, config, prices).estimate(changes)
    priced: list[int] = []
    real = Estimator.estimate

    def counting(self: Estimator, items: list[Change]) -> Any:
        priced.append(len({c.feature for c in items}))
        return real(self, items)
    monkeypatch.setattr(Estimator, "estimate", counting)
    found = what_would_pass(est, changes, summary, config, prices)
    assert isinstance(found, list)
    assert priced and priced[0] == 60 and set(priced[1:]) <= {1}, "a trial re-estimated other features"
    assert len(estimate_module._TAG_INDEX) == 1   # the feature index is built once for the summary


@pytest.mark.parametrize("basis", ["expected", "high"])
def test_the_floor_bounds_every_trial(tmp_path: Path, basis: str) -> None:
    summary = _summary(tmp_path, 4)
    config = Config(policy=Policy(basis=basis))
    prices = PriceBook(config)
    changes = [_change(f"f{i}", "model", "gpt-4o-mini", "gpt-4o") for i in range(4)]
    trials = FeatureTrials(summary, config, prices, changes)
    for swap in changes:
        for value in ("gpt-4.1-nano", "gpt-4o-mini", "gpt-4.1-mini", "gpt-3.5-turbo"):
            got = trials.delta(swap, replace(swap, new=value))
            assert got is None or got >= trials.floor(swap) - 1e-9
