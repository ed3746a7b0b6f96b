"""The risk of a result in words and as JSON: P(each threshold is crossed)."""

from __future__ import annotations

from typing import Any

from aiopt_hooks.records import Risk, ThresholdRisk

NOT_ESTIMATED = "not estimated: the log covers fewer than 2 days with timestamps"


def _usd(value: float) -> str:
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def label(t: ThresholdRisk) -> str:
    who = f"{t.scope} " if t.scope != "app" else ""
    if t.threshold == "monthly_total_usd":
        text = f"P({who}> {_usd(t.limit)} budget)"
    elif t.threshold == "monthly_increase_usd":
        text = f"P({who}increase > +{_usd(t.limit)}/mo)"
    else:
        text = f"P({who}increase > {t.limit:g}%)"
    return text if t.level == "block" else f"{text} [warn]"


def risk_line(risk: Risk | None) -> str:
    if risk is None:
        return ""
    if not risk.estimated:
        return f"Risk: {NOT_ESTIMATED}"
    if not risk.thresholds:
        return ""
    shown = "; ".join(f"{label(t)} = {t.probability:.2f}" for t in risk.thresholds)
    return f"Risk ({risk.method}: {risk.days} days, {risk.samples:,} samples): {shown}"


def risk_dict(risk: Risk | None) -> dict[str, Any]:
    if risk is None:
        return {}
    out: dict[str, Any] = {
        "method": risk.method,
        "samples": risk.samples,
        "seed": risk.seed,
        "days": risk.days,
        "thresholds": [
            {
                "scope": t.scope,
                "level": t.level,
                "threshold": t.threshold,
                "limit": t.limit,
                "probability": t.probability,
                "label": label(t),
            }
            for t in risk.thresholds
        ],
    }
    if not risk.estimated:
        out["note"] = NOT_ESTIMATED
    return out
