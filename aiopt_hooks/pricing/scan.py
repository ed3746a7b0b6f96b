"""Scan: where the money goes and what could be saved, from the baseline log alone.

Stage: summary + prices -> `ScanReport` (rendered by `scan_render`, never recomputed).  Monthly
cost per (feature, model, provider) with shares, the daily trend, and savings hints each with an
estimated $/month and the assumption it rests on:
- a cheaper model of the same provider (the closest in price; its quality is not evaluated);
- prompt caching, where long inputs repeat on a model with a cache price and none are cached;
- retry waste: what failed attempts cost;
- truncation: requests that stopped at their output cap;
- unknown models in the log (no price, so not counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.candidates import cheaper_models
from aiopt_hooks.pricing.costs import (
    GroupCost,
    PricedBaseline,
    daily_total,
    day_label,
    day_requests,
    linear_cost,
    price_baseline,
)
from aiopt_hooks.pricing.groupcost import State, group_cost
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.records import Finding

CACHE_MIN_INPUT = 1024  # providers cache prompts from about 1,024 tokens on
CACHE_MIN_REQUESTS = 100
CACHED_SHARE = 0.5  # assumed share of each input that is a stable, cacheable prefix
MIN_RATE = 0.01  # retry and truncation hints below 1% of requests are not shown
MIN_SHARE = 0.005  # model hints saving under 0.5% of the app are not shown
SPREAD_VALUES = 10  # distinct output lengths before a spike at the largest one reads as a cap


@dataclass
class Hint:
    kind: str  # cheaper_model | prompt_caching | retry_waste | truncation | unknown_model
    feature: str
    model: str
    saving_monthly_usd: float | None  # None: cannot be priced
    facts: dict[str, Any]  # the figures `render.scan` words the hint from
    assumption: str


@dataclass
class ScanReport:
    paths: list[str]
    requests: int
    window_days: float
    month_days: float
    monthly_usd: float
    rows: list[dict[str, Any]]  # per (feature, model, provider), most expensive first
    daily: list[dict[str, Any]]  # {"date", "requests", "usd"} per UTC day
    hints: list[Hint] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    users: int = 0

    def rollup(self, key: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for row in self.rows:
            out[row[key]] = out.get(row[key], 0.0) + row["monthly_usd"]
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def scan_baseline(summary: BaselineSummary, config: Config, prices: PriceBook) -> ScanReport:
    priced = price_baseline(summary, config, prices)
    total = priced.monthly_usd
    rows = [
        {
            "feature": c.group.feature,
            "model": c.group.model,
            "provider": c.group.provider,
            "requests": c.group.requests,
            "requests_monthly": c.group.requests * priced.monthly_factor,
            "monthly_usd": c.monthly_usd,
            "share": c.monthly_usd / total if total > 0 else 0.0,
            "priced": c.price is not None,
        }
        for c in priced.groups
    ]
    costs = daily_total(priced.groups)
    counts = day_requests(summary.groups.values())
    daily = [
        {"date": day_label(d), "requests": counts.get(d, 0), "usd": costs.get(d, 0.0)}
        for d in sorted(set(costs) | set(counts))
    ]
    report = ScanReport(
        list(summary.paths),
        summary.requests,
        priced.window_days,
        config.month_days,
        total,
        rows,
        daily,
        findings=list(priced.findings),
        users=summary.users,
    )
    report.hints = _hints(priced, prices, total)
    return report


def _hints(priced: PricedBaseline, prices: PriceBook, total: float) -> list[Hint]:
    hints: list[Hint] = []
    for cost in priced.groups:
        if cost.price is None:
            hints.append(_unknown(cost.group))
            continue
        factor = priced.monthly_factor
        found = (
            _cheaper_model(cost, factor, prices),
            _prompt_caching(cost, factor),
            _retry_waste(cost, factor),
            _truncation(cost, factor),
        )
        hints.extend(h for h in found if h is not None)
    hints = [
        h
        for h in hints
        if h.saving_monthly_usd is None or h.kind != "cheaper_model" or h.saving_monthly_usd >= MIN_SHARE * total
    ]
    return sorted(hints, key=lambda h: (h.saving_monthly_usd is None, -(h.saving_monthly_usd or 0.0)))


def _cheaper_model(cost: GroupCost, factor: float, prices: PriceBook) -> Hint | None:

    assert cost.price is not None
    for cheaper in cheaper_models(prices, cost.price)[:1]:
        saving = cost.monthly_usd - group_cost(cost.group, State(cheaper), "expected") * factor
        if saving > 0:
            return Hint(
                "cheaper_model",
                cost.group.feature,
                cost.group.model,
                saving,
                {
                    "cheaper": cheaper.model_id,
                    "monthly_usd": cost.monthly_usd,
                    "cheaper_monthly_usd": cost.monthly_usd - saving,
                },
                "the same token counts at the cheaper model's prices; whether its answers are good "
                "enough for this feature is not evaluated",
            )
    return None


def _prompt_caching(cost: GroupCost, factor: float) -> Hint | None:
    group, price = cost.group, cost.price
    assert price is not None
    totals = group.class_totals().values()
    count = sum(t[0] for t in totals)
    s_in = sum(t[1] for t in totals)
    if (
        count < CACHE_MIN_REQUESTS
        or s_in / count < CACHE_MIN_INPUT
        or any(t[2] or t[3] for t in totals)
        or price.by_class[0].cached >= price.by_class[0].input
    ):
        return None
    saving = (
        sum(
            CACHED_SHARE * t[1] * (price.by_class[k].input - price.by_class[k].cached)
            for k, t in group.class_totals().items()
        )
        * factor
    )
    return Hint(
        "prompt_caching",
        group.feature,
        group.model,
        saving,
        {
            "requests": int(count),
            "mean_input": s_in / count,
            "model_id": price.model_id,
            "cached_ratio": price.by_class[0].cached / price.by_class[0].input,
        },
        f"{CACHED_SHARE:.0%} of each input is a repeated prefix served from the cache; cache writes "
        "(priced above input by some providers) are not counted",
    )


def _retry_waste(cost: GroupCost, factor: float) -> Hint | None:
    group, price = cost.group, cost.price
    assert price is not None
    if group.failed:
        waste = linear_cost(price.by_class[0], [0.0, *group.failed_tokens]) * factor
        what, count, rate = "failed attempts", group.failed, group.failed / group.requests
        how = "each failed attempt billed on its own logged tokens"
    elif group.retries:
        waste = group.retries * cost.monthly_usd / group.requests
        what, count, rate = "retries", group.retries, group.retries / group.requests
        how = "each retry (not logged as a row of its own) billed like an average request of this feature"
    else:
        return None
    if rate < MIN_RATE or waste <= 0:
        return None
    return Hint("retry_waste", group.feature, group.model, waste, {"what": what, "count": count, "rate": rate}, how)


def _truncation(cost: GroupCost, factor: float) -> Hint | None:
    group = cost.group
    cut = {k: c for k, c in group.cells.items() if k[2]}
    how = "finish_reason says the cap cut them"
    if not cut and group.cells:
        cut, how = _spike_at_the_top(group)
    count = sum(c[0] for c in cut.values())
    if not group.requests or count / group.requests < MIN_RATE:
        return None
    part = Group(group.feature, group.provider, group.model, cells=dict(cut))
    spent = group_cost(part, State(cost.price), "expected") * factor
    cap = max(k[1] for k in cut)
    return Hint(
        "truncation",
        group.feature,
        group.model,
        spent,
        {"share": count / group.requests, "cap": cap},
        f"a cut-off answer is wasted (retried or discarded), so its cost is at risk; {how}",
    )


def _spike_at_the_top(group: Group) -> tuple[dict[tuple[int, int, bool], list[float]], str]:
    """With no finish_reason: the largest output value, when far more requests end exactly there
    than at a typical value of a spread-out distribution, is taken as the cap."""
    per_value: dict[int, float] = {}
    for key, cell in group.cells.items():
        per_value[key[1]] = per_value.get(key[1], 0.0) + cell[0]
    top = max(per_value)
    others = sorted(v for k, v in per_value.items() if k != top)
    if top <= 0 or len(others) < SPREAD_VALUES or per_value[top] < max(5.0, 3 * others[len(others) // 2]):
        return {}, ""
    return (
        {k: c for k, c in group.cells.items() if k[1] == top},
        f"far more requests end at exactly {top:,} output tokens than at any typical length: taken as the cap",
    )


def _unknown(group: Group) -> Hint:
    return Hint(
        "unknown_model",
        group.feature,
        group.model,
        None,
        {"requests": group.requests},
        "no price, so no saving can be estimated",
    )
