"""Which alternatives "what would pass" tries, and the bounded trials that price them.

Stage: after a blocked verdict (called by `aiopt_hooks.pricing.suggest`).  Candidate models for a
blocked model change come from the configured model's provider and generation (gpt-4o -> gpt-4o-mini;
claude-sonnet-4-5 -> claude-haiku-4-5; gemini-2.5-pro -> gemini-2.5-flash), or are models the team's
own log already uses; never a model the price data marks deprecated or `RETIRED` names (a documented
table of retired and legacy families), never a non-chat model, each once.  Each trial re-prices only
the changed feature with the same estimator (reasoning included: a reasoning candidate is priced
with its reasoning tokens), so a commit with hundreds of changes costs at most
`MAX_CHANGES x (MAX_MODELS or a binary search)` feature estimates, and no more than the time budget.
"""

from __future__ import annotations

import re
import time

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.estimate import Estimator
from aiopt_hooks.pricing.prices import ModelPrice, PriceBook, UnknownModel, split_ref
from aiopt_hooks.pricing.sharing import claim_counts
from aiopt_hooks.records import COST_FIELDS, Change, ChangeEstimate, Estimate

NOT_CHAT = (
    "embed",
    "tts",
    "whisper",
    "transcribe",
    "audio",
    "realtime",
    "image",
    "dall-e",
    "moderation",
    "search",
    "computer-use",
    "codex",
    "sora",
    "veo",
    "imagen",
    "live",
    "research",
    "robotics",
    "ft:",
    "safeguard",
    "vision",
)
# Retired or legacy families the price data still lists (provider deprecation pages): never suggested.
RETIRED = (
    r"^gpt-3\.5",
    r"^gpt-4(-\d+k)?$",
    r"^gpt-4-(32k|turbo|vision)",
    r"^gpt-4\.5",
    r"^o1-(preview|mini)",
    r"^(ada|babbage|curie|davinci)",
    r"^text-",
    r"^claude-(1|2|v1|instant)",
    r"^claude-3-(opus|sonnet)",
    r"^claude-3-5-sonnet",
    r"^gemini-(1\.0|1\.5|pro$|pro-1|flash-1)",
    r"^gemini-2\.0",
    r"^chatgpt-",
)
TIER_WORDS = {
    "mini",
    "nano",
    "lite",
    "flash",
    "pro",
    "haiku",
    "sonnet",
    "opus",
    "turbo",
    "small",
    "medium",
    "large",
    "fast",
    "instruct",
    "chat",
    "plus",
    "max",
    "micro",
    "latest",
}
_RETIRED = re.compile("|".join(RETIRED))  # one search for them all
_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4}|\d{8})$")  # a snapshot date (or MMDD) suffix
_CONTEXT_SIZE = re.compile(r"\d+k")
MAX_CHANGES = 5  # the blocked changes tried, largest increase first
MAX_MODELS = 6  # candidate models priced per model change
TIME_BUDGET_S = 2.0  # of trials per check (a fraction of max_seconds when that is smaller)


def generation(model_id: str) -> str:
    """gpt-4o-mini -> gpt-4o; claude-sonnet-4-5 -> claude-4-5; gemini-2.5-flash-lite -> gemini-2.5."""
    name = model_id.lower().split("/")[-1]
    name = _DATED.sub("", name)
    return "-".join(p for p in name.split("-") if p not in TIER_WORDS and not _CONTEXT_SIZE.fullmatch(p))


def usable(model_id: str, configured: str = "") -> bool:
    name = model_id.lower()
    if any(word in name for word in NOT_CHAT) or _RETIRED.search(name):
        return False
    return "preview" not in name or "preview" in configured.lower()


def _dated(model_id: str) -> bool:
    return bool(_DATED.search(model_id))


def model_candidates(
    prices: PriceBook, summary: BaselineSummary, change: Change, wanted: ModelPrice
) -> list[ModelPrice]:
    """Cheaper current models for a blocked model change, the closest in price first, each once."""
    old = None
    if change.old:
        try:
            old = prices.resolve(str(change.old), change.spec.get("provider")).model_id
        except UnknownModel:
            old = split_ref(str(change.old))[1]
    return cheaper_models(prices, wanted, old, summary)


def cheaper_models(
    prices: PriceBook, wanted: ModelPrice, old: str | None = None, summary: BaselineSummary | None = None
) -> list[ModelPrice]:
    """Current chat models cheaper than `wanted`: of its provider and generation (or `old`'s), or in
    use in the log; the closest in price first, each once, at most MAX_MODELS."""
    gens = {generation(wanted.model_id)} | ({generation(old)} if old else set())
    # The provider's own list, and its family's (an Azure OpenAI deployment can run OpenAI's models).
    refs: list[tuple[str, str | None]] = [
        (m, wanted.provider_id)
        for provider in dict.fromkeys((wanted.provider_id, wanted.family))
        for m in prices.provider_models(provider)
        if generation(m) in gens
    ]
    refs += [(g.model, g.provider or None) for g in (summary.groups.values() if summary else ())]
    found: dict[str, ModelPrice] = {}
    for ref, provider in refs:
        if not usable(ref, wanted.model_id) or (_dated(ref) and generation(ref) in found):
            continue
        try:
            price = prices.resolve(ref, provider)
        except UnknownModel:
            continue
        if (
            price.model_id in found
            or price.model_id in (wanted.model_id, old)
            or not usable(price.model_id, wanted.model_id)
        ):
            continue  # each once; never the blocked model itself, nor HEAD's (keeping it is not news)
        if 0 < _weight(price) < _weight(wanted) and price.by_class[0].output > 0:
            found[price.model_id] = price
    ranked = sorted(found.values(), key=lambda p: (_weight(p), p.model_id), reverse=True)
    return ranked[:MAX_MODELS]


def _weight(price: ModelPrice) -> float:
    return price.by_class[0].input + 4 * price.by_class[0].output


def select_changes(est: Estimate) -> list[ChangeEstimate]:
    """The priced increases worth a suggestion, largest first, at most MAX_CHANGES."""
    ranked = sorted(
        (c for c in est.changes if c.priced and c.delta_monthly_usd > 0), key=lambda c: -c.delta_monthly_usd
    )
    return ranked[:MAX_CHANGES]


class Trials:
    """Prices a commit with one change replaced, re-estimating only that change's feature."""

    def __init__(
        self,
        summary: BaselineSummary,
        config: Config,
        prices: PriceBook,
        changes: list[Change],
        est: Estimate | None = None,
    ) -> None:
        self.summary, self.config, self.prices, self.changes = summary, config, prices, changes
        self.high = config.policy.basis == "high"
        self.estimator = Estimator(summary, config, prices)
        self.est = est or self.estimator.estimate(changes)
        self.by_feature: dict[str, list[Change]] = {}
        for change in changes:
            self.by_feature.setdefault(change.feature, []).append(change)
        features = set(self.by_feature)
        claimed = [self.estimator._matched(f, items, features) for f, items in self.by_feature.items()]
        self.estimator._shares = claim_counts(c[0] for c in claimed if not c[3])
        self.deadline = time.monotonic() + min(TIME_BUDGET_S, max(config.max_seconds / 4, 0.2))
        self.count = 0

    def _part(self, results: list[ChangeEstimate]) -> float:
        return sum(c.delta_monthly_usd_high if self.high else c.delta_monthly_usd for c in results)

    def delta(self, swap: Change, replacement: Change) -> float | None:
        """The commit's total delta with `swap` replaced (None: not priced, or out of time)."""
        if time.monotonic() > self.deadline:
            return None
        self.count += 1
        if replacement.field == "model":
            replacement = replacement._replace(spec={**replacement.spec, "model": replacement.new})
        feature = swap.feature
        trial = [replacement if c is swap else c for c in self.by_feature[feature]]
        trial.sort(key=lambda c: COST_FIELDS.index(c.field))
        claim = self.estimator._matched(feature, trial, set(self.by_feature))
        results = self.estimator._estimate_feature(feature, trial, claim)
        if any(not r.priced for r in results if r.change.field == swap.field):
            return None
        before = self._part([c for c in self.est.changes if c.change.feature == feature])
        return (self.est.delta_high if self.high else self.est.delta) - before + self._part(results)
