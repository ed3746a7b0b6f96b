"""Verdict: the estimate against the policy's thresholds -> pass / warn / block."""
from __future__ import annotations

from collections.abc import Sequence

from aiopt_hooks.config import Policy
from aiopt_hooks.records import Estimate, Finding, Verdict
from aiopt_hooks.render.money import money

EXIT = {"pass": 0, "warn": 0, "approved": 0, "block": 1, "error": 2}


def _fired(est: Estimate, limits: dict[str, float], level: str, basis: str, where: str = "policy",
           whole: str = "the app's") -> list[str]:
    """Reasons the thresholds `where.level.*` fire on; `whole` names what the percentage is of."""
    delta = est.delta_high if basis == "high" else est.delta
    what = "high estimate" if basis == "high" else "estimate"
    reasons = []
    if (limit := limits.get("monthly_increase_usd")) is not None and delta > limit:
        reasons.append(f"the {what} {money(delta, True)}/month is over {where}.{level}.monthly_increase_usd "
                       f"({money(limit, True)}/month)")
    if (limit := limits.get("increase_pct")) is not None and delta > 0:
        if est.head_monthly_usd > 0:
            pct = 100 * delta / est.head_monthly_usd
            if pct > limit:
                reasons.append(f"the {what} +{pct:,.1f}% of {whole} monthly cost is over "
                               f"{where}.{level}.increase_pct ({limit:g}%)")
        elif delta > 0:
            reasons.append(f"the baseline costs $0/month, so any increase is over {where}.{level}.increase_pct")
    candidate = est.head_monthly_usd + delta
    if (limit := limits.get("monthly_total_usd")) is not None and delta > 0 and candidate > limit:
        reasons.append(f"the candidate {money(candidate)}/month is over the budget "
                       f"{where}.{level}.monthly_total_usd ({money(limit)}/month)")
    return reasons


def decide_verdict(est: Estimate, policy: Policy) -> Verdict:
    """Block on any blocking finding or block threshold; warn likewise; else pass."""
    return verdict_of(est.findings, _fired(est, policy.block, "block", policy.basis),
                      _fired(est, policy.warn, "warn", policy.basis))


def verdict_of(findings: Sequence[Finding], block: Sequence[str] = (), warn: Sequence[str] = ()) -> Verdict:
    """The verdict from findings (by level) and fired thresholds; also for a change with nothing to price."""
    blocking = [f"{f.code}: {f.message}" for f in findings if f.level == "block"] + list(block)
    if blocking:
        return Verdict("block", EXIT["block"], tuple(blocking))
    warning = [f"{f.code}: {f.message}" for f in findings if f.level == "warn"] + list(warn)
    if warning:
        return Verdict("warn", EXIT["warn"], tuple(warning))
    return Verdict("pass", EXIT["pass"], ())


SINCE_LOCK = "monthly_increase_since_lock_usd"


def since_lock_reasons(increase: float, policy: Policy) -> tuple[list[str], list[str]]:
    """(block, warn) reasons of the lockfile creep guard: the candidate against `aiopt.lock`."""
    what = "high estimate" if policy.basis == "high" else "estimate"
    fired: list[list[str]] = []
    for level, limits in (("block", policy.block), ("warn", policy.warn)):
        limit = limits.get(SINCE_LOCK)
        fired.append([f"the {what} {money(increase, True)}/month since aiopt.lock is over "
                      f"policy.{level}.{SINCE_LOCK} ({money(limit, True)}/month)"]
                     if limit is not None and increase > limit else [])
    return fired[0], fired[1]


def escalate(verdict: Verdict, block: list[str], warn: list[str]) -> Verdict:
    """A verdict made stricter by reasons found after it was decided (never made laxer)."""
    if block:
        kept = verdict.reasons if verdict.verdict == "block" else ()
        return Verdict("block", EXIT["block"], kept + tuple(block))
    if warn and verdict.verdict in ("pass", "warn"):
        return Verdict("warn", EXIT["warn"], verdict.reasons + tuple(warn))
    return verdict
