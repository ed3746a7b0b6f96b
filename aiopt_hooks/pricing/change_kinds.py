"""How each change kind (DESIGN.md's estimation semantics) alters the matched requests' `State`.

Stage: inside the estimate.  `ChangeKinds._apply` dispatches on the change's field to one
`_apply_<field>` method; each updates the states of the matched groups (or adds a cost of its
own, for fallbacks) and says in the result's notes what it assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.drift import drift_cap, reach_share
from aiopt_hooks.pricing.fit import expected_capped_tail, fit_censored_lognormal
from aiopt_hooks.pricing.groupcost import CROSS_FAMILY_RANGE, SCENARIOS, UNCAPPED_GROWTH, CapRule, State, group_cost
from aiopt_hooks.pricing.prices import ModelPrice, PriceBook, UnknownModel
from aiopt_hooks.pricing.retries import retry_effect, retry_note
from aiopt_hooks.records import Change, ChangeEstimate, Finding

DEFAULT_FAILURE_RATE = 0.02


# A change kind's handler: (estimator, result, matched groups, their states, extra costs) -> priced?
Handler = Callable[[Any, ChangeEstimate, list[Group], dict[int, State], list[float]], bool]


class ChangeKinds:
    """The per-field handlers of `Estimator` (a mixin: it brings the attributes below)."""

    summary: BaselineSummary
    config: Config
    handlers: ClassVar[dict[str, Handler]]  # cost field -> its handler (the table at the end of the module)
    prices: PriceBook
    findings: list[Finding]
    # A swap into or out of a reasoning model (aiopt_hooks.pricing.reasoning_kinds.ReasoningKinds).
    _swap_reasoning: Callable[
        [ChangeEstimate, list[Group], dict[int, State], dict[int, ModelPrice | None], dict[str, Any]], None
    ]

    def _apply(self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]) -> bool:
        """Apply one change to every matched group's state; False when it cannot be priced."""
        handler = self.handlers.get(result.change.field)
        if handler is None:
            result.notes.append(f"`{result.change.field}` changes are not priced")
            result.confidence = "low"
            return False
        return handler(self, result, groups, states, extra)

    def _reprice(
        self,
        result: ChangeEstimate,
        groups: list[Group],
        states: dict[int, State],
        model: str | None,
        provider: str | None,
    ) -> bool:
        change = result.change
        before = {id(g): states[id(g)].price for g in groups}
        for group in groups:
            ref = model or group.model
            try:
                price = self.prices.resolve(ref, provider or group.provider or None)
            except UnknownModel as exc:
                self._unknown_model(exc, change)
                what = (
                    f"{ref!r} runs locally ({exc.local}): no per-token price until `prices:` gives one"
                    if exc.local
                    else f"unknown model {ref!r}: no known price"
                )
                result.notes.append(f"{what}, so not priced (never as $0)")
                return False
            state = states[id(group)]
            old = state.price
            if old is not None and old.family != price.family:
                state.range_mult = CROSS_FAMILY_RANGE
                result.confidence = "medium"
                note = (
                    f"tokenizer family changes ({old.family} -> {price.family}): the same text may count "
                    f"{CROSS_FAMILY_RANGE[0]:.2f}x-{CROSS_FAMILY_RANGE[1]:.2f}x the tokens"
                )
                if note not in result.notes:
                    result.notes.append(note)
            state.price = price
            self._check_context(price, group, change)
        self._swap_reasoning(result, [g for g in groups if before[id(g)] is not None], states, before, change.spec)
        return True

    def _check_context(self, price: ModelPrice, group: Group, change: Change) -> None:
        """A finding when the new model's context window is smaller than requests the log shows."""
        if not price.context_window or group.max_input <= price.context_window:
            return
        message = (
            f"{change.feature}: {price.model_id} accepts {price.context_window:,} input tokens, but the "
            f"log shows requests of up to {group.max_input:,} tokens ({group.model}): they would fail"
        )
        if not any(f.message == message for f in self.findings):
            self.findings.append(Finding("warn", "context_window", message, file=change.file, line=change.line))

    def _apply_model(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        if not result.change.new:
            result.notes.append("model removed from the config: not priced")
            return False
        return self._reprice(result, groups, states, str(result.change.new), result.change.spec.get("provider"))

    def _apply_provider(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        model = result.change.spec.get("model")
        return self._reprice(result, groups, states, str(model) if model else None, str(result.change.new or ""))

    def _apply_max_output_tokens(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old, new = result.change.old, result.change.new
        head_cap = drift_cap(states, groups)
        if head_cap is not None:
            # The log ran under another cap than HEAD's: price from the log's cap to the new one
            # (the HEAD-adjusted baseline already projected the log to HEAD's cap).
            old = head_cap.old
            result.notes.append(
                f"the log's requests ran under a cap of {old if old is not None else 'none'}, "
                f"HEAD's is {result.change.old}: priced from the log's cap to {new}"
            )
        rule = CapRule(old, new)
        # Zero-output rows are failed attempts: neither truncated nor evidence of output length.
        cells = [(key, cell) for g in groups for key, cell in g.cells.items() if key[1] > 0]
        total = sum(c[0] for _, c in cells) or 1
        if new is not None and (old is None or new <= old):
            cut = sum(c[0] for key, c in cells if key[1] > new)
            result.notes.append(
                f"{100 * cut / total:.1f}% of matched requests produced more than {new:,} "
                "tokens and will now be cut off (a quality risk, not priced)"
            )
        else:
            hits = [(key, c) for key, c in cells if key[2] or (old is not None and key[1] >= old)]
            share = sum(c[0] for _, c in hits) / total
            fit = fit_censored_lognormal(
                (key[1], c[0], key[2] or (old is not None and key[1] >= old)) for key, c in cells
            )
            if fit is not None and old:
                rule.tail_mean = expected_capped_tail(
                    fit[0], fit[1], old, new if new is not None else UNCAPPED_GROWTH * old
                )
            result.confidence = "medium"
            head_old = result.change.old
            if head_cap is not None and old is not None and isinstance(head_old, int) and head_old > old:
                reach = share * reach_share(fit, old, head_old)
                result.notes.append(
                    f"{100 * share:.1f}% of matched requests hit the log-era cap of {old:,}; "
                    f"an expected {100 * reach:.1f}% would hit HEAD's cap of {head_old:,}"
                )
            result.notes.append(
                f"{100 * share:.1f}% of matched requests hit the old cap; low = they stay, "
                f"high = they grow to {'the new cap' if new is not None else f'{UNCAPPED_GROWTH:g}x the old cap'}, "
                "expected = log-normal fitted to outputs censored at the old cap"
            )
        for group in groups:
            states[id(group)].caps.append(rule)
        return True

    def _apply_prompt(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        delta = int(result.change.new or 0) - int(result.change.old or 0)
        spread = (1.0, 1.0)
        if any("stand-in" in n for n in result.change.notes):
            # Counted with an OpenAI vocabulary for another family's model: widen as for a model swap.
            spread = CROSS_FAMILY_RANGE if delta >= 0 else CROSS_FAMILY_RANGE[::-1]
            result.confidence = "medium"
            result.notes.append(
                f"another family's tokenizer may count {CROSS_FAMILY_RANGE[0]:.2f}x-"
                f"{CROSS_FAMILY_RANGE[1]:.2f}x these tokens"
            )
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

    def _apply_traffic(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old = 1.0 if result.change.old is None else float(result.change.old)
        new = 1.0 if result.change.new is None else float(result.change.new)
        if old <= 0:
            result.notes.append("the feature was off in the baseline config: its traffic cannot be scaled")
            return False
        self._scale_calls(groups, states, (new / old,) * 3)
        result.notes.append(f"matched requests x {new / old:g}")
        return True

    def _apply_context_mult(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        for group in groups:
            states[id(group)].input_scale *= float(result.change.new)
        result.notes.append(
            f"input tokens x {float(result.change.new):g} on each matched request (the cached "
            "share kept; a request can move to another price tier)"
        )
        return True

    def _apply_output_mult(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        for group in groups:
            states[id(group)].output_scale *= float(result.change.new)
        result.notes.append(f"output tokens x {float(result.change.new):g} on each matched request, before any cap")
        return True

    def _failure_rate(self, groups: list[Group], result: ChangeEstimate) -> float:
        requests = sum(g.requests for g in groups)
        failed = sum(g.failed for g in groups)
        if failed == 0:
            result.notes.append(
                f"the log shows no failed attempts: assumed a {DEFAULT_FAILURE_RATE:.0%} failure rate per attempt"
            )
            result.confidence = "low"
            return DEFAULT_FAILURE_RATE
        result.confidence = "medium"
        return failed / max(requests, 1)

    def _apply_retries(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old = int(result.change.old or 0)
        new = int(result.change.new or 0)
        p = self._failure_rate(groups, result)
        rates = (p / 2, p, min(2 * p, 0.9))
        mult = tuple(retry_effect(q, old, new).mult for q in rates)
        self._scale_calls(groups, states, (min(mult), mult[1], max(mult)))
        result.notes.append(retry_note(p, old, new) + f" (range: failure rate {rates[0]:.1%}-{rates[2]:.1%})")
        return True

    def _apply_n(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old = int(result.change.old or 1) or 1
        new = int(result.change.new or 1)
        for group in groups:
            states[id(group)].output_mult *= new / old
        result.notes.append(f"output tokens x {new}/{old}; input billed once")
        return True

    def _apply_fallbacks(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
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
        if exc.local:
            from aiopt_hooks.pricing.local import local_model_message

            self.findings.append(
                Finding(
                    self.config.policy.unknown_model,
                    "local_model",
                    local_model_message(change.feature, exc.ref, exc.local),
                    file=change.file,
                    line=change.line,
                )
            )
            return
        if exc.not_static:
            message = (
                f"{change.feature}: model {exc.ref!r} is not statically known (an environment reference); "
                "it cannot be priced. Set it in the file, or map it under `aliases:` in .aiopt.yaml"
            )
        else:
            hint = f"; did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
            message = (
                f"{change.feature}: unknown model {exc.ref!r}: no price is known, so the change cannot be "
                f"priced (never as $0){hint} If it is an alias or a deployment name, map it under "
                "`aliases:` in .aiopt.yaml; for a custom model, add it under `prices:`"
            )
        self.findings.append(
            Finding(self.config.policy.unknown_model, "unknown_model", message, file=change.file, line=change.line)
        )


# The per-call change kinds' handlers (`estimate.Estimator.handlers` is the whole table).
HANDLERS: dict[str, Handler] = {
    "model": ChangeKinds._apply_model,
    "provider": ChangeKinds._apply_provider,
    "max_output_tokens": ChangeKinds._apply_max_output_tokens,
    "prompt": ChangeKinds._apply_prompt,
    "retries": ChangeKinds._apply_retries,
    "fallbacks": ChangeKinds._apply_fallbacks,
    "n": ChangeKinds._apply_n,
    "traffic": ChangeKinds._apply_traffic,
    "context_mult": ChangeKinds._apply_context_mult,
    "output_mult": ChangeKinds._apply_output_mult,
}
ChangeKinds.handlers = HANDLERS
