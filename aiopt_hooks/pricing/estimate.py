"""Estimate: changes + baseline summary + prices -> baseline vs candidate monthly cost.

All changes to one feature are applied in one pass to the same matched requests (a model swap
and a cap raise compose, they are not priced apart and added); each change is credited with the
cost difference it makes at its turn.  Every request cell is priced on its own token counts.
Before the changes apply, the matched requests are moved to HEAD's settings (pricing.drift), and
requests claimed by several features of the commit are shared among them (pricing.sharing); the
window leaves out stray timestamps (pricing.window).
"""

from __future__ import annotations

import bisect

from aiopt_hooks.baseline.dedupe import duplicates_finding
from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.baseline.read import notes_findings
from aiopt_hooks.config import Config, FeatureRule
from aiopt_hooks.pricing.change_kinds import HANDLERS
from aiopt_hooks.pricing.drift import Drift, adjust_to_head, head_spec
from aiopt_hooks.pricing.group_kinds import GroupKinds
from aiopt_hooks.pricing.groupcost import SCENARIOS, CapRule, State, group_cost
from aiopt_hooks.pricing.prices import ModelPrice, PriceBook, UnknownModel
from aiopt_hooks.pricing.reasoning_kinds import ReasoningKinds
from aiopt_hooks.pricing.sharing import claim_counts, share_traffic
from aiopt_hooks.pricing.stated import (
    aggregated_basis,
    aggregated_caveat,
    reported_cost_finding,
    stated_cost_finding,
    tier_notes,
)
from aiopt_hooks.pricing.window import robust_window
from aiopt_hooks.records import COST_FIELDS, Change, ChangeEstimate, Confidence, Estimate, Finding

__all__ = ["Estimator", "State", "CapRule", "group_cost", "match_groups", "estimate_changes"]
CONFIDENCE: tuple[Confidence, ...] = ("low", "medium", "high")


def _rule_for(feature: str, config: Config) -> FeatureRule | None:
    return next((r for r in config.features if r.name == feature), None)


# The last summary's groups by lower-cased feature tag (the default match), built once per summary:
# a commit changing many features, and the "what would pass" trials, match every feature many times.
_TAG_INDEX: list[tuple[BaselineSummary, int, dict[str, list[Group]]]] = []


def _by_tag(summary: BaselineSummary) -> dict[str, list[Group]]:
    if _TAG_INDEX and _TAG_INDEX[0][0] is summary and _TAG_INDEX[0][1] == len(summary.groups):
        return _TAG_INDEX[0][2]
    index: dict[str, list[Group]] = {}
    for group in summary.groups.values():
        index.setdefault(group.feature.lower(), []).append(group)
    _TAG_INDEX[:] = [(summary, len(summary.groups), index)]
    return index


def match_groups(feature: str, rule: FeatureRule | None, summary: BaselineSummary) -> list[Group]:
    if not (rule and rule.match):
        return list(_by_tag(summary).get(feature.lower(), ()))
    wanted = dict(rule.match)

    def ok(g: Group) -> bool:
        values = {"feature_tag": g.feature, "feature": g.feature, "model": g.model, "provider": g.provider}
        return all(values.get(k, "").lower() == str(v).lower() for k, v in wanted.items())

    return [g for g in summary.groups.values() if ok(g)]


_BASELINE_MEMO: list[tuple[BaselineSummary, Config, PriceBook, float, list[str], list[Finding]]] = []


class Estimator(ReasoningKinds, GroupKinds):
    def __init__(self, summary: BaselineSummary, config: Config, prices: PriceBook) -> None:
        self.summary = summary
        self.config = config
        self.prices = prices
        self.findings: list[Finding] = []
        window = config.window_days
        if not window:
            window, outliers = robust_window(summary)
            if outliers is not None:
                self.findings.append(outliers)
        self.window_days = max(window, 1.0 / 24)
        self.monthly = config.month_days / self.window_days
        self.head_adjustment = 0.0  # monthly: the log re-priced to HEAD's settings, minus as logged
        self._shares: dict[int, int] = {}  # id(group) -> how many features of this estimate claim it
        self.notes: list[str] = []
        self._base_price: dict[int, ModelPrice | None] = {}
        self.matched: dict[str, list[tuple[str, str, str]]] = {}  # feature -> its matched group keys

    def base_price(self, group: Group) -> ModelPrice | None:
        if id(group) not in self._base_price:
            try:
                self._base_price[id(group)] = self.prices.resolve(group.model, group.provider)
            except UnknownModel:
                self._base_price[id(group)] = None
        return self._base_price[id(group)]

    def baseline_monthly(self) -> float:
        """The baseline's monthly cost (with its calibration note and unknown-model findings), once per
        (summary, config, prices): the "what would pass" trials build many estimators on the same."""
        memo = _BASELINE_MEMO[0] if _BASELINE_MEMO else None
        if memo is not None and memo[0] is self.summary and memo[1] is self.config and memo[2] is self.prices:
            self.notes.extend(memo[4])
            self.findings.extend(memo[5])
            return memo[3]
        notes, findings = len(self.notes), len(self.findings)
        total = self._baseline_monthly()
        _BASELINE_MEMO[:] = [
            (self.summary, self.config, self.prices, total, self.notes[notes:], self.findings[findings:])
        ]
        return total

    def _baseline_monthly(self) -> float:
        total = 0.0
        unknown: dict[str, int] = {}
        stated = [0.0, 0.0, 0.0]  # the log's own cost, ours, requests (groups that state every row's cost)
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
            self.notes.append(
                f"calibration: for the {int(stated[2]):,} requests whose log rows state a cost, the "
                f"log says ${stated[0]:,.2f} and our prices give ${stated[1]:,.2f} ({diff:+.1f}%); "
                "estimates use token counts and our prices on both sides"
            )
            finding = stated_cost_finding(self.summary, stated[0], stated[1], int(stated[2]))
            if finding is not None:
                self.findings.append(finding)
        if self.summary.reported and self.summary.first_ts is not None and self.summary.last_ts is not None:
            finding = reported_cost_finding(self.summary, total)
            if finding is not None:
                self.findings.append(finding)
        if any(g.tiers for g in self.summary.groups.values()):
            self.notes.extend(tier_notes(self.summary, self.base_price))
        for model, count in sorted(unknown.items()):
            self.findings.append(
                Finding(
                    "warn",
                    "unknown_model_in_log",
                    f"{count:,} baseline requests use model {model!r}, which has no known price: they are left "
                    f"out of the baseline (never priced as $0); add `prices: {{{model}: {{input: ..., output: ...}}}}`",
                    file=", ".join(self.summary.paths),
                )
            )
        return total * self.monthly

    # -- per feature ---------------------------------------------------------------------------

    def estimate(self, changes: list[Change]) -> Estimate:
        est = Estimate(
            baseline_paths=list(self.summary.paths),
            baseline_requests=self.summary.requests,
            window_days=self.window_days,
            month_days=self.config.month_days,
            baseline_monthly_usd=self.baseline_monthly(),
        )
        by_feature: dict[str, list[Change]] = {}
        for change in changes:
            by_feature.setdefault(change.feature, []).append(change)
        for items in by_feature.values():
            items.sort(key=lambda c: COST_FIELDS.index(c.field))
        claimed = {feature: self._matched(feature, items, set(by_feature)) for feature, items in by_feature.items()}
        self._shares = claim_counts(match[0] for match in claimed.values() if not match[3])
        for feature, items in by_feature.items():
            est.changes.extend(self._estimate_feature(feature, items, claimed[feature]))
        self._data_quality(est)
        est.matched = dict(self.matched)
        est.head_adjustment_usd = self.head_adjustment
        est.findings = self.findings + est.findings
        est.notes.extend(self.notes)
        return est

    def _matched(
        self, feature: str, changes: list[Change], features: set[str] | None = None
    ) -> tuple[list[Group], str, list[str], bool]:
        """(matched groups, how they matched, notes, synthetic: a declared new feature's traffic).

        A feature with no tagged traffic falls back to its old model's requests, except those
        tagged for another feature of this commit or of `features:` (they are that feature's)."""
        rule = _rule_for(feature, self.config)
        groups = match_groups(feature, rule, self.summary)
        how = f"feature tag {feature!r}" if not (rule and rule.match) else f"match {dict(rule.match)}"
        model_change = next((c for c in changes if c.field == "model" and c.old), None)
        if not groups and model_change is not None:
            try:
                old_id = self.prices.resolve(str(model_change.old), model_change.spec.get("provider")).model_id
            except UnknownModel:
                old_id = str(model_change.old)
            owned = {f.lower() for f in (features or set()) | {r.name for r in self.config.features}} - {""}
            groups = [
                g
                for g in self.summary.groups.values()
                if (p := self.base_price(g)) is not None and p.model_id == old_id and g.feature.lower() not in owned
            ]
            # Untagged requests first: tagged ones belong to features of their own.
            groups = [g for g in groups if not g.feature] or groups
            how = f"old model {model_change.old!r} (no request carries feature tag {feature!r})"
        notes = []
        unknown = [g for g in groups if self.base_price(g) is None]
        if unknown:
            names = ", ".join(sorted({g.model for g in unknown}))
            notes.append(
                f"{sum(g.requests for g in unknown):,} matched requests use unknown model(s) {names}: left out"
            )
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
        if not self._reprice(
            head, [group], {id(group): state}, str(spec.get("model") or group.model) or None, spec.get("provider")
        ):
            for r in results:
                r.priced = False
                r.unpriced_reason = head.notes[-1]
            return results
        cap = spec.get("max_output_tokens")
        if isinstance(cap, int):
            state.caps.append(CapRule(None, cap))
        self._fill(head, [0.0] * 3, [group_cost(group, state, s) for s in SCENARIOS], True)
        for r in results[1:]:
            r.notes.append(f"included in the new feature's estimate ({head.change.field} row)")
        return results

    def _estimate_feature(
        self, feature: str, changes: list[Change], claim: tuple[list[Group], str, list[str], bool] | None = None
    ) -> list[ChangeEstimate]:
        groups, how, notes, synthetic = claim or self._matched(feature, changes)
        self.matched[feature] = [] if synthetic else [(g.feature, g.provider, g.model) for g in groups]
        if synthetic:
            return self._estimate_new_feature(groups[0], how, changes)
        results = [ChangeEstimate(change=c) for c in changes]
        if not groups:
            level = self.config.policy.unmatched_change
            first = changes[0]
            self.findings.append(
                Finding(
                    level,
                    "unmatched_change",
                    f"{feature}: no baseline request matches this feature (feature tag {feature!r}); the change is "
                    f"not priced. Tag the requests with feature_tag={feature!r}, map it under `features.{feature}.match`, "
                    f"or declare `features.{feature}.expected_requests_per_day`",
                    file=first.file,
                    line=first.line,
                )
            )
            for r in results:
                r.priced = False
                r.confidence = "low"
                r.notes.append("no matched baseline traffic: not priced")
                r.unpriced_reason = f"no baseline request matches feature {feature!r} (unmatched_change)"
            return results
        states = {id(g): State(self.base_price(g), thresholds=self.summary.thresholds) for g in groups}
        by_model = how.startswith("old model")
        notes = notes + share_traffic(groups, states, self._shares)
        matched = round(sum(g.requests * states[id(g)].call_mult[1] for g in groups))
        extra = [0.0, 0.0, 0.0]
        drift = self._head_adjust(changes, groups, states, extra, by_model)
        before = self._cost(groups, states, extra)
        for result in results:
            result.requests_matched = matched
            result.notes.extend([f"matched by {how}", *notes] if by_model else notes)
            result.notes.extend(drift.notes)
            if by_model or drift.estimated or drift.cross_family:
                result.confidence = "medium"
            ok = self._apply(result, groups, states, extra)
            after = self._cost(groups, states, extra) if ok else before
            self._fill(result, before, after, ok)
            before = after
            if self.summary.aggregated or self.summary.uncounted_rows:
                aggregated_caveat(self.summary, result)
        self._reasoning_cap_finding(feature, groups, states, results[-1])
        return results

    def _head_adjust(
        self, changes: list[Change], groups: list[Group], states: dict[int, State], extra: list[float], by_model: bool
    ) -> Drift:
        """Re-price the matched requests to HEAD's settings (a finding when they differ from the log's)."""
        logged = self._cost(groups, states, extra)
        prices = {id(g): states[id(g)].price for g in groups}
        head = head_spec(changes)
        drift = adjust_to_head(head, groups, states, self.prices, by_model)
        if not drift.settings:
            return drift
        # HEAD's model may reason where the logged one did not (or the other way round).
        probe = ChangeEstimate(change=changes[0])
        self._swap_reasoning(probe, [g for g in groups if prices[id(g)] is not None], states, prices, head)
        drift.notes.extend(f"HEAD-adjusted baseline: {note}" for note in probe.notes)
        drift.estimated = drift.estimated or probe.confidence != "high"
        adjusted = self._cost(groups, states, extra)
        self.head_adjustment += (adjusted[1] - logged[1]) * self.monthly
        first = changes[0]
        self.findings.append(
            Finding(
                "info",
                "baseline_drift",
                f"{first.feature}: the log was recorded under other settings than HEAD's ({'; '.join(drift.settings)}): "
                f"the baseline is re-priced to HEAD's settings first, ${logged[1] * self.monthly:,.2f}/month as "
                f"logged -> ${adjusted[1] * self.monthly:,.2f}/month at HEAD, and the change is priced from there",
                file=first.file,
                line=first.line,
            )
        )
        return drift

    def _cost(self, groups: list[Group], states: dict[int, State], extra: list[float]) -> list[float]:
        return [sum(group_cost(g, states[id(g)], s) for g in groups) + extra[i] for i, s in enumerate(SCENARIOS)]

    def _fill(self, result: ChangeEstimate, before: list[float], after: list[float], ok: bool) -> None:
        m = self.monthly
        deltas = [(a - b) * m for a, b in zip(after, before)]
        result.priced = ok
        if not ok and not result.unpriced_reason:
            result.unpriced_reason = result.notes[-1] if result.notes else "not priced"
        result.baseline_monthly_usd = before[1] * m
        result.candidate_monthly_usd = after[1] * m
        result.delta_monthly_usd = deltas[1]
        result.delta_monthly_usd_low = min(deltas)
        result.delta_monthly_usd_high = max(deltas)
        if result.requests_matched < 100 and result.confidence != "low":
            result.confidence = CONFIDENCE[CONFIDENCE.index(result.confidence) - 1]
            result.notes.append(f"only {result.requests_matched} matched requests")

    def _untagged_chat(self) -> tuple[int, int, int]:
        """(chat requests, untagged chat requests, untagged requests of other kinds): embeddings, moderation
        or audio rows often carry no feature tag, and say nothing about how well chat traffic is tagged."""
        from aiopt_hooks.pricing.request_kind import request_kind

        chat = untagged = others = 0
        for group in self.summary.groups.values():
            is_chat = request_kind(group.model) == "chat"
            chat += group.requests if is_chat else 0
            untagged += group.requests if is_chat and not group.feature else 0
            others += group.requests if not is_chat and not group.feature else 0
        return chat, untagged, others

    def _other_kinds(self) -> str:
        from aiopt_hooks.pricing.request_kind import request_kind

        kinds = {request_kind(g.model) for g in self.summary.groups.values() if not g.feature}
        return ", ".join(sorted(kinds - {"chat"}))

    def _data_quality(self, est: Estimate) -> None:
        reasons = []
        if self.summary.span_days < 1 and not self.config.window_days:
            reasons.append(f"the log covers only {self.summary.span_days * 24:.1f} hours")
        if not all(g.feature for g in self.summary.groups.values()):  # untagged rows: of which kind?
            chat, untagged, others = self._untagged_chat()
            if chat and untagged / chat > 0.2:
                reasons.append(f"{100 * untagged / chat:.0f}% of chat log rows have no feature tag")
            elif others and self.summary.untagged / max(self.summary.requests, 1) > 0.2:
                est.notes.append(
                    f"{others:,} untagged log rows are of another kind ({self._other_kinds()}): "
                    "they do not lower the confidence of chat features"
                )
        if self.summary.bad_rows:
            est.findings.append(
                Finding(
                    "warn",
                    "bad_log_rows",
                    f"{self.summary.bad_rows:,} log rows could not be read and were skipped; first: "
                    + "; ".join(self.summary.bad_lines),
                    file=", ".join(self.summary.paths),
                )
            )
        est.findings.extend(notes_findings(self.summary))
        if self.summary.duplicates:
            est.findings.append(
                duplicates_finding(
                    self.summary.duplicates,
                    self.summary.duplicate_lines,
                    self.summary.paths,
                    self.config.baseline_dedupe,
                )
            )
        if self.summary.aggregated:
            est.notes.insert(0, aggregated_basis(self.summary))
        for reason in reasons:
            est.notes.append(f"low confidence: {reason}")
        if reasons:
            for result in est.changes:
                result.confidence = "low"
                result.notes.append(reasons[0])


def estimate_changes(changes: list[Change], summary: BaselineSummary, config: Config, prices: PriceBook) -> Estimate:
    return Estimator(summary, config, prices).estimate(changes)


# Every cost field's handler, in one table: the per-call kinds, the reasoning kinds and the router's
# group-level kinds (a test keeps it in step with records.COST_FIELDS).
Estimator.handlers = {
    **HANDLERS,
    "reasoning_effort": ReasoningKinds._apply_reasoning_effort,
    "thinking_budget": ReasoningKinds._apply_thinking_budget,
    "deployments": GroupKinds._apply_deployments,
    "retry_policy": GroupKinds._apply_retry_policy,
}
