"""Verdict: the estimate against the policy's thresholds -> pass / warn / block."""
from __future__ import annotations

from aiopt_hooks.config import Policy
from aiopt_hooks.records import Estimate, Verdict

EXIT = {"pass": 0, "warn": 0, "approved": 0, "block": 1, "error": 2}


def money(value: float, sign: bool = False) -> str:
    text = f"${abs(value):,.2f}"
    if sign:
        return ("+" if value >= 0 else "-") + text
    return ("-" if value < 0 else "") + text


def _fired(est: Estimate, limits: dict[str, float], level: str, basis: str) -> list[str]:
    delta = est.delta_high if basis == "high" else est.delta
    what = "high estimate" if basis == "high" else "estimate"
    reasons = []
    if (limit := limits.get("monthly_increase_usd")) is not None and delta > limit:
        reasons.append(f"the {what} {money(delta, True)}/month is over policy.{level}.monthly_increase_usd "
                       f"({money(limit, True)}/month)")
    if (limit := limits.get("increase_pct")) is not None and delta > 0:
        if est.baseline_monthly_usd > 0:
            pct = 100 * delta / est.baseline_monthly_usd
            if pct > limit:
                reasons.append(f"the {what} +{pct:,.1f}% of the app's monthly cost is over "
                               f"policy.{level}.increase_pct ({limit:g}%)")
        elif delta > 0:
            reasons.append(f"the baseline costs $0/month, so any increase is over policy.{level}.increase_pct")
    candidate = est.baseline_monthly_usd + delta
    if (limit := limits.get("monthly_total_usd")) is not None and delta > 0 and candidate > limit:
        reasons.append(f"the candidate {money(candidate)}/month is over the budget "
                       f"policy.{level}.monthly_total_usd ({money(limit)}/month)")
    return reasons


def decide_verdict(est: Estimate, policy: Policy) -> Verdict:
    """Block on any blocking finding or block threshold; warn likewise; else pass."""
    block = [f"{f.code}: {f.message}" for f in est.findings if f.level == "block"]
    block += _fired(est, policy.block, "block", policy.basis)
    if block:
        return Verdict("block", EXIT["block"], tuple(block))
    warn = [f"{f.code}: {f.message}" for f in est.findings if f.level == "warn"]
    warn += _fired(est, policy.warn, "warn", policy.basis)
    if warn:
        return Verdict("warn", EXIT["warn"], tuple(warn))
    return Verdict("pass", EXIT["pass"], ())
