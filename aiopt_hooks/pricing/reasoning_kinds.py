"""How reasoning changes alter the matched requests' `State`: a swap into or out of a reasoning
model, a reasoning effort change, a thinking budget change, and the cap that covers reasoning.

Stage: inside the estimate (a mixin of `Estimator`, beside `ChangeKinds`).  The facts (which models
reason, the priors, what the log teaches) live in `aiopt_hooks.pricing.reasoning`.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.groupcost import State, group_cost
from aiopt_hooks.pricing.prices import ModelPrice
from aiopt_hooks.pricing.reasoning import (
    CAP_FINDING_SHARE,
    PRIORS,
    Profile,
    Range,
    cut_share,
    learned_ratio,
    prior_ratio,
    profile,
    thinking_on,
)
from aiopt_hooks.records import ChangeEstimate, Confidence, Finding

CONFIDENCE = ("low", "medium", "high")
BUDGET_SAVING_RANGE = (0.25, -0.1)  # a lowered budget saves 0.9x-1.25x what the cells' mean reasoning says


def _scaled(r: Range, factor: float) -> Range:
    return (r[0] * factor, r[1] * factor, r[2] * factor)


def _logged_reasoning(groups: list[Group]) -> float:
    return sum(cell[4] for g in groups for cell in g.cells.values())


class ReasoningKinds:
    """Reasoning handlers of `Estimator` (a mixin: it brings the attributes below)."""

    summary: BaselineSummary
    config: Config
    findings: list[Finding]

    def base_price(self, group: Group) -> ModelPrice | None:
        raise NotImplementedError

    @staticmethod
    def _lower(result: ChangeEstimate, to: Confidence) -> None:
        if CONFIDENCE.index(result.confidence) > CONFIDENCE.index(to):
            result.confidence = to

    def _ratio(self, result: ChangeEstimate, prof: Profile, price: ModelPrice, groups: list[Group]) -> Range:
        """Reasoning per visible output token of `price`'s model at `prof`: from the log, else the prior."""
        learned = learned_ratio(
            self.summary.groups.values(), price.model_id, result.change.feature, self.base_price, prof.family
        )
        if learned is not None:
            ratio, note = learned
            self._lower(result, "medium" if price.model_id in note else "low")
        else:
            ratio, note = prior_ratio(prof)
            self._lower(result, "low")
        if note not in result.notes:
            result.notes.append(note)
        return ratio

    def _swap_reasoning(
        self,
        result: ChangeEstimate,
        groups: list[Group],
        states: dict[int, State],
        old: dict[int, ModelPrice | None],
        spec: dict[str, Any],
    ) -> None:
        """After a model swap: add the new model's reasoning, remove the old one's."""
        for group in groups:
            state = states[id(group)]
            before, after = old.get(id(group)), state.price
            if after is None or (before is not None and before.model_id == after.model_id):
                continue
            was = profile(before, spec, group.model)
            now = profile(after, spec, after.model_id)
            self._reason_state(result, [group], states, was, now, after, spec)

    def _reason_state(
        self,
        result: ChangeEstimate,
        groups: list[Group],
        states: dict[int, State],
        was: Profile,
        now: Profile,
        price: ModelPrice,
        spec: dict[str, Any],
    ) -> None:
        logged = _logged_reasoning(groups) > 0
        mine = [states[id(g)] for g in groups]
        # Reasoning an earlier step added (HEAD's model, an earlier change) is replaced, not taken out again.
        earlier = any(any(s.reasoning_added) for s in mine)
        hidden: Range = next((s.hidden_reasoning for s in mine if any(s.hidden_reasoning)), (0.0, 0.0, 0.0))
        if was.effort != "none" and not logged and not earlier:
            hidden, note = prior_ratio(was)
            result.notes.append(
                f"the log does not split the old model's reasoning out of its output: {note}; that share is taken out"
            )
            self._lower(result, "low")
        added: Range = (0.0, 0.0, 0.0)
        if now.effort != "none":
            added = self._ratio(result, now, price, groups)
            result.notes.append(
                f"{price.model_id} reasons (effort {now.effort}): hidden reasoning tokens billed as "
                f"output, {added[1]:.2g} per visible output token (range {added[0]:.2g}-{added[2]:.2g})"
            )
        elif logged:
            result.notes.append(f"{price.model_id} does not reason: the log's reasoning tokens are removed")
        budget = spec.get("thinking_budget")
        for group in groups:
            state = states[id(group)]
            if logged:
                state.reasoning_mult = (0.0, 0.0, 0.0)
            state.hidden_reasoning = hidden
            state.reasoning_added = added
            cap = spec.get("max_output_tokens")
            reasons = now.effort != "none"
            state.total_cap = cap if reasons and isinstance(cap, int) and cap > 0 else None
            state.reasoning_budget = float(budget) if reasons and isinstance(budget, int) and budget > 0 else None

    def _apply_reasoning_effort(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old = str(result.change.old or "").lower()
        new = str(result.change.new or "").lower()
        spec = result.change.spec
        price = next((states[id(g)].price for g in groups if states[id(g)].price is not None), None)
        if price is None:
            return False
        was = profile(price, {**spec, "reasoning_effort": old or None})
        now = profile(price, {**spec, "reasoning_effort": new or None})
        if (old and old not in PRIORS) or (new and new not in PRIORS):
            result.notes.append(f"unknown reasoning effort level ({old or '-'} -> {new or '-'}): not priced")
            return False
        if not now.family:
            result.notes.append(f"{price.model_id} is not a reasoning model: the effort setting bills nothing")
            return True
        if was.effort == now.effort:
            result.notes.append(f"effort {was.effort} either way for {price.model_id}: no cost change")
            return True
        if _logged_reasoning(groups) > 0 and PRIORS[was.effort][1] > 0:
            # The log shows this feature's reasoning at the old effort: scale it by the priors' ratio.
            factor = _scaled(PRIORS[now.effort], 1.0 / PRIORS[was.effort][1])
            for group in groups:
                state = states[id(group)]
                state.reasoning_mult = tuple(a * b for a, b in zip(state.reasoning_mult, factor))  # type: ignore[assignment]
            result.notes.append(
                f"the log's reasoning tokens x {factor[1]:.2g} (range {factor[0]:.2g}-{factor[2]:.2g}): "
                f"effort {was.effort} -> {now.effort}, documented per-level priors"
            )
            self._lower(result, "low")
            return True
        self._reason_state(result, groups, states, was, now, price, {**spec, "reasoning_effort": new})
        return True

    def _apply_thinking_budget(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old, new = result.change.old, result.change.new
        spec = result.change.spec
        price = next((states[id(g)].price for g in groups if states[id(g)].price is not None), None)
        if price is None:
            return False
        was = profile(price, {**spec, "thinking_budget": old})
        now = profile(price, {**spec, "thinking_budget": new})
        if not now.family and not was.family:
            result.notes.append(f"{price.model_id} has no thinking mode: the budget bills nothing")
            return True
        if was.effort != now.effort:  # thinking turned on or off
            self._reason_state(result, groups, states, was, now, price, {**spec, "thinking_budget": new})
            return True
        if now.effort == "none":
            result.notes.append("thinking stays off: no cost change")
            return True
        # On both sides: the budget bounds each request's reasoning.
        bound = float(new) if thinking_on(new) and isinstance(new, int) and new > 0 else None
        before = sum(group_cost(g, states[id(g)], "expected") for g in groups)
        for group in groups:
            states[id(group)].reasoning_budget = bound
        if _logged_reasoning(groups):
            # The budget bounds each request; the log gives each cell's mean reasoning, and min(mean, budget)
            # keeps more than the mean of min(reasoning, budget): the saving may be larger (range).
            saving = sum(group_cost(g, states[id(g)], "expected") for g in groups) - before
            extra[0] += BUDGET_SAVING_RANGE[0] * saving
            extra[2] += BUDGET_SAVING_RANGE[1] * saving
            self._budget_growth(groups, states, old, bound, extra)
        else:
            ratio = self._ratio(result, now, price, groups)
            for group in groups:
                state = states[id(group)]
                state.hidden_reasoning = ratio
                state.reasoning_added = ratio
        result.notes.append(
            f"thinking budget {old} -> {new}: each request's reasoning is bounded by the budget "
            "(a raise lets only requests that reached the old budget think longer, up to the prior)"
        )
        self._lower(result, "medium")
        return True

    @staticmethod
    def _budget_growth(
        groups: list[Group], states: dict[int, State], old: Any, new: float | None, extra: list[float]
    ) -> None:
        """A raised budget: requests whose logged reasoning reached the old budget may think longer
        (low: no longer; expected: half way to the new budget; high: all the way)."""
        if not isinstance(old, int) or old <= 0 or (new is not None and new <= old):
            return
        ceiling = new if new is not None else 4.0 * old
        for group in groups:
            state = states[id(group)]
            assert state.price is not None
            for (klass, _, _), cell in group.cells.items():
                count = cell[0]
                if not count or cell[4] / count < 0.9 * old:
                    continue
                room = ceiling - cell[4] / count
                for k, grow in enumerate((0.0, 0.5, 1.0)):
                    extra[k] += (
                        count
                        * room
                        * grow
                        * state.price.by_class[klass].reasoning
                        * state.call_mult[k]
                        * state.output_mult
                    )

    def _reasoning_cap_finding(
        self, feature: str, groups: list[Group], states: dict[int, State], result: ChangeEstimate
    ) -> None:
        """A finding when the output cap (which covers reasoning) leaves little room for the answer."""
        state = next((states[id(g)] for g in groups), None)
        if state is None or state.total_cap is None:
            return
        change = result.change
        if (
            state.price is not None
            and state.price.family == "anthropic"
            and state.reasoning_budget is not None
            and state.reasoning_budget >= state.total_cap
        ):
            self.findings.append(
                Finding(
                    "warn",
                    "reasoning_cap",
                    f"{feature}: the thinking budget {int(state.reasoning_budget):,} is not below max_tokens "
                    f"{state.total_cap:,}: Anthropic rejects such requests (budget_tokens must be less than max_tokens). "
                    "Raise max_tokens or lower the budget",
                    file=change.file,
                    line=change.line,
                )
            )
            return
        if not any(state.reasoning_added):
            return
        budget = int(state.reasoning_budget) if state.reasoning_budget is not None else None
        shares = [cut_share(groups, ratio, state.total_cap, budget) for ratio in state.reasoning_added]
        if shares[1] <= CAP_FINDING_SHARE:
            return
        self.findings.append(
            Finding(
                "warn",
                "reasoning_cap",
                f"{feature}: the output cap {state.total_cap:,} also covers reasoning tokens; an expected "
                f"{100 * shares[1]:.0f}% of answers (range {100 * min(shares):.0f}%-{100 * max(shares):.0f}%) would be "
                "cut off or come back empty. Raise max_tokens / max_completion_tokens, or lower the reasoning effort "
                "or thinking budget",
                file=change.file,
                line=change.line,
            )
        )
