"""Report: one result, rendered as a text table, JSON or Markdown (rendered, never recomputed)."""
from __future__ import annotations

import json
from typing import Any

from aiopt_hooks.records import ChangeEstimate, Estimate, Result
from aiopt_hooks.render.advice import blocked_advice, markdown_advice, unrepeated_reasons
from aiopt_hooks.render.money import money


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
            rows.append([c.change.feature, _change_text(c), "-", "-", "not priced", "", c.confidence])
            continue
        rows.append([c.change.feature, _change_text(c), money(c.baseline_monthly_usd),
                     money(c.candidate_monthly_usd), money(c.delta_monthly_usd, True),
                     f"{money(c.delta_monthly_usd_low, True)} .. {money(c.delta_monthly_usd_high, True)}",
                     c.confidence])
    return rows


KINDS = {"check": ("aiopt-guard", "this change"), "whatif": ("aiopt whatif", "this what-if"),
         "compare": ("aiopt compare", "the candidate log")}
HEADERS = ["feature", "change", "baseline $/mo", "candidate $/mo", "delta $/mo", "range (low .. high)",
           "confidence"]


def headline(result: Result) -> str:
    v = result.verdict.verdict
    est = result.estimate
    if est is None or not est.changes:
        return f"aiopt-guard: {v.upper()}: {result.summary_line or 'no LLM cost change in this commit'}"
    pct = f" ({est.delta_pct:+,.0f}% of the app)" if est.baseline_monthly_usd > 0 else ""
    word = {"block": "BLOCKED", "warn": "WARNING", "pass": "PASS", "approved": "APPROVED"}.get(v, v.upper())
    lead, subject = KINDS.get(result.kind, KINDS["check"])
    return f"{lead}: {word}: {subject} moves projected LLM spend by {money(est.delta, True)}/month{pct}"


def _basis(est: Estimate) -> str:
    paths = ", ".join(est.baseline_paths)
    return (f"Basis: {est.baseline_requests:,} requests over {est.window_days:.1f} days in {paths}; "
            f"a month = {est.month_days:g} days. Whole app: {money(est.baseline_monthly_usd)}/month -> "
            f"{money(est.candidate_monthly_usd)}/month.")


def render_text(result: Result) -> str:
    lines = [headline(result)]
    est = result.estimate
    if est is not None and est.changes:
        from aiopt_hooks.render.table import fit_table

        lines += ["", fit_table(HEADERS, _rows(est), last=("change",)), "", _basis(est)]
        for c in est.changes:
            for note in c.notes:
                lines.append(f"  - {c.change.feature} {c.change.field}: {note}")
        lines += [f"  - {n}" for n in est.notes]
    if result.risk.get("line"):
        lines += ["", str(result.risk["line"])]
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
        lines += ["", "What would pass:"] + [f"  - {s['message']}" for s in result.suggestions]
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
        "baseline": {"paths": base_paths, "requests": est.baseline_requests if est else 0,
                     "window_days": round(est.window_days, 4) if est else 0.0,
                     "monthly_usd": round(est.baseline_monthly_usd, 2) if est else 0.0},
        "candidate": {"monthly_usd": round(est.candidate_monthly_usd, 2) if est else 0.0},
        "delta": {"monthly_usd": round(est.delta, 2) if est else 0.0,
                  "monthly_usd_low": round(est.delta_low, 2) if est else 0.0,
                  "monthly_usd_high": round(est.delta_high, 2) if est else 0.0,
                  "pct": round(est.delta_pct, 2) if est and est.baseline_monthly_usd > 0 else 0.0},
        "changes": [c.as_dict() for c in est.changes] if est else [],
        "findings": [f.as_dict() for f in result.all_findings],
        "reasons": list(result.verdict.reasons) or ([result.summary_line] if result.summary_line else []),
        "notes": list(est.notes) if est else [],
        "suggestions": list(result.suggestions),
        "risk": {k: v for k, v in result.risk.items() if k != "line"},
        **result.sections,
    }


def render_json(result: Result) -> str:
    return json.dumps(result_dict(result), indent=2, default=str) + "\n"


def render_markdown(result: Result) -> str:
    lines = [f"### {headline(result)}", ""]
    est = result.estimate
    if est is not None and est.changes:
        lines.append("| " + " | ".join(HEADERS) + " |")
        lines.append("|" + "---|" * len(HEADERS))
        for row in _rows(est):
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
        lines += ["", _basis(est)]
    if result.risk.get("line"):
        lines += ["", str(result.risk["line"])]
    for f in result.all_findings:
        where = f"`{f.file}:{f.line}` " if f.file and f.line else f"`{f.file}` " if f.file else ""
        lines.append(f"- **{f.level}** {where}{f.message}")
    if unrepeated_reasons(result):
        lines += ["", "**Why:**"] + [f"- {r}" for r in unrepeated_reasons(result)]
    if result.verdict.verdict == "block":
        lines += ["", *markdown_advice(result)]
    return "\n".join(lines) + "\n"


def render_sarif(result: Result) -> str:
    from aiopt_hooks.render.sarif import render_sarif as render

    return render(result)


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown, "sarif": render_sarif}
