"""What-if: changes given by flags instead of a diff, priced by the same estimator as `check`.

Stage: knobs + baseline summary -> changes (then estimate -> verdict -> report as for a commit).
The knobs are those of AIOpt's transform mode: model, provider, output cap, context multiplier,
output multiplier, retries delta, call multiplier, and a monthly budget.  Without `--feature`
every feature of the log gets the change (one row per feature and knob).
"""

from __future__ import annotations

from typing import NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.config import Config, Policy
from aiopt_hooks.errors import AioptError
from aiopt_hooks.pricing.estimate import match_groups
from aiopt_hooks.records import Change

SOURCE = "(what-if)"


class Knobs(NamedTuple):
    feature: str | None = None
    model: str | None = None
    provider: str | None = None
    max_output_tokens: int | None = None
    context_mult: float | None = None
    output_mult: float | None = None
    retries_delta: int | None = None
    call_mult: float | None = None
    budget_monthly: float | None = None

    def any_change(self) -> bool:
        return any(v is not None for v in self[1:8])


def _observed_cap(groups: list[Group]) -> int | None:
    """The output cap the log shows: the largest output of a request cut off by its cap."""
    cut = [key[1] for g in groups for key in g.cells if key[2] and key[1] > 0]
    return max(cut) if cut else None


def _feature_changes(feature: str, groups: list[Group], knobs: Knobs) -> list[Change]:
    main = max(groups, key=lambda g: g.requests)
    spec = {"model": knobs.model or main.model, "provider": knobs.provider or main.provider or None}

    def change(field: str, old: object, new: object) -> Change:
        return Change(SOURCE, feature, field, old, new, spec=spec)

    out = []
    if knobs.model:
        out.append(change("model", main.model, knobs.model))
    if knobs.provider:
        out.append(change("provider", main.provider or None, knobs.provider))
    if knobs.max_output_tokens is not None:
        out.append(change("max_output_tokens", _observed_cap(groups), knobs.max_output_tokens))
    if knobs.context_mult is not None:
        out.append(change("context_mult", 1.0, knobs.context_mult))
    if knobs.output_mult is not None:
        out.append(change("output_mult", 1.0, knobs.output_mult))
    if knobs.retries_delta:
        # The configured retries are not in the log: priced as 0 -> N (or N -> 0 for fewer), a bound.
        delta = knobs.retries_delta
        out.append(change("retries", max(-delta, 0), max(delta, 0)))
    if knobs.call_mult is not None:
        out.append(change("traffic", 1.0, knobs.call_mult))
    return out


def whatif_changes(knobs: Knobs, summary: BaselineSummary, config: Config) -> list[Change]:
    """One change per knob set, for the feature asked for or for every feature of the log."""
    _validate(knobs)
    if knobs.feature is not None:
        rule = next((r for r in config.features if r.name == knobs.feature), None)
        groups = match_groups(knobs.feature, rule, summary)
        if not groups:
            known = ", ".join(sorted({g.feature for g in summary.groups.values() if g.feature})[:12])
            raise AioptError(
                f"no baseline request has feature tag {knobs.feature!r}",
                file=", ".join(summary.paths),
                hint=f"features in the log: {known or '(none)'}",
            )
        return _feature_changes(knobs.feature, groups, knobs)
    by_feature: dict[str, list[Group]] = {}
    for group in summary.groups.values():
        by_feature.setdefault(group.feature, []).append(group)
    return [c for feature in sorted(by_feature) for c in _feature_changes(feature, by_feature[feature], knobs)]


def _validate(knobs: Knobs) -> None:
    if not knobs.any_change():
        raise AioptError(
            "nothing to try: give at least one knob",
            hint="e.g. --model gpt-4o, --max-output-tokens 1024, --context-mult 1.5, --call-mult 2",
        )
    for name in ("context_mult", "output_mult", "call_mult"):
        value = getattr(knobs, name)
        if value is not None and value < 0:
            raise AioptError(f"--{name.replace('_', '-')} must be 0 or more, got {value:g}")
    if knobs.max_output_tokens is not None and knobs.max_output_tokens < 1:
        raise AioptError(f"--max-output-tokens must be 1 or more, got {knobs.max_output_tokens}")


def with_budget(config: Config, budget: float | None) -> Config:
    """The config with `--budget-monthly` as the blocking budget (policy.block.monthly_total_usd)."""
    if budget is None:
        return config
    policy: Policy = config.policy._replace(block={**config.policy.block, "monthly_total_usd": budget})
    return config._replace(policy=policy)
