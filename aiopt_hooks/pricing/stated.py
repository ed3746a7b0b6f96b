"""What the estimate says about the baseline's own shape: a stated cost that disagrees with our
pricing, requests billed at a batch / flex / priority tier, and aggregated (bucketed) baselines.

Stage: inside the estimate (notes, findings and per-change caveats; no pricing of its own).
"""

from __future__ import annotations

from collections.abc import Callable

from aiopt_hooks.baseline.model import BaselineSummary, Group
from aiopt_hooks.pricing.groupcost import tier_rates
from aiopt_hooks.pricing.prices import ModelPrice
from aiopt_hooks.records import ChangeEstimate, Confidence, Finding

STATED_TOLERANCE_PCT = 5.0
CONFIDENCE: tuple[Confidence, ...] = ("low", "medium", "high")
# Changes whose effect depends on each request's own tokens, which a bucket does not keep.
PER_REQUEST_FIELDS: dict[str, Confidence] = {
    "max_output_tokens": "low",
    "prompt": "medium",
    "reasoning_effort": "medium",
    "thinking_budget": "low",
}


def stated_cost_finding(summary: BaselineSummary, stated: float, ours: float, requests: int) -> Finding | None:
    """A warning when the log's own cost and our pricing of its tokens differ by more than 5%."""
    if stated <= 0 and ours <= 0:
        return None
    diff = 100 * (ours - stated) / stated if stated > 0 else float("inf")
    if abs(diff) <= STATED_TOLERANCE_PCT:
        return None
    causes = []
    tiered = sum(int(t[0]) for g in summary.groups.values() for t in g.tiers.values())
    cached = sum(sum(c[2] + c[3] for c in g.cells.values()) for g in summary.groups.values())
    if diff > 0:
        causes.append(
            "requests billed at a batch or flex tier the log does not mark (50% off)"
            if not tiered
            else "a discount the log does not show"
        )
        if not cached:
            causes.append("cache reads the log does not split out (priced here as plain input)")
        causes.append("a negotiated or committed-use price")
    else:
        causes.append("priority-tier or long-context requests, or tool / search fees the tokens do not show")
        causes.append("a custom price in the tool that wrote the log")
    how = f"{diff:+.1f}%" if stated > 0 else "the log states $0"
    return Finding(
        "warn",
        "stated_cost_mismatch",
        f"for {requests:,} baseline requests the log states ${stated:,.2f} but their tokens price at "
        f"${ours:,.2f} ({how}, more than {STATED_TOLERANCE_PCT:g}%): likely {'; or '.join(causes)}. "
        "Estimates use token counts at our prices; set `prices:` in .aiopt.yaml for a negotiated price, "
        "or export the tier / cache columns",
        file=", ".join(summary.paths),
    )


def reported_cost_finding(summary: BaselineSummary, ours: float) -> Finding | None:
    """A cost report read beside the usage: its dollars over the usage window against our pricing
    of the usage's tokens (`ours`, every priced group over the window); a warning above 5%."""
    from aiopt_hooks.baseline.costreport import reported_within  # only with a cost report beside the usage

    assert summary.first_ts is not None and summary.last_ts is not None
    billed, buckets = reported_within(summary.reported, summary.first_ts, summary.last_ts)
    if not buckets:
        return Finding(
            "warn",
            "stated_cost_mismatch",
            "the cost report beside the usage has no bucket inside the usage's window: nothing to "
            "compare; export both over the same days",
            file=", ".join(summary.paths),
        )
    diff = 100 * (ours - billed) / billed if billed > 0 else float("inf")
    if abs(diff) <= STATED_TOLERANCE_PCT:
        return None
    causes = (
        "line items the usage export does not hold (other models, embeddings, audio, images, tools, "
        "fine-tuning), or usage filtered out of the export"
        if diff < 0
        else "a batch or flex discount the export does not mark, or a negotiated price"
    )
    return Finding(
        "warn",
        "stated_cost_mismatch",
        f"the cost report bills ${billed:,.2f} over the usage window ({buckets} buckets) but the usage's tokens "
        f"price at ${ours:,.2f} ({diff:+.1f}%, more than {STATED_TOLERANCE_PCT:g}%): likely {causes}. Estimates "
        "use token counts at our prices",
        file=", ".join(summary.paths),
    )


def tier_notes(summary: BaselineSummary, price_of: Callable[[Group], ModelPrice | None]) -> list[str]:
    """One note per service tier in the baseline: how its requests were priced."""
    counts: dict[str, int] = {}
    missing: dict[str, set[str]] = {}
    for group in summary.groups.values():
        price = price_of(group)
        for tier, sums in group.tiers.items():
            counts[tier] = counts.get(tier, 0) + int(sums[0])
            if price is not None and not tier_rates(price, tier)[1]:
                missing.setdefault(tier, set()).add(group.model)
    notes = []
    for tier, count in sorted(counts.items()):
        note = f"{count:,} baseline requests were billed at the {tier} tier and are priced at its rates"
        if tier in missing:
            assumed = "half the standard rates" if tier != "priority" else "the standard rates (a lower bound)"
            note += f"; the price data has no {tier} rates for {', '.join(sorted(missing[tier]))}: assumed {assumed}"
        notes.append(note)
    return notes


def aggregated_basis(summary: BaselineSummary) -> str:
    """The basis line's addition for a baseline read from usage buckets."""
    text = (
        f"aggregated baseline ({summary.bucket_label()}): {summary.buckets:,} bucket rows give request "
        "counts and token sums; model and price changes are exact, per-request changes (caps, prompts) "
        "assume every request of a bucket had the bucket's mean tokens"
    )
    if summary.uncounted_rows:
        text += (
            f"; {summary.uncounted_rows:,} rows give no request count (each counted as one request): "
            "per-request changes cannot be priced from them"
        )
    return text


def aggregated_caveat(summary: BaselineSummary, result: ChangeEstimate) -> None:
    """Lower the confidence of a per-request change priced on bucket means, and say why."""
    field = result.change.field
    if field not in PER_REQUEST_FIELDS or not result.priced:
        return
    if summary.uncounted_rows and field in ("prompt", "max_output_tokens"):
        result.notes.append(
            "the baseline's usage report gives no request count: the per-request change is "
            "priced as if each report row were one request"
        )
        result.confidence = "low"
        return
    cap = PER_REQUEST_FIELDS[field]
    if CONFIDENCE.index(result.confidence) > CONFIDENCE.index(cap):
        result.confidence = cap
    what = (
        "each request's output is taken at its bucket's mean (no per-request spread, no truncation flag)"
        if field in ("max_output_tokens", "thinking_budget")
        else "each request's input is taken at its bucket's mean (tier thresholds by the mean)"
    )
    result.notes.append(f"aggregated baseline: {what}; confidence at most {cap}")
