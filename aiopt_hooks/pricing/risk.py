"""Risk: the probability that the candidate's monthly cost crosses each active threshold.

Stage: estimate (or a log diff) + the baseline's days -> `risk` of the result.  A seeded
bootstrap over days: each sample draws the log's days with replacement and re-estimates the
baseline and the candidate from the drawn days (each feature's candidate follows its baseline
traffic day by day, times the feature's candidate/baseline ratio; a new feature's declared
traffic is the same every day).  The point estimate is the mean of the days as drawn once each.
The same input always gives the same answer (a fixed seed), and a probability never rises as
its threshold rises (the same samples are compared with every threshold).

Each sample is a weighted sum of per-day values (weights >= 0 summing to the days), so it lies
between days x the smallest and days x the largest of them: a threshold outside that range is
crossed by every sample or by none, and the days are drawn only when some threshold is not.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.costs import add_days, day_split, price_baseline
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.records import Estimate, Risk, ThresholdRisk

if TYPE_CHECKING:
    import random

SAMPLES = 2000
SEED = 20250101
KEYS = ("monthly_increase_usd", "increase_pct", "monthly_total_usd")
METHOD = "bootstrap over the baseline's days"


class Scope(NamedTuple):
    """One thing thresholds compare: the whole app ("") or one feature."""

    name: str
    base_monthly: float
    base_days: dict[int, float]  # day -> cost that day (the shape; scaled to the monthly figure)
    cand_monthly: float
    cand_days: dict[int, float]


class Threshold(NamedTuple):
    scope: str
    level: str
    key: str
    limit: float


def active_thresholds(config: Config) -> list[Threshold]:
    found = []
    for scope, policy in [("", config.policy), *config.feature_policies()]:
        for level, limits in (("block", policy.block), ("warn", policy.warn)):
            found += [Threshold(scope, level, key, limits[key]) for key in KEYS if key in limits]
    return found


def _exceeds(key: str, limit: float, base: float, cand: float) -> bool:
    if key == "monthly_total_usd":
        return cand > limit
    if key == "monthly_increase_usd":
        return cand - base > limit
    return cand > base and (base <= 0 or 100 * (cand - base) / base > limit)


def _draws(rng: random.Random, n: int) -> list[list[int]]:
    """SAMPLES multiplicity vectors: how often each of n days was drawn."""
    # One `choices` call draws the same sequence as SAMPLES calls of n each (unweighted choices take
    # one random() per pick), with less call overhead: the same samples.
    picks = rng.choices(range(n), k=n * SAMPLES)
    out = []
    for start in range(0, n * SAMPLES, n):
        counts = [0] * n
        for i in picks[start : start + n]:
            counts[i] += 1
        out.append(counts)
    return out


def _samples(monthly: float, days: dict[int, float], order: list[int], draws: list[list[int]]) -> list[float]:
    shape = [days.get(d, 0.0) for d in order]
    total = sum(shape)
    if total <= 0:
        return [monthly] * len(draws)
    return [monthly * sum(map(operator.mul, w, shape)) / total for w in draws]


def _per_day(monthly: float, days: dict[int, float], order: list[int]) -> list[float]:
    """What each drawn day adds to a sample of `_samples` (a sample is the sum over the days drawn)."""
    shape = [days.get(d, 0.0) for d in order]
    total = sum(shape)
    if total <= 0:
        return [monthly / len(order)] * len(order)
    return [monthly * v / total for v in shape]


def _span(values: list[float]) -> tuple[float, float]:
    """The least and the most a sample can be: len(values) days drawn, each any of `values`."""
    return len(values) * min(values), len(values) * max(values)


def _decided(key: str, limit: float, base: list[float], cand: list[float], paired: bool) -> bool | None:
    """The answer of `_exceeds` for every possible sample, or None when samples may differ."""
    # Rounding moves a sample by far less than this (a few ulps of its largest terms per day).
    margin = 1e-9 * (2 + abs(limit) / 100) * (_span([abs(v) for v in base])[1] + _span([abs(v) for v in cand])[1])

    def minus(k: float) -> tuple[float, float]:  # cand - k * base
        if paired:
            return _span([c - k * b for b, c in zip(base, cand)])
        (blo, bhi), (clo, chi) = _span([k * b for b in base]), _span(cand)
        return clo - bhi, chi - blo

    def above(span: tuple[float, float], level: float) -> bool | None:
        lo, hi = span
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return None
        return True if lo - margin > level else False if hi + margin <= level else None

    if key == "monthly_total_usd":
        return above(_span(cand), limit)
    if key == "monthly_increase_usd":
        return above(minus(1.0), limit)
    grows, positive = above(minus(1.0), 0.0), above(_span(base), 0.0)  # cand > base, base > 0
    pct = above(minus(1 + limit / 100), 0.0) if positive else None  # 100 * (cand - base) / base > limit
    if grows is False or (positive and pct is False):
        return False
    if grows and (positive is False or (positive and pct)):
        return True
    return None


def assess(scopes: list[Scope], thresholds: list[Threshold], paired: bool = True) -> Risk | None:
    """P(threshold crossed) per threshold; `paired` when baseline and candidate share their days
    (an estimate), not when they are two logs (a log diff: each side is drawn on its own)."""
    if not thresholds:
        return None
    base_order = sorted({d for s in scopes for d in s.base_days})
    cand_order = base_order if paired else sorted({d for s in scopes for d in s.cand_days})
    days = min(len(base_order), len(cand_order))
    if days < 2:
        return Risk(METHOD, SAMPLES, SEED, days)
    by_name = {s.name: s for s in scopes}
    draws: list[list[list[int]]] = []  # [base draws, candidate draws], drawn when first needed
    found = []
    for t in thresholds:
        scope = by_name.get(t.scope)
        if scope is None:
            continue
        base_days = _per_day(scope.base_monthly, scope.base_days, base_order)
        cand_days = _per_day(scope.cand_monthly, scope.cand_days, cand_order)
        answer = _decided(t.key, t.limit, base_days, cand_days, paired)
        if answer is not None:
            p = float(answer)
        else:
            if not draws:
                import random  # only when a threshold is within reach of the samples

                rng = random.Random(SEED)
                draws.append(_draws(rng, len(base_order)))
                draws.append(draws[0] if paired else _draws(rng, len(cand_order)))
            base = _samples(scope.base_monthly, scope.base_days, base_order, draws[0])
            cand = _samples(scope.cand_monthly, scope.cand_days, cand_order, draws[1])
            p = sum(_exceeds(t.key, t.limit, b, c) for b, c in zip(base, cand)) / SAMPLES
        found.append(ThresholdRisk(t.scope or "app", t.level, t.key, t.limit, round(p, 3)))
    return Risk(METHOD, SAMPLES, SEED, days, tuple(found))


def risk_of_estimate(est: Estimate, summary: BaselineSummary, config: Config, prices: PriceBook) -> Risk | None:
    """The risk of a check or a what-if: the estimate's features re-estimated on resampled days."""
    thresholds = active_thresholds(config)
    if not thresholds or not est.changes:
        return None
    priced = price_baseline(summary, config, prices)
    split = {key: day_split(cost) for key, cost in priced.by_key().items()}
    app_base: dict[int, float] = {}
    for days in split.values():
        add_days(app_base, days)
    app_cand = dict(app_base)
    scopes = []
    per_day_window = est.window_days / est.month_days / max(len(app_base), 1)  # monthly USD -> USD a day
    for feature, keys in est.matched.items():
        mine = [c for c in est.changes if c.change.feature == feature]
        base, cand = mine[0].baseline_monthly_usd, mine[-1].candidate_monthly_usd
        base_days: dict[int, float] = {}
        for key in keys:
            add_days(base_days, split.get(key, {}))
        if base > 0 and base_days:
            cand_days = {d: v * cand / base for d, v in base_days.items()}
        else:  # a new feature: its declared traffic, the same every day
            cand_days = {d: (cand - base) * per_day_window for d in app_base}
        add_days(app_cand, base_days, -1.0)
        add_days(app_cand, cand_days)
        scopes.append(Scope(feature, base, base_days, cand, cand_days))
    scopes.append(Scope("", est.head_monthly_usd, app_base, est.candidate_monthly_usd, app_cand))
    return assess(scopes, thresholds)
