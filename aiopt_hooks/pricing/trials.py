"""The "what would pass" trials: the total delta of the change set with one change replaced.

Stage: changes + baseline summary + prices -> a trial's total delta.  An estimate's delta is the sum
of its changes' deltas, and each feature's changes are priced on their own (the same baseline, the
same prices), so a trial re-estimates only the feature of the change it replaces and adds the other
features' deltas as they were: the same number as re-estimating every feature, at the cost of one.
"""
from __future__ import annotations

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.estimate import Estimator
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.records import Change, ChangeEstimate


class FeatureTrials:
    def __init__(self, summary: BaselineSummary, config: Config, prices: PriceBook, changes: list[Change]) -> None:
        self.summary, self.config, self.prices, self.changes = summary, config, prices, changes
        self._by_feature: dict[str, float] | None = None
        self._before: dict[str, float] = {}   # each feature's monthly cost before its changes (expected)
        self._total = 0.0

    def _measure(self, items: list[ChangeEstimate]) -> float:
        high = self.config.policy.basis == "high"
        return sum(c.delta_monthly_usd_high if high else c.delta_monthly_usd for c in items)

    def _originals(self) -> dict[str, float]:
        if self._by_feature is None:
            est = Estimator(self.summary, self.config, self.prices).estimate(self.changes)
            self._by_feature = {}
            for item in est.changes:
                feature = item.change.feature
                self._by_feature[feature] = self._by_feature.get(feature, 0.0) + self._measure([item])
                if item.priced:
                    self._before.setdefault(feature, item.baseline_monthly_usd)
            self._total = self._measure(est.changes)
        return self._by_feature

    def floor(self, swap: Change) -> float:
        """A lower bound of any trial's total delta replacing `swap`: at best, the feature's new cost is
        zero (the search for a cheaper value can stop when even this is over the limit)."""
        originals = self._originals()
        return self._total - originals.get(swap.feature, 0.0) - self._before.get(swap.feature, 0.0)

    def delta(self, swap: Change, replacement: Change) -> float | None:
        """The total delta with `swap` replaced by `replacement`; None when the replacement cannot be priced."""
        originals = self._originals()
        trial = [replacement if c is swap else c for c in self.changes if c.feature == swap.feature]
        est = Estimator(self.summary, self.config, self.prices).estimate(trial)
        if any(not c.priced for c in est.changes if c.change is replacement):
            return None
        return self._total - originals.get(swap.feature, 0.0) + self._measure(est.changes)
