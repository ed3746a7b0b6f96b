"""Estimate: changes + baseline summary + prices -> baseline vs candidate monthly cost.

All changes to one feature are applied in one pass to the same matched requests (a model swap
and a cap raise compose, they are not priced apart and added); each change is credited with the
cost difference it makes at its turn.  Every request cell is priced on its own token counts.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

from aiopt_hooks.baseline.summary import BaselineSummary, Group
from aiopt_hooks.config import Config, FeatureRule
from aiopt_hooks.fit import expected_capped_tail, fit_censored_lognormal
from aiopt_hooks.prices import ModelPrice, PriceBook, UnknownModel
from aiopt_hooks.records import COST_FIELDS, Change, ChangeEstimate, Estimate, Finding

SCENARIOS = ("low", "expected", "high")
CROSS_FAMILY_RANGE = (0.90, 1.25)   # token counts of the same text across tokenizer families
UNCAPPED_GROWTH = 4.0               # removing a cap: truncated outputs may grow to 4x the old cap (high)
EFFORT = {"none": 0.0, "minimal": 0.25, "low": 0.5, "medium": 1.0, "high": 2.0, "xhigh": 3.0}
DEFAULT_FAILURE_RATE = 0.02
CONFIDENCE = ("low", "medium", "high")


@dataclass
class CapRule:
    old: int | None
    new: int | None
    tail_mean: float | None = None     # expected output of truncated requests under the new cap

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
    prompt_delta: tuple[float, float, float] = (0.0, 0.0, 0.0)   # added input tokens per request
    output_mult: float = 1.0
    reasoning_mult: tuple[float, float, float] = (1.0, 1.0, 1.0)
    call_mult: tuple[float, float, float] = (1.0, 1.0, 1.0)
    range_mult: tuple[float, float] = (1.0, 1.0)
    thresholds: tuple[int, ...] = ()   # the summary's tier thresholds: a prompt change can cross one
    input_scale: float = 1.0           # what-if: every input token class x this
    output_scale: float = 1.0          # what-if: output (reasoning included) x this, before any cap


def group_cost(group: Group, state: State, scenario: str) -> float:
    """Cost of the group's requests over the baseline window, each request priced on its own tokens."""
    assert state.price is not None
    k = SCENARIOS.index(scenario)
    rates = state.price.by_class
    total = 0.0
    delta = state.prompt_delta[k]
    m_in, m_out = state.input_scale, state.output_scale
    if not state.caps and not ((any(state.prompt_delta) or m_in != 1.0) and state.thresholds):
        # No per-request change of output or tier: per-class sums price it exactly.
        for klass, (count, s_in, s_cached, s_write, s_out, s_reason) in group.class_totals().items():
            r = rates[klass]
            reason = s_reason * state.reasoning_mult[k] * m_out
            uncached = (s_in - s_cached - s_write) * m_in + delta * count
            total += (r.input * uncached + (r.cached * s_cached + r.cache_write * s_write) * m_in
                      + (r.output * (s_out - s_reason) * m_out + r.reasoning * reason) * state.output_mult)
        return total * _factor(state, k)
    for (klass, out, truncated), (count, s_in, s_cached, s_write, s_reason) in group.cells.items():
        if (delta or m_in != 1.0) and state.thresholds and count:
            # The cell's requests move to the tier of their mean input plus the added prompt.
            klass = bisect.bisect_left(state.thresholds, s_in / count * m_in + delta)
        r = rates[klass]
        scaled = out * m_out
        new_out = scaled
        for cap in state.caps:
            new_out = cap.apply(new_out, truncated, scenario)
        kept = min(new_out / scaled, 1.0) if scaled else 1.0
        reason = s_reason * m_out * kept * state.reasoning_mult[k]
        visible = max(new_out * count - s_reason * m_out * kept, 0.0)
        uncached = (s_in - s_cached - s_write) * m_in + delta * count
        total += (r.input * uncached + (r.cached * s_cached + r.cache_write * s_write) * m_in
                  + (r.output * visible + r.reasoning * reason) * state.output_mult)
    return total * _factor(state, k)


def _factor(state: State, k: int) -> float:
    spread = state.range_mult[0] if k == 0 else state.range_mult[1] if k == 2 else 1.0
    return state.call_mult[k] * spread


def _rule_for(feature: str, config: Config) -> FeatureRule | None:
    return next((r for r in config.features if r.name == feature), None)


def match_groups(feature: str, rule: FeatureRule | None, summary: BaselineSummary) -> list[Group]:
    wanted = dict(rule.match) if rule and rule.match else {"feature_tag": feature}
    def ok(g: Group) -> bool:
        values = {"feature_tag": g.feature, "feature": g.feature, "model": g.model, "provider": g.provider}
        return all(values.get(k, "").lower() == str(v).lower() for k, v in wanted.items())
    return [g for g in summary.groups.values() if ok(g)]


class Estimator:
    def __init__(self, summary: BaselineSummary, config: Config, prices: PriceBook) -> None:
        self.summary = summary
        self.config = config
        self.prices = prices
        window = config.window_days or summary.span_days
        self.window_days = max(window, 1.0 / 24)
        self.monthly = config.month_days / self.window_days
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self._base_price: dict[int, ModelPrice | None] = {}
        self.matched: dict[str, list[tuple[str, str, str]]] = {}   # feature -> its matched group keys

    def base_price(self, group: Group) -> ModelPrice | None:
        if id(group) not in self._base_price:
            try:
                self._base_price[id(group)] = self.prices.resolve(group.model, group.provider)
            except UnknownModel:
                self._base_price[id(group)] = None
        return self._base_price[id(group)]

    def baseline_monthly(self) -> float:
        total = 0.0
        unknown: dict[str, int] = {}
        stated = [0.0, 0.0, 0.0]   # the log's own cost, ours, requests (groups that state every row's cost)
        for group in self.summary.groups.values():
            price = self.base_price(group)
            if price is None:
                unknown[group.model] = unknown.get(group.model, 0) + group.requests
                continue
            cost = group_cost(group, State(price), "expected")
            total += cost
            if group.stated_cost_rows and group.stated_cost_rows == group.requests:
                stated[0] += group.stated_cost
                stated[1] += cost
                stated[2] += group.requests
        if stated[2]:
            diff = 100 * (stated[1] - stated[0]) / stated[0] if stated[0] else 0.0
            self.notes.append(f"calibration: for the {int(stated[2]):,} requests whose log rows state a cost, the "
                              f"log says ${stated[0]:,.2f} and our prices give ${stated[1]:,.2f} ({diff:+.1f}%); "
                              "estimates use token counts and our prices on both sides")
        for model, count in sorted(unknown.items()):
            self.findings.append(Finding(
                "warn", "unknown_model_in_log",
                f"{count:,} baseline requests use model {model!r}, which has no known price: they are left "
                f"out of the baseline (never priced as $0); add `prices: {{{model}: {{input: ..., output: ...}}}}`",
                file=", ".join(self.summary.paths)))
        return total * self.monthly

    # -- per feature ---------------------------------------------------------------------------

    def estimate(self, changes: list[Change]) -> Estimate:
        est = Estimate(baseline_paths=list(self.summary.paths), baseline_requests=self.summary.requests,
                       window_days=self.window_days, month_days=self.config.month_days,
                       baseline_monthly_usd=self.baseline_monthly())
        by_feature: dict[str, list[Change]] = {}
        for change in changes:
            by_feature.setdefault(change.feature, []).append(change)
        for feature, items in by_feature.items():
            items.sort(key=lambda c: COST_FIELDS.index(c.field))
            est.changes.extend(self._estimate_feature(feature, items))
        self._data_quality(est)
        est.matched = dict(self.matched)
        est.findings = self.findings + est.findings
        est.notes.extend(self.notes)
        return est

    def _matched(self, feature: str, changes: list[Change]) -> tuple[list[Group], str, list[str], bool]:
        """(matched groups, how they matched, notes, synthetic: a declared new feature's traffic)."""
        rule = _rule_for(feature, self.config)
        groups = match_groups(feature, rule, self.summary)
        how = f"feature tag {feature!r}" if not (rule and rule.match) else f"match {dict(rule.match)}"
        model_change = next((c for c in changes if c.field == "model" and c.old), None)
        if not groups and model_change is not None:
            try:
                old_id = self.prices.resolve(str(model_change.old), model_change.spec.get("provider")).model_id
            except UnknownModel:
                old_id = str(model_change.old)
            groups = [g for g in self.summary.groups.values()
                      if (p := self.base_price(g)) is not None and p.model_id == old_id]
            how = f"old model {model_change.old!r} (no request carries feature tag {feature!r})"
        notes = []
        unknown = [g for g in groups if self.base_price(g) is None]
        if unknown:
            names = ", ".join(sorted({g.model for g in unknown}))
            notes.append(f"{sum(g.requests for g in unknown):,} matched requests use unknown model(s) {names}: left out")
            groups = [g for g in groups if self.base_price(g) is not None]
        if not groups and rule and rule.expected_requests_per_day:
            synthetic = self._synthetic_group(feature, rule, changes)
            if synthetic is not None:
                return [synthetic], f"expected_requests_per_day = {rule.expected_requests_per_day:g}", notes, True
        return groups, how, notes, False

    def _synthetic_group(self, feature: str, rule: FeatureRule, changes: list[Change]) -> Group | None:
        spec = changes[0].spec
        same_model = [g for g in self.summary.groups.values() if g.model == spec.get("model")]
        pool = same_model or list(self.summary.groups.values())
        cells = [(key, cell) for g in pool for key, cell in g.cells.items()]
        count = sum(c[0] for _, c in cells) or 1
        inp = rule.expected_input_tokens or sum(c[1] for _, c in cells) / count
        out = rule.expected_output_tokens or sum(key[1] * c[0] for key, c in cells) / count
        n = float(rule.expected_requests_per_day or 0) * self.window_days
        group = Group(feature, str(spec.get("provider") or ""), str(spec.get("model") or ""), requests=int(n))
        klass = bisect.bisect_left(self.summary.thresholds, int(inp))
        group.cells[(klass, int(out), False)] = [n, n * inp, 0.0, 0.0, 0.0]
        return group

    def _estimate_new_feature(self, group: Group, how: str, changes: list[Change]) -> list[ChangeEstimate]:
        """A feature with no baseline traffic, priced from its declared traffic: all of its cost is new."""
        results = [ChangeEstimate(change=c, requests_matched=0, confidence="low") for c in changes]
        spec = changes[0].spec
        state = State(None)
        head = results[0]
        head.notes.append(f"new feature priced from {how} (tokens: declared, or the log's mean for the model)")
        if not self._reprice(head, [group], {id(group): state}, str(spec.get("model") or group.model) or None,
                             spec.get("provider")):
            for r in results:
                r.priced = False
            return results
        cap = spec.get("max_output_tokens")
        if isinstance(cap, int):
            state.caps.append(CapRule(None, cap))
        self._fill(head, [0.0] * 3, [group_cost(group, state, s) for s in SCENARIOS], True)
        for r in results[1:]:
            r.notes.append(f"included in the new feature's estimate ({head.change.field} row)")
        return results

    def _estimate_feature(self, feature: str, changes: list[Change]) -> list[ChangeEstimate]:
        groups, how, notes, synthetic = self._matched(feature, changes)
        self.matched[feature] = [] if synthetic else [(g.feature, g.provider, g.model) for g in groups]
        if synthetic:
            return self._estimate_new_feature(groups[0], how, changes)
        results = [ChangeEstimate(change=c) for c in changes]
        if not groups:
            level = self.config.policy.unmatched_change
            first = changes[0]
            self.findings.append(Finding(
                level, "unmatched_change",
                f"{feature}: no baseline request matches this feature (feature tag {feature!r}); the change is "
                f"not priced. Tag the requests with feature_tag={feature!r}, map it under `features.{feature}.match`, "
                f"or declare `features.{feature}.expected_requests_per_day`",
                file=first.file, line=first.line))
            for r in results:
                r.priced = False
                r.confidence = "low"
                r.notes.append("no matched baseline traffic: not priced")
            return results
        states = {id(g): State(self.base_price(g), thresholds=self.summary.thresholds) for g in groups}
        matched = sum(g.requests for g in groups)
        extra = [0.0, 0.0, 0.0]
        before = self._cost(groups, states, extra)
        by_model = how.startswith("old model")
        for result in results:
            result.requests_matched = matched
            result.notes.extend([f"matched by {how}", *notes] if by_model else notes)
            if by_model:
                result.confidence = "medium"
            ok = self._apply(result, groups, states, extra)
            after = self._cost(groups, states, extra) if ok else before
            self._fill(result, before, after, ok)
            before = after
        return results

    def _cost(self, groups: list[Group], states: dict[int, State], extra: list[float]) -> list[float]:
        return [sum(group_cost(g, states[id(g)], s) for g in groups) + extra[i] for i, s in enumerate(SCENARIOS)]

    def _fill(self, result: ChangeEstimate, before: list[float], after: list[float], ok: bool) -> None:
        m = self.monthly
        deltas = [(a - b) * m for a, b in zip(after, before)]
        result.priced = ok
        result.baseline_monthly_usd = before[1] * m
        result.candidate_monthly_usd = after[1] * m
        result.delta_monthly_usd = deltas[1]
        result.delta_monthly_usd_low = min(deltas)
        result.delta_monthly_usd_high = max(deltas)
        if result.requests_matched < 100 and result.confidence != "low":
            result.confidence = CONFIDENCE[CONFIDENCE.index(result.confidence) - 1]
            result.notes.append(f"only {result.requests_matched} matched requests")

    # -- one change ------------------------------------------------------------------------------

    def _apply(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
               extra: list[float]) -> bool:
        """Apply one change to every matched group's state; False when it cannot be priced."""
        change = result.change
        handler = getattr(self, f"_apply_{change.field}", None)
        if handler is None:
            result.notes.append(f"`{change.field}` changes are not priced")
            result.confidence = "low"
            return False
        ok: bool = handler(result, groups, states, extra)
        return ok

    def _reprice(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                 model: str | None, provider: str | None) -> bool:
        change = result.change
        for group in groups:
            ref = model or group.model
            try:
                price = self.prices.resolve(ref, provider or group.provider or None)
            except UnknownModel as exc:
                self._unknown_model(exc, change)
                result.notes.append(f"{ref!r} has no known price: not priced")
                return False
            state = states[id(group)]
            old = state.price
            if old is not None and old.family != price.family:
                state.range_mult = CROSS_FAMILY_RANGE
                result.confidence = "medium"
                note = (f"tokenizer family changes ({old.family} -> {price.family}): the same text may count "
                        f"{CROSS_FAMILY_RANGE[0]:.2f}x-{CROSS_FAMILY_RANGE[1]:.2f}x the tokens")
                if note not in result.notes:
                    result.notes.append(note)
            state.price = price
            self._check_context(price, group, change)
        return True

    def _check_context(self, price: ModelPrice, group: Group, change: Change) -> None:
        """A finding when the new model's context window is smaller than requests the log shows."""
        if not price.context_window or group.max_input <= price.context_window:
            return
        message = (f"{change.feature}: {price.model_id} accepts {price.context_window:,} input tokens, but the "
                   f"log shows requests of up to {group.max_input:,} tokens ({group.model}): they would fail")
        if not any(f.message == message for f in self.findings):
            self.findings.append(Finding("warn", "context_window", message, file=change.file, line=change.line))

    def _apply_model(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                     extra: list[float]) -> bool:
        if not result.change.new:
            result.notes.append("model removed from the config: not priced")
            return False
        return self._reprice(result, groups, states, str(result.change.new), result.change.spec.get("provider"))

    def _apply_provider(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                        extra: list[float]) -> bool:
        model = result.change.spec.get("model")
        return self._reprice(result, groups, states, str(model) if model else None,
                             str(result.change.new or ""))

    def _apply_max_output_tokens(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                                 extra: list[float]) -> bool:
        old, new = result.change.old, result.change.new
        rule = CapRule(old, new)
        # Zero-output rows are failed attempts: neither truncated nor evidence of output length.
        cells = [(key, cell) for g in groups for key, cell in g.cells.items() if key[1] > 0]
        total = sum(c[0] for _, c in cells) or 1
        if new is not None and (old is None or new <= old):
            cut = sum(c[0] for key, c in cells if key[1] > new)
            result.notes.append(f"{100 * cut / total:.1f}% of matched requests produced more than {new:,} "
                                "tokens and will now be cut off (a quality risk, not priced)")
        else:
            hits = [(key, c) for key, c in cells if key[2] or (old is not None and key[1] >= old)]
            share = sum(c[0] for _, c in hits) / total
            fit = fit_censored_lognormal((key[1], c[0], key[2] or (old is not None and key[1] >= old))
                                         for key, c in cells)
            if fit is not None and old:
                rule.tail_mean = expected_capped_tail(fit[0], fit[1], old, new if new is not None else
                                                      UNCAPPED_GROWTH * old)
            result.confidence = "medium"
            result.notes.append(f"{100 * share:.1f}% of matched requests hit the old cap; low = they stay, "
                                f"high = they grow to {'the new cap' if new is not None else f'{UNCAPPED_GROWTH:g}x the old cap'}, "
                                "expected = log-normal fitted to outputs censored at the old cap")
        for group in groups:
            states[id(group)].caps.append(rule)
        return True

    def _apply_prompt(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                      extra: list[float]) -> bool:
        delta = int(result.change.new or 0) - int(result.change.old or 0)
        spread = (1.0, 1.0)
        if any("stand-in" in n for n in result.change.notes):
            # Counted with an OpenAI vocabulary for another family's model: widen as for a model swap.
            spread = CROSS_FAMILY_RANGE if delta >= 0 else CROSS_FAMILY_RANGE[::-1]
            result.confidence = "medium"
            result.notes.append(f"another family's tokenizer may count {CROSS_FAMILY_RANGE[0]:.2f}x-"
                                f"{CROSS_FAMILY_RANGE[1]:.2f}x these tokens")
        for group in groups:
            state = states[id(group)]
            low, mid, high = state.prompt_delta
            state.prompt_delta = (low + delta * spread[0], mid + delta, high + delta * spread[1])
        result.notes.append(f"{delta:+,} prompt tokens on each matched request")
        if any("approximation" in n for n in result.change.notes):
            result.confidence = "medium"
        result.notes.extend(result.change.notes)
        return True

    def _scale_calls(self, groups: list[Group], states: dict[int, State], mult: tuple[float, float, float]) -> None:
        for group in groups:
            state = states[id(group)]
            state.call_mult = tuple(a * b for a, b in zip(state.call_mult, mult))  # type: ignore[assignment]

    def _apply_traffic(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                       extra: list[float]) -> bool:
        old = 1.0 if result.change.old is None else float(result.change.old)
        new = 1.0 if result.change.new is None else float(result.change.new)
        if old <= 0:
            result.notes.append("the feature was off in the baseline config: its traffic cannot be scaled")
            return False
        self._scale_calls(groups, states, (new / old,) * 3)
        result.notes.append(f"matched requests x {new / old:g}")
        return True

    def _apply_context_mult(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                            extra: list[float]) -> bool:
        for group in groups:
            states[id(group)].input_scale *= float(result.change.new)
        result.notes.append(f"input tokens x {float(result.change.new):g} on each matched request (the cached "
                            "share kept; a request can move to another price tier)")
        return True

    def _apply_output_mult(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                           extra: list[float]) -> bool:
        for group in groups:
            states[id(group)].output_scale *= float(result.change.new)
        result.notes.append(f"output tokens x {float(result.change.new):g} on each matched request, before any cap")
        return True

    def _failure_rate(self, groups: list[Group], result: ChangeEstimate) -> float:
        requests = sum(g.requests for g in groups)
        failed = sum(g.failed for g in groups)
        if failed == 0:
            result.notes.append(f"the log shows no failed attempts: assumed a {DEFAULT_FAILURE_RATE:.0%} "
                                "failure rate per attempt")
            result.confidence = "low"
            return DEFAULT_FAILURE_RATE
        result.confidence = "medium"
        return failed / max(requests, 1)

    def _apply_retries(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                       extra: list[float]) -> bool:
        old = int(result.change.old or 0)
        new = int(result.change.new or 0)
        p = self._failure_rate(groups, result)
        def attempts(rate: float, r: int) -> float:
            return sum(rate ** k for k in range(r + 1))
        rates = (p / 2, p, min(2 * p, 0.9))
        mult = tuple(attempts(q, new) / attempts(q, old) for q in rates)
        self._scale_calls(groups, states, (min(mult), mult[1], max(mult)))
        result.notes.append(f"expected billed attempts per request {attempts(p, old):.3f} -> {attempts(p, new):.3f} "
                            f"at a {p:.1%} failure rate per attempt (a failed attempt assumed to bill like a success)")
        return True

    def _apply_n(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                 extra: list[float]) -> bool:
        old = int(result.change.old or 1) or 1
        new = int(result.change.new or 1)
        for group in groups:
            states[id(group)].output_mult *= new / old
        result.notes.append(f"output tokens x {new}/{old}; input billed once")
        return True

    def _apply_reasoning_effort(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                                extra: list[float]) -> bool:
        old = EFFORT.get(str(result.change.old or "medium").lower())
        new = EFFORT.get(str(result.change.new or "medium").lower())
        if old is None or new is None or old == 0:
            result.notes.append("unknown reasoning effort level: not priced")
            return False
        ratio = new / old
        mult = (1 + (ratio - 1) * 0.5, ratio, 1 + (ratio - 1) * 1.5)
        reasoning = sum(c[4] for g in groups for c in g.cells.values())
        result.confidence = "low"
        for group in groups:
            state = states[id(group)]
            if reasoning > 0:
                state.reasoning_mult = tuple(a * b for a, b in zip(state.reasoning_mult, mult))  # type: ignore[assignment]
        if reasoning == 0:
            for group in groups:
                states[id(group)].output_mult *= ratio
            result.notes.append("the log has no reasoning tokens: the effort factor was applied to output tokens")
        result.notes.append(f"reasoning tokens x {ratio:g} (documented per-level factors; a wide range)")
        return True

    def _apply_fallbacks(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State],
                         extra: list[float]) -> bool:
        added = [m for m in (result.change.new or ()) if m not in (result.change.old or ())]
        if not added:
            result.notes.append("no fallback model added: no cost change")
            return True
        p = self._failure_rate(groups, result)
        retries = int(result.change.spec.get("retries") or 0)
        shares = [(q ** (retries + 1)) for q in (p / 2, p, min(2 * p, 0.9))]
        try:
            price = self.prices.resolve(str(added[0]))
        except UnknownModel as exc:
            self._unknown_model(exc, result.change)
            return False
        for i, scenario in enumerate(SCENARIOS):
            cost = sum(group_cost(g, replace(states[id(g)], price=price), scenario) for g in groups)
            extra[i] += shares[i] * cost
        result.notes.append(f"{shares[1]:.2%} of requests exhaust {retries} retries and go to {added[0]}")
        return True

    def _unknown_model(self, exc: UnknownModel, change: Change) -> None:
        if exc.not_static:
            message = (f"{change.feature}: model {exc.ref!r} is not statically known (an environment reference); "
                       "it cannot be priced. Set it in the file, or map it under `aliases:` in .aiopt.yaml")
        else:
            hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            message = (f"{change.feature}: unknown model {exc.ref!r}: no price is known, so the change cannot be "
                       f"priced (never as $0){hint} If it is an alias or a deployment name, map it under "
                       "`aliases:` in .aiopt.yaml; for a custom model, add it under `prices:`")
        self.findings.append(Finding(self.config.policy.unknown_model, "unknown_model", message,
                                     file=change.file, line=change.line))

    def _data_quality(self, est: Estimate) -> None:
        reasons = []
        if self.summary.span_days < 1 and not self.config.window_days:
            reasons.append(f"the log covers only {self.summary.span_days * 24:.1f} hours")
        if self.summary.requests and self.summary.untagged / self.summary.requests > 0.2:
            reasons.append(f"{100 * self.summary.untagged / self.summary.requests:.0f}% of log rows have no feature tag")
        if self.summary.bad_rows:
            est.findings.append(Finding(
                "warn", "bad_log_rows",
                f"{self.summary.bad_rows:,} log rows could not be read and were skipped; first: "
                + "; ".join(self.summary.bad_lines), file=", ".join(self.summary.paths)))
        if self.summary.duplicates:
            from aiopt_hooks.baseline.dedupe import duplicates_finding

            est.findings.append(duplicates_finding(self.summary.duplicates, self.summary.duplicate_lines,
                                                   self.summary.paths, self.config.baseline_dedupe))
        for reason in reasons:
            est.notes.append(f"low confidence: {reason}")
        if reasons:
            for result in est.changes:
                result.confidence = "low"
                result.notes.append(reasons[0])


def estimate_changes(changes: list[Change], summary: BaselineSummary, config: Config,
                     prices: PriceBook) -> Estimate:
    return Estimator(summary, config, prices).estimate(changes)
