"""Change kinds of a LiteLLM router: a load-balanced alias's deployments, and `retry_policy`.

Stage: inside the estimate (beside `change_kinds`, whose handlers these extend).
- deployments: an added deployment takes its share of the alias's traffic (by `weight`, else an
  equal share, as LiteLLM's `simple-shuffle` does), from every deployment alike; a removed
  deployment's traffic goes to the deployments left, by the same shares.  The moved requests are re-priced at their new model on
  their own token counts.
- retry_policy (error class -> retries, other errors `num_retries`): billed attempts per request
  from the log's failure rate per attempt.  The log does not say which error class failed, so
  the expected case splits the failures evenly over the named classes and the other errors, and
  the range puts them all in the class that costs least (low) or most (high).
"""

from __future__ import annotations

import re
from dataclasses import replace

from aiopt_hooks.baseline.model import Group
from aiopt_hooks.pricing.change_kinds import ChangeKinds
from aiopt_hooks.pricing.groupcost import SCENARIOS, State, group_cost
from aiopt_hooks.pricing.prices import ModelPrice, UnknownModel
from aiopt_hooks.records import ChangeEstimate

POLICY_ITEM = re.compile(r"\s*([^=,\s]+)\s*=\s*(\d+)\s*")


def parse_policy(value: object) -> dict[str, int]:
    """`RateLimitErrorRetries=2, TimeoutErrorRetries=1` -> {error class: retries}."""
    found = (POLICY_ITEM.fullmatch(part) for part in str(value or "").split(",") if part.strip())
    return {m.group(1): int(m.group(2)) for m in found if m}


def attempts(rate: float, retries: int) -> float:
    """Expected billed attempts of one request retried up to `retries` times."""
    return sum(rate**k for k in range(retries + 1))


class GroupKinds(ChangeKinds):
    """`ChangeKinds` plus the router's group-level kinds."""

    def _resolve_all(self, result: ChangeEstimate, models: list[str]) -> dict[str, ModelPrice] | None:
        out = {}
        for model in models:
            try:
                out[model] = self.prices.resolve(model)
            except UnknownModel as exc:
                self._unknown_model(exc, result.change)
                result.notes.append(f"deployment {model!r} has no known price: not priced")
                return None
        return out

    def _removed_ids(self, removed: list[str]) -> set[str]:
        ids = set(removed)
        for model in removed:
            try:
                ids.add(self.prices.resolve(model).model_id)
            except UnknownModel:
                pass
        return ids

    def _apply_deployments(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old = [str(m) for m in result.change.old or ()]
        new = [str(m) for m in result.change.new or ()]
        added = [m for m in new if m not in old]
        removed = self._removed_ids([m for m in old if m not in new])
        prices = self._resolve_all(result, new)
        if prices is None:
            return False
        weights: dict[str, float] = dict(result.change.spec.get("weights", {}).get("new", {}))
        weight = {m: weights.get(m, 1.0) for m in new}
        share = sum(weight[m] for m in added) / sum(weight.values())
        moved_total = 0.0
        for group in groups:
            state = states[id(group)]
            base = state.price
            gone = group.model in removed or (base is not None and base.model_id in removed)
            moved, targets = (1.0, new) if gone else (share, added)
            if not targets or moved == 0:
                continue
            total = sum(weight[t] for t in targets)
            for i, scenario in enumerate(SCENARIOS):
                extra[i] += sum(
                    moved * weight[t] / total * group_cost(group, replace(state, price=prices[t]), scenario)
                    for t in targets
                )
            state.call_mult = tuple(c * (1 - moved) for c in state.call_mult)  # type: ignore[assignment]
            moved_total += moved * group.requests
        matched = sum(g.requests for g in groups) or 1
        result.confidence = "medium"
        how = (
            "by their `weight`"
            if any(w != 1.0 for w in weight.values())
            else "in equal shares, as LiteLLM's simple-shuffle does without `weight`"
        )
        result.notes.append(
            f"{100 * moved_total / matched:.1f}% of the alias's requests move to another deployment "
            f"(its {len(new)} deployment(s) assumed to share the traffic {how})"
        )
        return True

    def _apply_retry_policy(
        self, result: ChangeEstimate, groups: list[Group], states: dict[int, State], extra: list[float]
    ) -> bool:
        old, new = parse_policy(result.change.old), parse_policy(result.change.new)
        default = int(result.change.spec.get("retries") or 0)
        p = self._failure_rate(groups, result)
        classes = sorted(set(old) | set(new))
        retries = [(old.get(c, default), new.get(c, default)) for c in classes] + [(default, default)]
        rates = (p / 2, p, min(2 * p, 0.9))
        ratios = [attempts(q, after) / attempts(q, before) for q in rates for before, after in retries]
        expected = sum(attempts(p, after) / attempts(p, before) for before, after in retries) / len(retries)
        self._scale_calls(groups, states, (min(ratios), expected, max(ratios)))
        result.confidence = "low"
        result.notes.append(
            f"billed attempts per request x {expected:.3f} at a {p:.1%} failure rate per attempt; the log does not "
            f"record error classes: failures assumed split evenly over {', '.join(classes)} and other errors "
            f"({default} retries), the range puts them all in one class"
        )
        return True
