"""Every request counts once: features of one estimate that claim the same requests share them.

Stage: inside the estimate.  Features with no tagged traffic fall back to the requests of their
old model; several such features on one model (or features whose `match:` overlap) would each
claim all of those requests, and moving them all would count each request once per feature.  The
log cannot tell such requests apart, so each of N claimants gets 1/N of them; the split itself is
uncertain, so the range runs from half to one and a half of that share (at most all of them).
Moving every claimant prices each shared request exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiopt_hooks.baseline.model import Group
from aiopt_hooks.pricing.groupcost import State

SPLIT_RANGE = (0.5, 1.5)


def claim_counts(matches: Iterable[list[Group]]) -> dict[int, int]:
    """id(group) -> how many features claim it."""
    counts: dict[int, int] = {}
    for groups in matches:
        for group in {id(g): g for g in groups}.values():
            counts[id(group)] = counts.get(id(group), 0) + 1
    return counts


def share_traffic(groups: list[Group], states: dict[int, State], shares: dict[int, int]) -> list[str]:
    """Scale each shared group's calls to this feature's share; the notes say which were shared."""
    shared = [(g, shares[id(g)]) for g in groups if shares.get(id(g), 1) > 1]
    for group, n in shared:
        share = 1.0 / n
        state = states[id(group)]
        state.call_mult = (share * SPLIT_RANGE[0], share, min(share * SPLIT_RANGE[1], 1.0))
    if not shared:
        return []
    most = max(n for _, n in shared)
    requests = sum(g.requests for g, _ in shared)
    return [
        f"{requests:,} matched requests are also claimed by other features of this commit (up to {most} "
        f"in all; the log cannot tell them apart): this feature is given an equal share of them, "
        f"{SPLIT_RANGE[0]:g}x-{SPLIT_RANGE[1]:g}x that share in the range"
    ]
