""" "What would pass": for a blocked change, the largest value of the changed parameter (or up to
three cheaper models of the same provider) that keeps the commit under the blocking threshold.

Each trial re-runs the same estimator on the same summary, so a suggestion is priced exactly as
the change itself was.
"""

from __future__ import annotations

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config, Policy
from aiopt_hooks.pricing.candidates import Trials as _Trials
from aiopt_hooks.pricing.candidates import model_candidates, select_changes
from aiopt_hooks.pricing.prices import PriceBook, UnknownModel
from aiopt_hooks.records import Change, Estimate, Suggestion


def allowed_increase(policy: Policy, baseline_monthly: float) -> float | None:
    """The largest monthly increase no block threshold fires on (None when no threshold is set)."""
    limits = []
    if (v := policy.block.get("monthly_increase_usd")) is not None:
        limits.append(v)
    if (v := policy.block.get("increase_pct")) is not None and baseline_monthly > 0:
        limits.append(v / 100 * baseline_monthly)
    if (v := policy.block.get("monthly_total_usd")) is not None:
        limits.append(max(v - baseline_monthly, 0.0))
    return min(limits) if limits else None


def _largest_int(trials: _Trials, change: Change, low: int, high: int, limit: float) -> int | None:
    """The largest value in [low, high) whose total delta stays within the limit (binary search)."""
    if (d := trials.delta(change, change._replace(new=low))) is None or d > limit:
        return None
    while high - low > 1:
        mid = (low + high) // 2
        d = trials.delta(change, change._replace(new=mid))
        low, high = (mid, high) if d is not None and d <= limit else (low, mid)
    return low


def _cheaper_models(trials: _Trials, change: Change, limit: float, proposed: float) -> list[Suggestion]:
    try:
        wanted = trials.prices.resolve(str(change.new), change.spec.get("provider"))
    except UnknownModel:
        return []
    found = []
    for price in model_candidates(trials.prices, trials.summary, change, wanted):
        d = trials.delta(change, change._replace(new=price.model_id))
        if d is not None and d <= limit:
            found.append((price.model_id, d))
            if len(found) == 3:  # the closest three are shown: stop searching
                break
    return [
        Suggestion(change.feature, "model", mid, d, versus=change.new, versus_delta_monthly_usd=proposed)
        for mid, d in found[:3]
    ]


def what_would_pass(
    est: Estimate, changes: list[Change], summary: BaselineSummary, config: Config, prices: PriceBook
) -> list[Suggestion]:
    limit = allowed_increase(config.policy, est.head_monthly_usd)
    if limit is None:
        return []
    trials = _Trials(summary, config, prices, changes, est)
    total = est.delta_high if config.policy.basis == "high" else est.delta
    out: list[Suggestion] = []
    for ce in select_changes(est):  # bounded (aiopt_hooks.pricing.candidates)
        ch = ce.change
        if ch.field == "model" and ch.new:
            out.extend(_cheaper_models(trials, ch, limit, total))
            continue
        if ch.field not in ("max_output_tokens", "retries", "prompt", "n") or ch.new is None:
            continue
        start = int(ch.old or (1 if ch.field == "n" else 0))
        best = _largest_int(trials, ch, start, int(ch.new), limit)
        if best is not None and best != start or (best == start and ch.old is not None):
            out.append(Suggestion(ch.feature, ch.field, best, None, versus=ch.new))
    return out
