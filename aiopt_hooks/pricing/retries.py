"""Retries: what more (or fewer) attempts per request bill, from the log's failure rate per attempt.

Stage: inside the estimate.  With a failure rate p per attempt and r retries, a request makes up to
r + 1 attempts: it succeeds with probability 1 - p^(r+1), and bills E_f(r) = p + p^2 + ... + p^(r+1)
failed attempts on average.  Each failed attempt bills what the log's failed rows bill (their input,
usually no answer); a successful attempt bills its input and its answer.  Raising r rescues the
share p^(r_old+1) - p^(r_new+1) of requests that used to fail every attempt: they now bill their
successful answer too.  Lowering r makes that share give up early: their later attempts stop billing.

Since E_f(r) = p / (1 - p) x (1 - p^(r+1)), the failed part and the successful part of the log's
cost scale by the same factor (1 - p^(r_new+1)) / (1 - p^(r_old+1)): the matched rows, failed and
successful, are priced on their own tokens and scaled by it.
"""

from __future__ import annotations

from typing import NamedTuple


class RetryEffect(NamedTuple):
    mult: float  # the matched rows' cost factor
    rescued: float  # share of requests that now succeed (negative: that now give up)
    failed_old: float  # expected failed attempts per request
    failed_new: float


def retry_effect(p: float, old: int, new: int) -> RetryEffect:
    """The effect of `old` -> `new` retries at failure rate `p` per attempt (0 <= p < 1)."""

    def success(r: int) -> float:
        return 1.0 - p ** (max(r, 0) + 1)

    def failed(r: int) -> float:
        return sum(p**k for k in range(1, max(r, 0) + 2))

    return RetryEffect(success(new) / success(old), success(new) - success(old), failed(old), failed(new))


def retry_note(p: float, old: int, new: int) -> str:
    effect = retry_effect(p, old, new)
    what = (
        f"{effect.rescued:.2%} of requests used to fail every attempt and are now rescued: they bill their "
        "successful answer (input and output) too"
        if effect.rescued >= 0
        else f"{-effect.rescued:.2%} of requests now give up after {new + 1} attempt(s): their later attempts "
        "stop billing"
    )
    return (
        f"at a {p:.1%} failure rate per attempt, {what}; failed attempts per request "
        f"{effect.failed_old:.3f} -> {effect.failed_new:.3f}, each billing what the log's failed rows bill; "
        f"matched cost x {effect.mult:.4f}"
    )
