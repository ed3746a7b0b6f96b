"""How each change kind (DESIGN.md's estimation semantics) alters the matched requests' `State`.

Stage: inside the estimate.  `ChangeKinds._apply` dispatches on the change's field to one
`_apply_<field>` method; each updates the states of the matched groups (or adds a cost of its
own, for fallbacks) and says in the result's notes what it assumed.
"""
from __future__ import annotations

from dataclasses import replace

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.fit import expected_capped_tail, fit_censored_lognormal
from aiopt_hooks.pricing.groupcost import CROSS_FAMILY_RANGE, SCENARIOS, UNCAPPED_GROWTH, CapRule, State, group_cost
from aiopt_hooks.pricing.prices import ModelPrice, PriceBook, UnknownModel
from aiopt_hooks.records import Change, ChangeEstimate, Finding

EFFORT = {"none": 0.0, "minimal": 0.25, "low": 0.5, "medium": 1.0, "high": 2.0, "xhigh": 3.0}
DEFAULT_FAILURE_RATE = 0.02


class ChangeKinds:
    """The per-field handlers of `Estimator` (a mixin: it brings the attributes below)."""

    summary: BaselineSummary
    config: Config
    prices: PriceBook
    findings: list[Finding]

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
        if exc.local:
            from aiopt_hooks.pricing.local import local_model_message

            self.findings.append(Finding(self.config.policy.unknown_model, "local_model",
                                         local_model_message(change.feature, exc.ref, exc.local),
                                         file=change.file, line=change.line))
            return
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
