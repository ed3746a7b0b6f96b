"""HEAD is the old side: the log's traffic re-priced to HEAD's settings before a change applies.

Stage: inside the estimate.  The log was recorded under whatever was deployed then; the commit
changes HEAD's config.  Where the two disagree (an approved model swap not deployed yet, a cap
changed since), the matched requests are first moved to HEAD's settings, and the change is priced
from there: delta = candidate - HEAD-adjusted baseline.  What can be read from the log:

- model: each matched group's logged model vs HEAD's (re-priced exactly; across tokenizer families
  with the usual range);
- output cap: the cap the log's truncated requests hit (the most common output among them), or
  outputs above HEAD's cap (HEAD lowered it).  A raised cap projects the truncated requests with
  the log-normal fit, an estimate: confidence medium.

- prompt: the static prompt in force when the log's latest request was made (git history, read
  by `aiopt_hooks.extract.logera`) vs HEAD's: the difference is added to each matched request
  (an estimate: a deploy may lag its commit).

Reasoning effort is not in the log's rows; it is never adjusted (said in the README).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from aiopt_hooks.baseline.model import Group
from aiopt_hooks.pricing.fit import expected_capped_tail, fit_censored_lognormal
from aiopt_hooks.pricing.groupcost import CROSS_FAMILY_RANGE, CapRule, State
from aiopt_hooks.pricing.prices import PriceBook, UnknownModel
from aiopt_hooks.records import Change


@dataclass
class Drift:
    """What the log's settings differ from HEAD's in, for one feature's matched requests."""

    settings: list[str] = field(default_factory=list)  # "model gpt-4o-mini -> gpt-4.1 (HEAD)"
    notes: list[str] = field(default_factory=list)
    estimated: bool = False  # the adjustment is itself an estimate
    cross_family: bool = False


def head_spec(changes: list[Change]) -> dict[str, Any]:
    """HEAD's (or the range base's) spec of a feature: the new spec with each changed field's old value.

    An entry new in this commit has no HEAD spec (empty).  `prompt` is a path or a token count
    depending on the side, so it is left out."""
    spec = dict(changes[0].spec)
    for change in changes:
        if change.field == "model" and change.old is None:
            return {}
        if change.field != "prompt":
            spec[change.field] = change.old
    spec.pop("prompt", None)
    return spec


MIN_CAP_EVIDENCE = 3  # truncated requests at one output length before it is read as the log's cap


def logged_cap(groups: list[Group]) -> int | None:
    """The output cap the log's requests ran under: the most common output among the truncated
    ones, when at least MIN_CAP_EVIDENCE requests and half of the truncated ones sit there and no
    request produced more."""
    counts: dict[int, float] = {}
    longest = 0
    for group in groups:
        for (_, out, truncated), cell in group.cells.items():
            longest = max(longest, out)
            if truncated and out > 0:
                counts[out] = counts.get(out, 0.0) + cell[0]
    if not counts:
        return None
    cap, count = max(counts.items(), key=lambda item: (item[1], item[0]))
    if count < MIN_CAP_EVIDENCE or count < 0.5 * sum(counts.values()) or longest > cap:
        return None
    return cap


def adjust_to_head(
    head: dict[str, Any], groups: list[Group], states: dict[int, State], prices: PriceBook, by_model: bool
) -> Drift:
    """Move the matched groups' states from the log's settings to HEAD's; say what moved."""
    drift = Drift()
    if not head:
        return drift
    if not by_model and head.get("model"):
        _model(str(head["model"]), head.get("provider"), groups, states, prices, drift)
    cap = head.get("max_output_tokens")
    if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0:
        _cap(cap, groups, states, drift)
    era = head.get("_log_era_prompt")
    if isinstance(era, dict) and era.get("head") is not None and era.get("log") is not None:
        _prompt(int(era["head"]), int(era["log"]), str(era.get("commit", "")), groups, states, drift)
    return drift


def _prompt(head: int, log: int, commit: str, groups: list[Group], states: dict[int, State], drift: Drift) -> None:
    """HEAD's static prompt differs from the one in force when the log was recorded (git history)."""
    delta = head - log
    for group in groups:
        state = states[id(group)]
        low, mid, high = state.prompt_delta
        state.prompt_delta = (low + delta, mid + delta, high + delta)
    drift.settings.append(f"prompt {log:,} tokens (log era, commit {commit}) vs {head:,} (HEAD)")
    drift.notes.append(
        f"HEAD's static prompt has {delta:+,} tokens on the one in force when the log's latest request "
        f"was made (commit {commit}; a deploy may lag its commit): added to each matched request"
    )
    drift.estimated = True


def _model(
    model: str, provider: Any, groups: list[Group], states: dict[int, State], prices: PriceBook, drift: Drift
) -> None:
    for group in groups:
        state = states[id(group)]
        if state.price is None:
            continue
        try:
            price = prices.resolve(model, str(provider) if provider else (group.provider or None))
        except UnknownModel:
            drift.notes.append(
                f"HEAD's model {model!r} has no known price: the baseline stays at the logged {group.model!r}"
            )
            return
        if price.model_id == state.price.model_id:
            continue
        if price.family != state.price.family:
            state.range_mult = CROSS_FAMILY_RANGE
            drift.cross_family = True
        setting = f"model {group.model} (log) vs {price.model_id} (HEAD)"
        if setting not in drift.settings:
            drift.settings.append(setting)
        state.price = price


def _cap(cap: int, groups: list[Group], states: dict[int, State], drift: Drift) -> None:
    cells = [(key, cell) for g in groups for key, cell in g.cells.items() if key[1] > 0]
    total = sum(c[0] for _, c in cells)
    if not total:
        return
    above = sum(c[0] for key, c in cells if key[1] > cap)
    seen = logged_cap(groups)
    if above:
        rule = CapRule(seen, cap, drift=True)
        drift.settings.append(f"output cap {seen if seen is not None else 'none seen'} (log) vs {cap:,} (HEAD)")
        drift.notes.append(
            f"{100 * above / total:.1f}% of matched requests produced more than HEAD's cap of "
            f"{cap:,} tokens: cut to it in the HEAD-adjusted baseline"
        )
    elif seen is not None and seen < 0.95 * cap:
        rule = CapRule(seen, cap, drift=True)
        fit = fit_censored_lognormal((key[1], c[0], key[2] or key[1] >= seen) for key, c in cells)
        if fit is not None:
            rule.tail_mean = expected_capped_tail(fit[0], fit[1], seen, cap)
        hit = sum(c[0] for key, c in cells if key[2] or key[1] >= seen) / total
        reach = hit * reach_share(fit, seen, cap)
        drift.settings.append(f"output cap {seen:,} (log) vs {cap:,} (HEAD)")
        drift.notes.append(
            f"{100 * hit:.1f}% of matched requests hit the log-era cap of {seen:,}; under HEAD's "
            f"cap of {cap:,} an expected {100 * reach:.1f}% would reach it (log-normal fit)"
        )
        drift.estimated = True
    else:
        return
    for group in groups:
        states[id(group)].caps.append(rule)


def reach_share(fit: tuple[float, float] | None, low: float, high: float) -> float:
    """P(X >= high | X >= low) for the fitted log-normal (1 without a fit: the cautious answer)."""
    if fit is None or high <= low:
        return 1.0
    mu, sigma = fit

    def tail(x: float) -> float:
        return 0.5 * math.erfc((math.log(x) - mu) / (sigma * math.sqrt(2.0)))

    base = tail(low)
    return min(tail(high) / base, 1.0) if base > 0 else 1.0


def drift_cap(states: dict[int, State], groups: list[Group]) -> CapRule | None:
    """Remove and return the HEAD-adjustment cap rule of the groups' states (a cap change replaces it)."""
    found = None
    for group in groups:
        state = states[id(group)]
        for rule in [r for r in state.caps if r.drift]:
            state.caps.remove(rule)
            found = rule
    return found
