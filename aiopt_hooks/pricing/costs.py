"""Baseline cost per (feature, provider, model) group and per day: what scan, compare, risk and
the HTML report share.

Stage: summary + prices -> priced groups.  Each group is priced exactly by the estimator (every
request cell on its own tokens, tiers included); a group's cost is then spread over its days in
proportion to each day's token sums at the group's base rates.  Tier classes are not kept per day,
so the split between days is approximate, while the total stays exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.baseline.read import notes_findings, read_baseline
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.estimate import Estimator, match_groups
from aiopt_hooks.pricing.groupcost import State, group_cost
from aiopt_hooks.pricing.prices import ModelPrice, PriceBook, Rates
from aiopt_hooks.records import Finding

DAY = 86400


class GroupCost(NamedTuple):
    group: Group
    price: ModelPrice | None  # None: the model has no known price (left out, never $0)
    window_usd: float  # over the log window
    monthly_usd: float


class PricedBaseline(NamedTuple):
    summary: BaselineSummary
    groups: list[GroupCost]
    monthly_usd: float  # the whole app, known models only
    monthly_factor: float  # month_days / window_days
    window_days: float
    findings: list[Finding]  # unknown models in the log

    def by_key(self) -> dict[tuple[str, str, str], GroupCost]:
        return {(g.group.feature, g.group.provider, g.group.model): g for g in self.groups}


def price_baseline(summary: BaselineSummary, config: Config, prices: PriceBook) -> PricedBaseline:
    estimator = Estimator(summary, config, prices)
    monthly = estimator.baseline_monthly()
    rows = []
    for group in summary.groups.values():
        price = estimator.base_price(group)
        window = group_cost(group, State(price), "expected") if price is not None else 0.0
        rows.append(GroupCost(group, price, window, window * estimator.monthly))
    rows.sort(key=lambda g: -g.monthly_usd)
    return PricedBaseline(
        summary,
        rows,
        monthly,
        estimator.monthly,
        estimator.window_days,
        [*estimator.findings, *notes_findings(summary)],
    )


def linear_cost(rates: Rates, sums: list[float]) -> float:
    """Cost of day sums [count, input, cached, cache_write, output, reasoning] at one tier's rates."""
    _, s_in, s_cached, s_write, s_out, s_reason = sums
    return (
        rates.input * (s_in - s_cached - s_write)
        + rates.cached * s_cached
        + rates.cache_write * s_write
        + rates.output * (s_out - s_reason)
        + rates.reasoning * s_reason
    )


def day_split(cost: GroupCost) -> dict[int, float]:
    """The group's window cost spread over its days (day number -> USD that day)."""
    days = cost.group.days
    if cost.price is None or not days or cost.window_usd <= 0:
        return {}
    rates = cost.price.by_class[0]
    weights = {d: linear_cost(rates, v) for d, v in days.items()}
    total = sum(weights.values())
    if total <= 0:
        weights = {d: v[0] for d, v in days.items()}
        total = sum(weights.values()) or 1.0
    return {d: cost.window_usd * w / total for d, w in weights.items()}


def add_days(target: dict[int, float], days: dict[int, float], factor: float = 1.0) -> None:
    for day, value in days.items():
        target[day] = target.get(day, 0.0) + value * factor


def daily_total(costs: Iterable[GroupCost]) -> dict[int, float]:
    """Day number -> USD that day, over the given groups."""
    total: dict[int, float] = {}
    for cost in costs:
        add_days(total, day_split(cost))
    return total


def day_requests(groups: Iterable[Group]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for group in groups:
        for day, sums in group.days.items():
            counts[day] = counts.get(day, 0) + int(sums[0])
    return counts


def day_label(day: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(day * DAY, timezone.utc).strftime("%Y-%m-%d")


def load_baseline(
    root: Path, config: Config, patterns: list[str] | tuple[str, ...], cache_dir: Path | None
) -> tuple[BaselineSummary, PriceBook]:
    """The baseline summary (cached under the git dir) and the price book, as the check builds them."""

    prices = PriceBook(config, cache_dir)
    return read_baseline(patterns, root, config, prices.thresholds, cache_dir), prices


def feature_costs(
    summary: BaselineSummary, config: Config, prices: PriceBook, features: list[str]
) -> tuple[dict[str, tuple[int, float]], dict[str, tuple[int, float]]]:
    """feature -> (matched baseline requests, monthly USD); and the same per feature tag no feature claims
    ("" = untagged).  Requests of a model with no known price count, but add no cost."""

    est = Estimator(summary, config, prices)
    rules = {r.name: r for r in config.features}

    def cost(groups: list[Group]) -> tuple[int, float]:
        priced = [(g, p) for g in groups if (p := est.base_price(g)) is not None]
        return (
            sum(g.requests for g in groups),
            sum(group_cost(g, State(p), "expected") for g, p in priced) * est.monthly,
        )

    claimed: dict[str, tuple[int, float]] = {}
    seen: set[int] = set()
    for feature in features:
        groups = match_groups(feature, rules.get(feature), summary)
        seen.update(id(g) for g in groups)
        claimed[feature] = cost(groups)
    rest: dict[str, list[Group]] = {}
    for group in summary.groups.values():
        if id(group) not in seen:
            rest.setdefault(group.feature, []).append(group)
    return claimed, {tag: cost(groups) for tag, groups in sorted(rest.items())}
