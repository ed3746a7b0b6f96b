""""What would pass": for a blocked change, the largest value of the changed parameter (or up to
three cheaper models of the same provider) that keeps the commit under the blocking threshold.

Each trial re-runs the same estimator on the same summary, so a suggestion is priced exactly as
the change itself was.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config, Policy
from aiopt_hooks.pricing.prices import ModelPrice, PriceBook, UnknownModel
from aiopt_hooks.pricing.trials import FeatureTrials as _Trials  # a trial re-estimates only its feature
from aiopt_hooks.records import Change, Estimate
from aiopt_hooks.render.money import money

NOT_CHAT = ("embed", "tts", "whisper", "transcribe", "audio", "realtime", "image", "dall-e", "moderation",
            "search", "computer-use", "codex", "sora", "veo", "imagen", "live")


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
    if (d := trials.delta(change, replace(change, new=low))) is None or d > limit:
        return None
    while high - low > 1:
        mid = (low + high) // 2
        d = trials.delta(change, replace(change, new=mid))
        low, high = (mid, high) if d is not None and d <= limit else (low, mid)
    return low


def _cheaper_models(trials: _Trials, change: Change, limit: float, proposed: float) -> list[dict[str, Any]]:
    if trials.floor(change) > limit:   # not even a free model for this feature would pass
        return []
    try:
        wanted = trials.prices.resolve(str(change.new), change.spec.get("provider"))
    except UnknownModel:
        return []
    found = []
    for price in cheaper_models(trials.prices, wanted):
        d = trials.delta(change, replace(change, new=price.model_id))
        if d is not None and d <= limit:
            found.append((price.model_id, d))
            if len(found) == 3:   # the closest three are shown: stop searching
                break
    return [{"feature": change.feature, "field": "model", "value": mid, "delta_monthly_usd": round(d, 2),
             "message": f"{mid} would pass ({money(d - proposed, True)}/mo vs {change.new})"}
            for mid, d in found[:3]]


def _weight(price: ModelPrice) -> float:
    return price.by_class[0].input + 4 * price.by_class[0].output


def cheaper_models(prices: PriceBook, wanted: ModelPrice) -> list[ModelPrice]:
    """The provider's current chat models priced below `wanted`, the closest in price first."""
    found = []
    for model_id in prices.provider_models(wanted.provider_id):
        if any(word in model_id for word in NOT_CHAT) or model_id == wanted.model_id:
            continue
        try:
            price = prices.resolve(model_id, wanted.provider_id)
        except UnknownModel:
            continue
        if 0 < _weight(price) < _weight(wanted) and price.by_class[0].output > 0:
            found.append(price)
    return sorted(found, key=lambda p: (_weight(p), p.model_id), reverse=True)


def what_would_pass(est: Estimate, changes: list[Change], summary: BaselineSummary, config: Config,
                    prices: PriceBook) -> list[dict[str, Any]]:
    limit = allowed_increase(config.policy, est.baseline_monthly_usd)
    if limit is None:
        return []
    trials = _Trials(summary, config, prices, changes)
    total = est.delta_high if config.policy.basis == "high" else est.delta
    out: list[dict[str, Any]] = []
    for ce in sorted(est.changes, key=lambda c: -c.delta_monthly_usd):
        ch = ce.change
        if not ce.priced or ce.delta_monthly_usd <= 0:
            continue
        if ch.field == "model" and ch.new:
            out.extend(_cheaper_models(trials, ch, limit, total))
            continue
        if ch.field not in ("max_output_tokens", "retries", "prompt", "n") or ch.new is None:
            continue
        start = int(ch.old or (1 if ch.field == "n" else 0))
        best = _largest_int(trials, ch, start, int(ch.new), limit)
        if best is not None and best != start or (best == start and ch.old is not None):
            unit = " tokens" if ch.field == "prompt" else ""
            what = "prompt" if ch.field == "prompt" else ch.field
            out.append({"feature": ch.feature, "field": ch.field, "value": best,
                        "message": f"{ch.feature}.{what} ≤ {best:,}{unit} would pass"})
    return out
