"""The cost of a group's requests under a `State`: the arithmetic every estimate shares.

Stage: inside the estimate.  A state says how the matched requests are billed (the model's
price, output caps, added prompt tokens, multipliers); `group_cost` prices each request cell on
its own token counts under it, for the low, expected and high scenarios.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from aiopt_hooks.baseline.model import Group
from aiopt_hooks.pricing.prices import ModelPrice, Rates

SCENARIOS = ("low", "expected", "high")
CROSS_FAMILY_RANGE = (0.90, 1.25)  # token counts of the same text across tokenizer families
UNCAPPED_GROWTH = 4.0  # removing a cap: truncated outputs may grow to 4x the old cap (high)


@dataclass
class CapRule:
    old: int | None
    new: int | None
    tail_mean: float | None = None  # expected output of truncated requests under the new cap
    drift: bool = False  # moves the log's cap to HEAD's (aiopt_hooks.pricing.drift)

    def apply(self, out: float, truncated: bool, scenario: str) -> float:
        if self.new is not None and (self.old is None or self.new <= self.old):
            return min(out, self.new)
        hit = truncated or (self.old is not None and out >= self.old)
        if not hit or scenario == "low":
            return out
        ceiling = self.new if self.new is not None else UNCAPPED_GROWTH * (self.old or out)
        if scenario == "high" or self.tail_mean is None:
            return float(ceiling)
        return min(self.tail_mean, float(ceiling))


@dataclass
class State:
    """How the matched requests are billed: the baseline, or after some changes."""

    price: ModelPrice | None
    caps: list[CapRule] = field(default_factory=list)
    prompt_delta: tuple[float, float, float] = (0.0, 0.0, 0.0)  # added input tokens per request
    output_mult: float = 1.0
    reasoning_mult: tuple[float, float, float] = (1.0, 1.0, 1.0)
    call_mult: tuple[float, float, float] = (1.0, 1.0, 1.0)
    range_mult: tuple[float, float] = (1.0, 1.0)
    thresholds: tuple[int, ...] = ()  # the summary's tier thresholds: a prompt change can cross one
    input_scale: float = 1.0  # what-if: every input token class x this
    output_scale: float = 1.0  # what-if: output (reasoning included) x this, before any cap
    # Reasoning (aiopt_hooks.pricing.reasoning), per scenario: reasoning tokens added per visible output
    # token; hidden reasoning per visible token inside the logged output (a log that does not split it,
    # dropped); a per-request budget on reasoning; a cap on reasoning + visible output together.
    reasoning_added: tuple[float, float, float] = (0.0, 0.0, 0.0)
    hidden_reasoning: tuple[float, float, float] = (0.0, 0.0, 0.0)
    reasoning_budget: float | None = None
    total_cap: int | None = None

    @property
    def reasons(self) -> bool:
        return bool(any(self.reasoning_added) or any(self.hidden_reasoning) or self.reasoning_budget is not None)


# A tier the price data does not price for a model: batch and flex bill half the standard rates
# at every provider that offers them (OpenAI, Anthropic, Google, Bedrock); priority is priced at
# the standard rates (a lower bound).  Either is said in a note (`tier_assumptions`).
TIER_FALLBACK = {"batch": 0.5, "flex": 0.5, "priority": 1.0}


def tier_rates(price: ModelPrice, tier: str) -> tuple[tuple[Rates, ...], bool]:
    """(rates of `tier` for the model, True when the price data has them; else the fallback)."""
    rates = price.tier_rates(tier)
    if rates is not None:
        return rates, True
    mult = TIER_FALLBACK.get(tier, 1.0)
    return tuple(Rates(*(v * mult if v >= 0 else v for v in r)) for r in price.by_class), False


def _tier_correction(group: Group, state: State, k: int) -> float:
    """What the group's batch / flex / priority requests cost above (or below) the standard rates
    the cells price them at: each tier's sums at the difference of rates, in the tier class of
    their mean input; caps are not applied to it (a tier's share of a cap change is second order)."""
    assert state.price is not None
    extra = 0.0
    for tier, (count, s_in, s_cached, s_write, s_out, s_reason) in group.tiers.items():
        if not count:
            continue
        alt, _ = tier_rates(state.price, tier)
        delta = state.prompt_delta[k]
        if state.thresholds:
            klass = bisect.bisect_left(state.thresholds, s_in / count * state.input_scale + delta)
        else:  # no thresholds given: the group's most common tier class
            klass = max(group.class_totals().items(), key=lambda item: item[1][0])[0]
        klass = min(klass, len(alt) - 1, len(state.price.by_class) - 1)
        std, new = state.price.by_class[klass], alt[klass]
        uncached = (s_in - s_cached - s_write) * state.input_scale + delta * count
        reason = s_reason * state.output_scale * state.reasoning_mult[k]
        extra += (
            (new.input - std.input) * uncached
            + ((new.cached - std.cached) * s_cached + (new.cache_write - std.cache_write) * s_write) * state.input_scale
            + (
                (new.output - std.output) * (s_out - s_reason) * state.output_scale
                + (new.reasoning - std.reasoning) * reason
            )
            * state.output_mult
        )
    return extra


def group_cost(group: Group, state: State, scenario: str) -> float:
    """Cost of the group's requests over the baseline window, each request priced on its own tokens."""
    assert state.price is not None
    k = SCENARIOS.index(scenario)
    rates = state.price.by_class
    total = _one_hour_premium(group, rates) * state.input_scale
    if group.tiers:
        total += _tier_correction(group, state, k)
    delta = state.prompt_delta[k]
    m_in, m_out = state.input_scale, state.output_scale
    if not state.caps and not state.reasons and not ((any(state.prompt_delta) or m_in != 1.0) and state.thresholds):
        # No per-request change of output or tier: per-class sums price it exactly.
        for klass, (count, s_in, s_cached, s_write, s_out, s_reason) in group.class_totals().items():
            r = rates[klass]
            reason = s_reason * state.reasoning_mult[k] * m_out
            uncached = (s_in - s_cached - s_write) * m_in + delta * count
            total += (
                r.input * uncached
                + (r.cached * s_cached + r.cache_write * s_write) * m_in
                + (r.output * (s_out - s_reason) * m_out + r.reasoning * reason) * state.output_mult
            )
        return total * _factor(state, k)
    # The per-cell loop runs for every cell of every matched group and trial: the state's settings are
    # read once, outside it.
    thresholds = state.thresholds if (delta or m_in != 1.0) else ()
    caps, reasons, reasoning_mult, output_mult = state.caps, state.reasons, state.reasoning_mult[k], state.output_mult
    for (klass, out, truncated), (count, s_in, s_cached, s_write, s_reason) in group.cells.items():
        if thresholds and count:
            # The cell's requests move to the tier of their mean input plus the added prompt.
            klass = bisect.bisect_left(thresholds, s_in / count * m_in + delta)
        r = rates[klass]
        scaled = out * m_out
        new_out = scaled
        for cap in caps:
            new_out = cap.apply(new_out, truncated, scenario)
        kept = min(new_out / scaled, 1.0) if scaled else 1.0
        reason = s_reason * m_out * kept * reasoning_mult
        visible = max(new_out * count - s_reason * m_out * kept, 0.0)
        if reasons and count:
            visible, reason = _reasoning(state, k, visible / count, reason / count)
            visible, reason = visible * count, reason * count
        uncached = (s_in - s_cached - s_write) * m_in + delta * count
        total += (
            r.input * uncached
            + (r.cached * s_cached + r.cache_write * s_write) * m_in
            + (r.output * visible + r.reasoning * reason) * output_mult
        )
    return total * _factor(state, k)


def _reasoning(state: State, k: int, visible: float, reason: float) -> tuple[float, float]:
    """(visible, reasoning) tokens of one request once the state's reasoning settings apply."""
    if state.hidden_reasoning[k]:
        visible /= 1.0 + state.hidden_reasoning[k]
    reason += state.reasoning_added[k] * visible
    if state.reasoning_budget is not None:
        reason = min(reason, state.reasoning_budget)
    if state.total_cap is not None and reason + visible > state.total_cap:
        reason = min(reason, float(state.total_cap))
        visible = state.total_cap - reason
    return visible, reason


def _one_hour_premium(group: Group, rates: tuple[Rates, ...]) -> float:
    """What 1-hour cache writes cost above the 5-minute rate the cells price them at, spread over
    the tier classes in proportion to each class's cache writes (exact within one class)."""
    if not group.cache_write_1h:
        return 0.0
    totals = group.class_totals()
    writes = sum(t[3] for t in totals.values())
    extra = 0.0
    for klass, t in totals.items():
        r = rates[klass]
        rate_1h = r.cache_write_1h if r.cache_write_1h >= 0 else r.cache_write
        extra += (rate_1h - r.cache_write) * group.cache_write_1h * (t[3] / writes if writes else 0.0)
    return extra


def _factor(state: State, k: int) -> float:
    spread = state.range_mult[0] if k == 0 else state.range_mult[1] if k == 2 else 1.0
    return state.call_mult[k] * spread
