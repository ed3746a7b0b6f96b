"""Verdict with per-feature policies: the global `policy:` plus each `features.<name>.policy`.

Stage: estimate -> verdict (after `policy.decide_verdict`).  A feature's thresholds compare that
feature's own figures (its delta, its share of its own baseline, its candidate cost as a budget);
the strictest applicable threshold decides, and each reason names the threshold that fired
(`features.summarize.policy.block.monthly_total_usd`).  A feature policy can only make the
verdict stricter, never laxer.
"""
from __future__ import annotations

from dataclasses import replace

from aiopt_hooks.config import Config, Policy
from aiopt_hooks.records import Estimate, Verdict
from aiopt_hooks.verdict.policy import _fired as fired_reasons  # one implementation of the threshold texts
from aiopt_hooks.verdict.policy import decide_verdict, escalate

LEVELS = ("info", "warn", "block")


def feature_estimate(est: Estimate, feature: str, baseline: float | None = None) -> Estimate | None:
    """The estimate of one feature's changes alone; None when the commit does not change it.

    A feature's changes are priced in a chain (each starts where the previous ended), so its
    baseline is the first change's, unless `baseline` is given (a log diff's parallel rows)."""
    mine = [c for c in est.changes if c.change.feature == feature]
    if not mine:
        return None
    base = mine[0].baseline_monthly_usd if baseline is None else baseline
    return replace(est, baseline_monthly_usd=base, changes=mine, findings=[], notes=[],
                   head_adjustment_usd=0.0)   # the feature's baseline is already at HEAD's settings


def feature_policies(config: Config) -> list[tuple[str, Policy]]:
    return [(rule.name, rule.policy) for rule in config.features if rule.policy is not None]


def _stricter_findings(est: Estimate, name: str, policy: Policy) -> tuple[list[str], list[str]]:
    """Findings about this feature that its own policy rates higher than the global one did."""
    block: list[str] = []
    warn: list[str] = []
    wanted = {"unknown_model": policy.unknown_model, "unmatched_change": policy.unmatched_change}
    for finding in est.findings:
        level = wanted.get(finding.code)
        if level is None or not finding.message.startswith(f"{name}: "):
            continue
        if LEVELS.index(level) > LEVELS.index(finding.level):
            text = f"{finding.code} (features.{name}.policy.{finding.code}: {level}): {finding.message}"
            (block if level == "block" else warn).append(text)
    return block, warn


def decide(est: Estimate, config: Config, baselines: dict[str, float] | None = None) -> Verdict:
    """The global verdict, made stricter by every feature policy whose thresholds fire."""
    verdict = decide_verdict(est, config.policy)
    block: list[str] = []
    warn: list[str] = []
    for name, policy in feature_policies(config):
        sub = feature_estimate(est, name, (baselines or {}).get(name))
        if sub is None:
            continue
        where = f"features.{name}.policy"
        block += fired_reasons(sub, policy.block, "block", policy.basis, where, f"{name}'s")
        warn += fired_reasons(sub, policy.warn, "warn", policy.basis, where, f"{name}'s")
        more_block, more_warn = _stricter_findings(est, name, policy)
        block += more_block
        warn += more_warn
    return escalate(verdict, block, warn)
