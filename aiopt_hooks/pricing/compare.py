"""Log diff: two real usage logs (e.g. last week vs a canary) compared per feature and model.

Stage: two summaries + prices -> a `LogDiff` shaped like a check's estimate: one row per (feature, model) with
requests, tokens and cost per month on each side (each log on its own window), the delta, the
policy's verdict on the whole app's delta, and the top movers.  Rows are `observed` changes, so
the same renderers, policies, risk, history and HTML report serve it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.costs import PricedBaseline, add_days, daily_total, day_split, price_baseline
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.pricing.risk import Scope, active_thresholds, assess
from aiopt_hooks.records import Change, ChangeEstimate, Estimate, Risk

Key = tuple[str, str]  # (feature, model)


def _side(priced: PricedBaseline) -> dict[Key, dict[str, Any]]:
    """Per (feature, model): requests, tokens and cost per month, and the per-day cost shape."""
    rows: dict[Key, dict[str, Any]] = {}
    f = priced.monthly_factor
    for cost in priced.groups:
        g = cost.group
        row = rows.setdefault(
            (g.feature, g.model),
            {"requests": 0, "input_tokens": 0.0, "output_tokens": 0.0, "monthly_usd": 0.0, "priced": True, "days": {}},
        )
        row["requests"] += g.requests
        row["input_tokens"] += sum(c[1] for c in g.cells.values())
        row["output_tokens"] += sum(k[1] * c[0] for k, c in g.cells.items())
        row["monthly_usd"] += cost.monthly_usd
        row["priced"] = row["priced"] and cost.price is not None
        add_days(row["days"], day_split(cost))
    for row in rows.values():
        row["requests_monthly"] = row["requests"] * f
        row["tokens_monthly"] = (row["input_tokens"] + row["output_tokens"]) * f
    return rows


def _json_side(row: dict[str, Any] | None) -> dict[str, Any]:
    row = row or {
        "requests": 0,
        "requests_monthly": 0.0,
        "input_tokens": 0.0,
        "output_tokens": 0.0,
        "tokens_monthly": 0.0,
        "monthly_usd": 0.0,
    }
    return {
        "requests": row["requests"],
        "requests_monthly": round(row["requests_monthly"], 1),
        "input_tokens": int(row["input_tokens"]),
        "output_tokens": int(row["output_tokens"]),
        "tokens_monthly": round(row["tokens_monthly"]),
        "monthly_usd": round(row["monthly_usd"], 2),
    }


def _row_estimate(key: Key, a: dict[str, Any] | None, b: dict[str, Any] | None, file: str) -> ChangeEstimate:
    feature, model = key
    base = a["monthly_usd"] if a else 0.0
    cand = b["monthly_usd"] if b else 0.0
    req_a = a["requests_monthly"] if a else 0.0
    req_b = b["requests_monthly"] if b else 0.0
    change = Change(
        file, feature, "observed", f"{model}, {req_a:,.0f} req/mo", f"{req_b:,.0f} req/mo", spec={"model": model}
    )
    ce = ChangeEstimate(
        change,
        requests_matched=(a or {}).get("requests", 0),
        baseline_monthly_usd=base,
        candidate_monthly_usd=cand,
        delta_monthly_usd=cand - base,
        delta_monthly_usd_low=cand - base,
        delta_monthly_usd_high=cand - base,
    )
    tok_a = a["tokens_monthly"] if a else 0.0
    tok_b = b["tokens_monthly"] if b else 0.0
    ce.notes.append(f"tokens per month {tok_a:,.0f} -> {tok_b:,.0f}")
    if not ((a or {}).get("priced", True) and (b or {}).get("priced", True)):
        ce.priced = False
        ce.confidence = "low"
        ce.notes.append(f"{model!r} has no known price: left out of both sides")
    return ce


class LogDiff(NamedTuple):
    """Two logs compared: the estimate-shaped diff, each feature's baseline, the risk and the rows."""

    estimate: Estimate
    feature_baselines: dict[str, float]
    risk: Risk | None
    rows: list[dict[str, Any]]


def compare_logs(base: BaselineSummary, cand: BaselineSummary, config: Config, prices: PriceBook) -> LogDiff:

    pa, pb = price_baseline(base, config, prices), price_baseline(cand, config, prices)
    rows_a, rows_b = _side(pa), _side(pb)
    keys = sorted(set(rows_a) | set(rows_b))
    file = ", ".join(cand.paths)
    changes = [_row_estimate(k, rows_a.get(k), rows_b.get(k), file) for k in keys]
    changes.sort(key=lambda c: -abs(c.delta_monthly_usd))
    est = Estimate(
        baseline_paths=list(base.paths),
        baseline_requests=base.requests,
        window_days=pa.window_days,
        month_days=config.month_days,
        baseline_monthly_usd=pa.monthly_usd,
        changes=changes,
        findings=_unique(pa.findings + pb.findings),
    )
    est.notes.append(
        f"candidate: {cand.requests:,} requests over {pb.window_days:.1f} days in {file}; "
        f"each log's cost per month is from its own window"
    )
    if min(pa.window_days, pb.window_days) < 1:
        est.notes.append("low confidence: a log covers less than one day")
    feature_base = _per_feature(changes, "baseline_monthly_usd")
    scopes = [Scope("", pa.monthly_usd, daily_total(pa.groups), pb.monthly_usd, daily_total(pb.groups))]
    for feature, _ in config.feature_policies():
        mine_a = [g for g in pa.groups if g.group.feature == feature]
        mine_b = [g for g in pb.groups if g.group.feature == feature]
        scopes.append(
            Scope(
                feature,
                sum(g.monthly_usd for g in mine_a),
                daily_total(mine_a),
                sum(g.monthly_usd for g in mine_b),
                daily_total(mine_b),
            )
        )
    risk = assess(scopes, active_thresholds(config), paired=False)
    rows = [_json_row(k, rows_a.get(k), rows_b.get(k)) for k in keys]
    rows.sort(key=lambda r: -abs(r["delta"]["monthly_usd"]))
    return LogDiff(est, feature_base, risk, rows)


def _json_row(key: Key, a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any]:
    sa, sb = _json_side(a), _json_side(b)
    delta = sb["monthly_usd"] - sa["monthly_usd"]
    return {
        "feature": key[0],
        "model": key[1],
        "baseline": sa,
        "candidate": sb,
        "delta": {
            "monthly_usd": round(delta, 2),
            "pct": round(100 * delta / sa["monthly_usd"], 1) if sa["monthly_usd"] else None,
            "requests_monthly": round(sb["requests_monthly"] - sa["requests_monthly"], 1),
            "tokens_monthly": sb["tokens_monthly"] - sa["tokens_monthly"],
        },
    }


def _per_feature(changes: list[ChangeEstimate], attr: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for c in changes:
        out[c.change.feature] = out.get(c.change.feature, 0.0) + float(getattr(c, attr))
    return out


def _unique(findings: list[Any]) -> list[Any]:
    return list(dict.fromkeys(findings))
