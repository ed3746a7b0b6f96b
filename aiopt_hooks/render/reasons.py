"""Reasons in words: what `Verdict.reasons` hold (findings, fired thresholds, escalations, grants)."""

from __future__ import annotations

from collections.abc import Collection

from aiopt_hooks.records import Escalated, Finding, Fired, Grant, Reason, Verdict
from aiopt_hooks.render.money import money


def _fired(f: Fired) -> str:
    what = "high estimate" if f.basis == "high" else "estimate"
    at = f"{f.where}.{f.level}.{f.key}"
    if f.key == "max_monthly_increase_usd":  # an approval's own ceiling
        return (
            f"the {what} {money(f.value, True)}/month is over the approved ceiling {f.key} "
            f"({money(f.limit, True)}/month) at {f.where}; run `aiopt approve --reason ...` again to renew it "
            "(the new entry is reviewed like the first)"
        )
    if f.key == "monthly_increase_usd":
        return f"the {what} {money(f.value, True)}/month is over {at} ({money(f.limit, True)}/month)"
    if f.key == "monthly_increase_since_lock_usd":
        return f"the {what} {money(f.value, True)}/month since aiopt.lock is over {at} ({money(f.limit, True)}/month)"
    if f.key == "increase_pct":
        if f.value == float("inf"):
            return f"the baseline costs $0/month, so any increase is over {at}"
        whole = f"{f.scope}'s" if f.scope else "the app's"
        return f"the {what} +{f.value:,.1f}% of {whole} monthly cost is over {at} ({f.limit:g}%)"
    if f.key == "monthly_total_usd":
        return f"the candidate {money(f.value)}/month is over the budget {at} ({money(f.limit)}/month)"
    return f"{f.key} {f.value:g} is over {at} ({f.limit:g})"


def grant_text(g: Grant) -> str:
    if g.source == "approvals":
        expiry = f", expires {g.expires}" if g.expires else ", no expiry"
        ceiling = f", ceiling {money(g.ceiling_usd, True)}/month" if g.ceiling_usd is not None else ""
        return f"approved at {g.where}: {g.reason!r} by {g.author} on {g.date[:10]}{expiry}{ceiling}"
    if g.source == "message_trailer":
        return f"approved by the commit message trailer Cost-Approved: {g.reason}"
    return f"approved by the Cost-Approved: trailer of {g.where!r}: {g.reason}"


def reason_text(reason: Reason) -> str:
    if isinstance(reason, Fired):
        return _fired(reason)
    if isinstance(reason, Escalated):
        f = reason.finding
        return f"{f.code} ({reason.where}.{f.code}: {reason.level}): {f.message}"
    if isinstance(reason, Finding):
        return f"{reason.code}: {reason.message}"
    if isinstance(reason, Grant):
        return grant_text(reason)
    return reason


def verdict_reasons(verdict: Verdict, shown: Collection[Finding] = ()) -> list[str]:
    """The reasons as reports list them: for an approval, the grants, then what it overrode.  A finding
    in `shown` (already printed above the reasons) is not repeated."""
    texts = [reason_text(r) for r in verdict.reasons if not (isinstance(r, Finding) and r in shown)]
    return texts + [f"without the approval: {reason_text(r)}" for r in verdict.overridden]
