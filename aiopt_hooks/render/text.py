"""Report: one result, rendered as a text table, JSON or Markdown (rendered, never recomputed)."""

from __future__ import annotations

import json
from typing import Any

from aiopt_hooks.records import ChangeEstimate, Estimate, Result, Suggestion
from aiopt_hooks.render.money import money
from aiopt_hooks.render.reasons import verdict_reasons
from aiopt_hooks.render.risk import risk_dict, risk_line


def _change_text(c: ChangeEstimate) -> str:
    ch = c.change
    if ch.field == "prompt":
        return f"prompt: {ch.old:,} -> {ch.new:,} tokens"
    old = "(none)" if ch.old is None else ch.old
    new = "(none)" if ch.new is None else ch.new
    if isinstance(old, tuple):
        old = ", ".join(old) or "(none)"
    if isinstance(new, tuple):
        new = ", ".join(new) or "(none)"
    return f"{ch.field}: {old} -> {new}"


def _rows(est: Estimate) -> list[list[str]]:
    rows = []
    for c in est.changes:
        if not c.priced:
            rows.append([c.change.feature, _change_text(c), "-", "-", "unpriced", "-", c.confidence])
            continue
        rows.append(
            [
                c.change.feature,
                _change_text(c),
                money(c.baseline_monthly_usd),
                money(c.candidate_monthly_usd),
                money(c.delta_monthly_usd, True),
                f"{money(c.delta_monthly_usd_low, True)} .. {money(c.delta_monthly_usd_high, True)}",
                c.confidence,
            ]
        )
    return rows


TOP_MOVERS = 5  # a log diff's largest rows, repeated apart for a quick look
KINDS = {
    "check": ("aiopt-guard", "this change"),
    "whatif": ("aiopt whatif", "this what-if"),
    "compare": ("aiopt compare", "the candidate log"),
}
HEADERS = ["feature", "change", "baseline $/mo", "candidate $/mo", "delta $/mo", "range (low .. high)", "confidence"]


def headline(result: Result) -> str:
    v = result.verdict.verdict
    est = result.estimate
    if est is None or not est.changes:
        return f"aiopt-guard: {v.upper()}: {result.summary_line or 'no LLM cost change in this commit'}"
    pct = f" ({est.delta_pct:+,.0f}% of the app)" if est.baseline_monthly_usd > 0 else ""
    word = {"block": "BLOCKED", "warn": "WARNING", "pass": "PASS", "approved": "APPROVED"}.get(v, v.upper())
    lead, subject = KINDS.get(result.kind, KINDS["check"])
    unpriced = est.unpriced
    if len(unpriced) == len(est.changes):
        return f"{lead}: {word}: {subject} is unpriced ({unpriced[0].unpriced_reason or 'not priced'})"
    more = f", plus {len(unpriced)} unpriced change(s)" if unpriced else ""
    return f"{lead}: {word}: {subject} moves projected LLM spend by {money(est.delta, True)}/month{pct}{more}"


def _risk_line(result: Result) -> str:
    line = risk_line(result.risk)
    est = result.estimate
    if not line or est is None or not est.unpriced:
        return line
    if len(est.unpriced) == len(est.changes):
        return "Risk: unpriced (no change could be priced, so no probability is given)"
    return f"{line} (unpriced: {len(est.unpriced)} change(s) not included)"


def _basis(est: Estimate) -> str:
    paths = ", ".join(est.baseline_paths)
    # An aggregated baseline (provider usage buckets) says so on the basis line (its note has the detail).
    bucketed = next((n.split(":", 1)[0] for n in est.notes if n.startswith("aggregated baseline (")), "")
    lead = f"an {bucketed} of " if bucketed else ""
    at_head = f" (at HEAD: {money(est.head_monthly_usd)}/month)" if est.head_adjustment_usd else ""
    return (
        f"Basis: {lead}{est.baseline_requests:,} requests over {est.window_days:.1f} days in {paths}; "
        f"a month = {est.month_days:g} days. Whole app: {money(est.baseline_monthly_usd)}/month{at_head} -> "
        f"{money(est.candidate_monthly_usd)}/month{' + unpriced' if est.unpriced else ''}."
    )


def suggestion_text(s: Suggestion) -> str:
    if s.field == "model":
        versus = (s.delta_monthly_usd or 0.0) - (s.versus_delta_monthly_usd or 0.0)
        return f"{s.value} would pass ({money(versus, True)}/mo vs {s.versus})"
    unit = " tokens" if s.field == "prompt" else ""
    return f"{s.feature}.{s.field} ≤ {s.value:,}{unit} would pass"


def suggestion_dict(s: Suggestion) -> dict[str, Any]:
    out: dict[str, Any] = {"feature": s.feature, "field": s.field, "value": s.value}
    if s.delta_monthly_usd is not None:
        out["delta_monthly_usd"] = round(s.delta_monthly_usd, 2)
    out["message"] = suggestion_text(s)
    return out


def result_notes(result: Result) -> list[str]:
    """The estimate's notes, then the lockfile's (what the creep guard compared)."""
    notes = list(result.estimate.notes) if result.estimate else []
    lock = result.lock
    if lock is not None:
        locked = f"aiopt.lock ({money(lock.monthly_usd)}/month, written {lock.written})"
        if not lock.changes and not lock.removed:
            notes.append(f"the config matches {locked}")
        elif lock.changes:
            notes.append(
                f"since {locked}: {money(lock.increase_usd, True)}/month from {lock.changes} config "
                f"change(s) ({money(lock.low_usd, True)} .. {money(lock.high_usd, True)})"
            )
    return notes


def render_text(result: Result) -> str:
    from aiopt_hooks.render.advice import blocked_advice, unrepeated_reasons  # not for JSON (a no-op commit's)

    lines = [headline(result)]
    est = result.estimate
    if est is not None and est.changes:
        from aiopt_hooks.render.table import fit_table

        lines += ["", fit_table(HEADERS, _rows(est), last=("change",)), "", _basis(est)]
        for c in est.changes:
            if not c.priced and c.unpriced_reason not in c.notes:
                lines.append(f"  - {c.change.feature} {c.change.field}: unpriced: {c.unpriced_reason or 'not priced'}")
            for note in c.notes:
                lines.append(f"  - {c.change.feature} {c.change.field}: {note}")
        lines += [f"  - {n}" for n in result_notes(result)]
    if line := _risk_line(result):
        lines += ["", line]
    findings = result.all_findings
    if findings:
        lines.append("")
        for f in findings:
            where = f"{f.file}:{f.line}: " if f.file and f.line else f"{f.file}: " if f.file else ""
            lines.append(f"[{f.level}] {where}{f.message}")
    reasons = unrepeated_reasons(result)
    if result.verdict.verdict in ("block", "warn", "approved") and reasons:
        lines += ["", {"block": "Why blocked:", "warn": "Why this warns:"}.get(result.verdict.verdict, "Approved:")]
        lines += [f"  - {r}" for r in reasons]
    if result.suggestions:
        lines += ["", "What would pass:"] + [f"  - {suggestion_text(s)}" for s in result.suggestions]
    if result.verdict.verdict == "block" and result.kind != "check":
        lines += ["", "Exit code 1: over the policy, as `aiopt check` would block such a commit."]
    elif result.verdict.verdict == "block":
        lines += ["", *blocked_advice(result)]
    return "\n".join(lines) + "\n"


def result_dict(result: Result) -> dict[str, Any]:
    est = result.estimate
    base_paths = est.baseline_paths if est else result.baseline_paths
    return {
        "verdict": result.verdict.verdict,
        "exit_code": result.verdict.exit_code,
        "baseline": {
            "paths": base_paths,
            "requests": est.baseline_requests if est else 0,
            "window_days": round(est.window_days, 4) if est else 0.0,
            "monthly_usd": round(est.baseline_monthly_usd, 2) if est else 0.0,
        },
        "candidate": {"monthly_usd": round(est.candidate_monthly_usd, 2) if est else 0.0},
        "delta": _delta_dict(est),
        "changes": [c.as_dict() for c in est.changes] if est else [],
        "findings": [f.as_dict() for f in result.all_findings],
        "reasons": verdict_reasons(result.verdict) or ([result.summary_line] if result.summary_line else []),
        "notes": result_notes(result),
        "suggestions": [suggestion_dict(s) for s in result.suggestions],
        "risk": _risk_dict(result),
        **(
            {"compare": {"rows": result.compare_rows, "top_movers": result.compare_rows[:TOP_MOVERS]}}
            if result.compare_rows is not None
            else {}
        ),
    }


def _risk_dict(result: Result) -> dict[str, Any]:
    """The risk section; with nothing priced, no probability (null), never P = 0."""
    risk = risk_dict(result.risk)
    est = result.estimate
    if risk and est is not None and est.changes and len(est.unpriced) == len(est.changes):
        risk["thresholds"] = [{**t, "probability": None} for t in risk.get("thresholds", [])]
        risk["note"] = "unpriced: no change could be priced, so no probability is given"
    return risk


def _delta_dict(est: Estimate | None) -> dict[str, Any]:
    """The totals; null money (with the reason) when no change could be priced, never $0."""
    out: dict[str, Any] = {
        "monthly_usd": round(est.delta, 2) if est else 0.0,
        "monthly_usd_low": round(est.delta_low, 2) if est else 0.0,
        "monthly_usd_high": round(est.delta_high, 2) if est else 0.0,
        "pct": round(est.delta_pct, 2) if est and est.baseline_monthly_usd > 0 else 0.0,
    }
    if est is None or not est.unpriced:
        return out
    if len(est.unpriced) == len(est.changes):
        out = {key: None for key in out}
        out["unpriced_reason"] = est.unpriced[0].unpriced_reason or "not priced"
    out["unpriced"] = [
        {"feature": c.change.feature, "field": c.change.field, "reason": c.unpriced_reason or "not priced"}
        for c in est.unpriced
    ]
    return out


def render_json(result: Result) -> str:
    return json.dumps(result_dict(result), indent=2, default=str) + "\n"


def render_markdown(result: Result) -> str:
    from aiopt_hooks.render.advice import markdown_advice, unrepeated_reasons

    lines = [f"### {headline(result)}", ""]
    est = result.estimate
    if est is not None and est.changes:
        lines.append("| " + " | ".join(HEADERS) + " |")
        lines.append("|" + "---|" * len(HEADERS))
        for row in _rows(est):
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        lines += ["", _basis(est)]
    if line := _risk_line(result):
        lines += ["", line]
    for f in result.all_findings:
        where = f"`{f.file}:{f.line}` " if f.file and f.line else f"`{f.file}` " if f.file else ""
        lines.append(f"- **{f.level}** {where}{f.message}")
    if unrepeated_reasons(result):
        lines += ["", "**Why:**"] + [f"- {r}" for r in unrepeated_reasons(result)]
    if result.verdict.verdict == "block":
        lines += ["", *markdown_advice(result)]
    return "\n".join(lines) + "\n"


def render_sarif(result: Result) -> str:
    from aiopt_hooks.render.sarif import render_sarif as sarif  # loaded for that format only

    return sarif(result)


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown, "sarif": render_sarif}
