"""Reasoning models: which models think, how much, and whether the output cap leaves room to answer.

Stage: inside the estimate.  A reasoning model bills hidden reasoning tokens as output.  How many,
per visible output token, is learned from the team's own log where it holds rows of that model with
reasoning tokens (or of its reasoning family); else it comes from `PRIORS`, a documented table per
effort level with wide ranges.  The priors are assumptions, not measurements: public provider docs
and usage reports put reasoning at a fraction of the visible answer for minimal effort and at one
to several times it (far more on hard tasks) from medium effort up, so each range spans about an
order of magnitude and the confidence is never high.

Which models reason: the price data marks some (a reasoning rate of their own); else `FAMILIES`,
a table of name patterns (OpenAI o-series and gpt-5 family, Claude with a thinking budget, Gemini
2.5 / 3 with thinking, DeepSeek R1, Grok reasoning models, QwQ / Qwen thinking models).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from aiopt_hooks.baseline.model import Group
from aiopt_hooks.pricing.prices import ModelPrice

Range = tuple[float, float, float]  # low, expected, high

# Reasoning tokens per visible output token, by effort level (low, expected, high).
PRIORS: dict[str, Range] = {
    "none": (0.0, 0.0, 0.0),
    "minimal": (0.0, 0.2, 0.8),
    "low": (0.3, 1.0, 3.0),
    "medium": (0.7, 2.5, 8.0),
    "high": (1.5, 5.0, 15.0),
    "xhigh": (2.5, 8.0, 25.0),
    "dynamic": (0.5, 2.0, 8.0),  # models that choose their own depth (Gemini's default, R1, Grok)
}
LEARNED_SAME_FEATURE = (0.8, 1.25)  # the ratio learned on this feature's own rows of the model
LEARNED_OTHER = (0.5, 2.0)  # learned on other features' rows: another task thinks differently
LEARNED_FAMILY = (0.4, 2.5)  # learned on another model of the family (another size or effort)
MIN_LEARN_REQUESTS = 20
CAP_FINDING_SHARE = 0.05  # a cap finding when more than 5% of answers are expected cut


class Family(NamedTuple):
    name: str
    pattern: str  # regex on the lower-case model id
    default_effort: str  # with no reasoning setting in the config; "off" = thinks only when enabled


# First match wins.  "off": the model thinks only with a thinking budget (or effort) set.
FAMILIES: tuple[Family, ...] = (
    Family("openai-chat", r"^gpt-5[\w.-]*-chat|^gpt-5-chat", "none"),
    Family("openai-gpt-5.1+", r"^gpt-5\.[1-9]", "none"),  # gpt-5.1 and later default to effort none
    Family("openai-gpt-5", r"^gpt-5", "medium"),
    Family("openai-o", r"^o[1-9](-|$)", "medium"),
    Family("anthropic-thinking", r"claude-(3-7|3\.7|sonnet-4|opus-4|haiku-4|4)", "off"),
    Family("gemini-flash-lite", r"gemini-2\.5-flash-lite", "off"),
    Family("gemini-2.5", r"gemini-2\.5-(pro|flash)", "dynamic"),
    Family("gemini-3", r"gemini-3", "high"),
    Family("deepseek-r1", r"deepseek-r1|deepseek-reasoner|r1-1776|mai-ds-r1", "dynamic"),
    Family("grok-non-reasoning", r"grok.*non-reasoning", "none"),
    Family("grok-reasoning", r"grok-3-mini|grok-4|grok.*-reasoning", "dynamic"),
    Family("qwen-thinking", r"qwq|qwen3.*thinking", "dynamic"),
)


class Profile(NamedTuple):
    """How a model reasons under a spec."""

    family: str  # a FAMILIES name, "price-data" or "" (no reasoning)
    effort: str  # a PRIORS key, or "off"


@functools.cache
def _family_patterns() -> tuple[tuple[Family, re.Pattern[str]], ...]:
    return tuple((family, re.compile(family.pattern)) for family in FAMILIES)


def family_of_model(price: ModelPrice | None, ref: str = "") -> Family | None:
    names = [n.lower().split("/")[-1] for n in (price.model_id if price else "", ref) if n]
    for family, pattern in _family_patterns():
        if any(pattern.search(name) for name in names):
            return family
    if price is not None and any(r.reasoning != r.output for r in price.by_class):
        return Family("price-data", "", "dynamic")
    return None


def thinking_on(value: Any) -> bool | None:
    """A thinking budget's state: True (on), False (off: 0 or disabled), None (not set)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0  # -1 = Gemini's dynamic budget: on
    return str(value).lower() not in ("0", "off", "disabled", "false", "none")


def profile(price: ModelPrice | None, spec: dict[str, Any], ref: str = "") -> Profile:
    """Whether and how hard the model reasons under `spec` (its effort and thinking budget)."""
    name = (ref or str(spec.get("model") or "") or (price.model_id if price else "")).lower()
    family = family_of_model(price, name)
    if family is None:
        return Profile("", "none")
    effort = str(spec.get("reasoning_effort") or "").lower()
    budget = thinking_on(spec.get("thinking_budget"))
    # A zero / disabled budget turns thinking off where the provider allows it (not Gemini 2.5 Pro).
    can_disable = family.default_effort == "off" or (family.name == "gemini-2.5" and "pro" not in name)
    if budget is False and can_disable:
        return Profile(family.name, "none")
    if effort in PRIORS:
        return Profile(family.name, effort)
    if family.default_effort == "off":
        return Profile(family.name, "dynamic" if budget else "none")
    return Profile(family.name, family.default_effort)


def learned_ratio(
    groups: Iterable[Group], model_id: str, feature: str, price_of: Any, family: str = ""
) -> tuple[Range, str] | None:
    """Reasoning per visible output token on the log's rows of `model_id` (with reasoning tokens),
    else on the rows of other models of its reasoning `family` (at whatever effort they ran)."""
    own, other, kin = [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]
    for group in groups:
        price = price_of(group)
        if price is None:
            continue
        if price.model_id == model_id:
            sums = own if group.feature == feature else other
        elif family and (found := family_of_model(price, group.model)) is not None and found.name == family:
            sums = kin
        else:
            continue
        for (_, out, _), cell in group.cells.items():
            sums[0] += cell[0]
            sums[1] += cell[4]
            sums[2] += out * cell[0] - cell[4]
    for sums, spread, where in (
        (own, LEARNED_SAME_FEATURE, f"this feature's log rows of {model_id}"),
        (other, LEARNED_OTHER, f"other features' log rows of {model_id}"),
        (kin, LEARNED_FAMILY, f"log rows of other {family} models"),
    ):
        if sums[0] >= MIN_LEARN_REQUESTS and sums[1] > 0 and sums[2] > 0:
            ratio = sums[1] / sums[2]
            return (
                (ratio * spread[0], ratio, ratio * spread[1]),
                f"learned from {sums[0]:,.0f} of {where}: {ratio:.2f} reasoning tokens per visible output token",
            )
    return None


def prior_ratio(prof: Profile) -> tuple[Range, str]:
    ratio = PRIORS.get(prof.effort, PRIORS["dynamic"])
    return ratio, (
        f"no log rows of this model show reasoning tokens: the documented prior for {prof.family} at "
        f"effort {prof.effort} is {ratio[1]:g} reasoning tokens per visible output token "
        f"(range {ratio[0]:g}-{ratio[2]:g})"
    )


def cut_share(
    groups: Iterable[Group], ratio: float, cap: int, budget: int | None = None, visible_only: bool = True
) -> float:
    """The share of requests whose reasoning plus visible answer would not fit in `cap`."""
    total = cut = 0.0
    for group in groups:
        for (_, out, _), cell in group.cells.items():
            if out <= 0:
                continue
            count = cell[0]
            logged_reason = cell[4] / count if count else 0.0
            visible = out - logged_reason if visible_only else out
            reason = logged_reason if logged_reason else ratio * visible
            if budget is not None:
                reason = min(reason, budget)
            total += count
            if reason + visible > cap:
                cut += count
    return cut / total if total else 0.0
