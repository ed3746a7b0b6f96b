"""Output-length model for cap raises: a log-normal fitted to outputs censored at the old cap."""

from __future__ import annotations

import math
from collections.abc import Iterable

SQRT2 = math.sqrt(2.0)


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / SQRT2))


def fit_censored_lognormal(
    values: Iterable[tuple[float, float, bool]], iterations: int = 200
) -> tuple[float, float] | None:
    """EM fit of (mu, sigma) of ln X from (value, count, censored) triples; censored means X >= value.

    Returns None when there are too few uncensored values to fit.
    """
    # Zero-length outputs are failed attempts: they say nothing about output length.
    data = [(math.log(v), c, cens) for v, c, cens in values if c > 0 and v > 0]
    exact = [(x, c) for x, c, cens in data if not cens]
    n_exact = sum(c for _, c in exact)
    if n_exact < 5:
        return None
    total = sum(c for _, c, _ in data)
    mu = sum(x * c for x, c in exact) / n_exact
    var = sum(c * (x - mu) ** 2 for x, c in exact) / n_exact
    sigma = max(math.sqrt(var), 0.05)
    for _ in range(iterations):
        s1 = s2 = 0.0
        for x, c, cens in data:
            if not cens:
                s1 += c * x
                s2 += c * x * x
                continue
            a = (x - mu) / sigma
            tail = max(1.0 - _cdf(a), 1e-300)
            lam = _phi(a) / tail  # inverse Mills ratio
            mean = mu + sigma * lam
            second = mu * mu + 2 * mu * sigma * lam + sigma * sigma * (1 + a * lam)
            s1 += c * mean
            s2 += c * second
        new_mu = s1 / total
        new_sigma = max(math.sqrt(max(s2 / total - new_mu * new_mu, 1e-12)), 0.05)
        if abs(new_mu - mu) < 1e-9 and abs(new_sigma - sigma) < 1e-9:
            break
        mu, sigma = new_mu, new_sigma
    return mu, sigma


def expected_capped_tail(mu: float, sigma: float, old_cap: float, new_cap: float | None) -> float:
    """E[min(X, new_cap) | X >= old_cap] for ln X ~ N(mu, sigma)."""
    a = (math.log(old_cap) - mu) / sigma
    p_tail = 1.0 - _cdf(a)
    if p_tail < 1e-12:
        return float(old_cap)
    scale = math.exp(mu + sigma * sigma / 2)
    lo = _cdf((math.log(old_cap) - mu - sigma * sigma) / sigma)
    if new_cap is None:
        return scale * (1.0 - lo) / p_tail
    b = (math.log(new_cap) - mu) / sigma
    hi = _cdf((math.log(new_cap) - mu - sigma * sigma) / sigma)
    partial = scale * (hi - lo)  # E[X; old < X < new]
    return (partial + new_cap * (1.0 - _cdf(b))) / p_tail
