"""Thresholds: an estimate against the global policy and each feature's own policy -> the
reasons a verdict is decided from (findings, fired thresholds, escalated findings), in order.

Stage: estimate -> reasons (numbers; `render.reasons` words them) -> `decide`.  A feature's
thresholds compare that feature's own figures (its delta, its share of its own baseline, its
candidate cost as a budget); a feature policy can only add reasons, never remove one.
"""

from __future__ import annotations

from typing import Literal

from aiopt_hooks.config import Config, Policy
from aiopt_hooks.records import Escalated, Estimate, Finding, Fired, Reason

LEVELS = ("info", "warn", "block")
SINCE_LOCK = "monthly_increase_since_lock_usd"


def increase_of(est: Estimate, basis: str) -> float:
    """The increase a policy compares: the expected delta, or the high end with `basis: high`."""
    return est.delta_high if basis == "high" else est.delta


def fired(est: Estimate, policy: Policy, where: str = "policy", scope: str = "") -> list[Fired]:
    """The thresholds of `policy` that the estimate is over, block ones first."""
    out: list[Fired] = []
    basis: Literal["expected", "high"] = "high" if policy.basis == "high" else "expected"
    delta = increase_of(est, policy.basis)
    for level, limits in (("block", policy.block), ("warn", policy.warn)):
        lvl: Literal["block", "warn"] = "block" if level == "block" else "warn"
        if (limit := limits.get("monthly_increase_usd")) is not None and delta > limit:
            out.append(Fired(where, lvl, "monthly_increase_usd", delta, limit, basis, scope))
        if (limit := limits.get("increase_pct")) is not None and delta > 0:
            base = est.head_monthly_usd  # the app at HEAD's settings (the log's cost moved to HEAD's config)
            pct = 100 * delta / base if base > 0 else float("inf")
            if pct > limit:
                out.append(Fired(where, lvl, "increase_pct", pct, limit, basis, scope))
        candidate = est.head_monthly_usd + delta
        if (limit := limits.get("monthly_total_usd")) is not None and delta > 0 and candidate > limit:
            out.append(Fired(where, lvl, "monthly_total_usd", candidate, limit, basis, scope))
    return out


def since_lock(increase: float, policy: Policy) -> list[Fired]:
    """The creep guard's thresholds: the candidate against `aiopt.lock`."""
    basis: Literal["expected", "high"] = "high" if policy.basis == "high" else "expected"
    out = []
    for level, limits in (("block", policy.block), ("warn", policy.warn)):
        limit = limits.get(SINCE_LOCK)
        if limit is not None and increase > limit:
            out.append(Fired("policy", "block" if level == "block" else "warn", SINCE_LOCK, increase, limit, basis))
    return out


def feature_estimate(est: Estimate, feature: str, baseline: float | None = None) -> Estimate | None:
    """The estimate of one feature's changes alone; None when the commit does not change it.

    A feature's changes are priced in a chain (each starts where the previous ended), so its
    baseline is the first change's, unless `baseline` is given (a log diff's parallel rows)."""
    mine = [c for c in est.changes if c.change.feature == feature]
    if not mine:
        return None
    base = mine[0].baseline_monthly_usd if baseline is None else baseline
    return est._replace(
        baseline_monthly_usd=base, changes=mine, findings=[], notes=[], head_adjustment_usd=0.0
    )  # the feature's baseline is already at HEAD's settings


def _escalated(est: Estimate, name: str, policy: Policy) -> list[Escalated]:
    """Findings about this feature that its own policy rates higher than the global one did."""
    out = []
    wanted = {"unknown_model": policy.unknown_model, "unmatched_change": policy.unmatched_change}
    for finding in est.findings:
        level = wanted.get(finding.code)
        if level is None or not finding.message.startswith(f"{name}: "):
            continue
        if level in ("block", "warn") and LEVELS.index(level) > LEVELS.index(finding.level):
            out.append(Escalated(finding, f"features.{name}.policy", "block" if level == "block" else "warn"))
    return out


def judge(est: Estimate, config: Config, baselines: dict[str, float] | None = None) -> list[Reason]:
    """Every reason the estimate gives a verdict: its findings, the global thresholds it is over,
    then each feature policy's thresholds and escalations (in that order, which reports keep)."""
    reasons: list[Reason] = [f for f in est.findings if f.level in ("block", "warn")]
    reasons += fired(est, config.policy)
    for name, policy in config.feature_policies():
        sub = feature_estimate(est, name, (baselines or {}).get(name))
        if sub is None:
            continue
        reasons += fired(sub, policy, f"features.{name}.policy", name)
        reasons += _escalated(est, name, policy)
    return reasons


def findings_only(findings: list[Finding]) -> list[Reason]:
    """The reasons of a change with nothing to price: its findings alone."""
    return [f for f in findings if f.level in ("block", "warn")]
