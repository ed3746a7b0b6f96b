"""Report of a scan: text table, JSON or Markdown of one `ScanReport` (rendered, never recomputed)."""

from __future__ import annotations

import json
from typing import Any

from aiopt_hooks.baseline.model import MAX_TRACKED_USERS
from aiopt_hooks.pricing.scan import Hint, ScanReport
from aiopt_hooks.render.money import money

BARS = "▁▂▃▄▅▆▇█"
HEADERS = ["feature", "model", "provider", "requests/mo", "$/month", "share"]


def sparkline(values: list[float]) -> str:
    top = max(values, default=0.0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(int(v / top * (len(BARS) - 1) + 0.5), len(BARS) - 1)] for v in values)


def trend_line(report: ScanReport) -> str:
    days = report.daily
    if len(days) < 2:
        return "Daily cost: fewer than 2 days with timestamps"
    usd = [d["usd"] for d in days]
    line = (
        f"Daily cost {days[0]['date']} .. {days[-1]['date']}: {sparkline(usd)}  min {money(min(usd))}, "
        f"max {money(max(usd))}, mean {money(sum(usd) / len(usd))}/day"
    )
    if len(days) >= 14:
        last, before = sum(usd[-7:]), sum(usd[-14:-7])
        if before > 0:
            line += f"; last 7 days vs the 7 before: {100 * (last - before) / before:+.0f}%"
    return line


def _rows(report: ScanReport) -> list[list[str]]:
    return [
        [
            r["feature"] or "(untagged)",
            r["model"],
            r["provider"] or "-",
            f"{r['requests_monthly']:,.0f}",
            money(r["monthly_usd"]) if r["priced"] else "no price",
            f"{100 * r['share']:.1f}%",
        ]
        for r in report.rows
    ]


def _rollups(report: ScanReport) -> list[str]:
    total = report.monthly_usd or 1.0
    return [
        f"By {key}: "
        + ", ".join(
            f"{name or '(untagged)'} {money(v)} ({100 * v / total:.0f}%)" for name, v in report.rollup(key).items()
        )
        for key in ("feature", "model", "provider")
    ]


def hint_message(h: Hint) -> str:
    who = f"{h.feature or '(untagged)'} on {h.model}"
    f = h.facts
    if h.kind == "cheaper_model":
        return (
            f"{who}: {f['cheaper']} (same provider, the next cheaper model) would cost "
            f"{money(f['cheaper_monthly_usd'])}/month instead of {money(f['monthly_usd'])}"
        )
    if h.kind == "prompt_caching":
        return (
            f"{who}: {f['requests']:,} requests averaging {f['mean_input']:,.0f} input tokens, none cached; "
            f"{f['model_id']} bills cached input at {f['cached_ratio']:.0%} of the input price: enable prompt "
            "caching (a stable prefix first: system prompt, tools, examples)"
        )
    if h.kind == "retry_waste":
        return (
            f"{who}: {f['count']:,} {f['what']} ({f['rate']:.1%} of requests) cost "
            f"{money(h.saving_monthly_usd or 0.0)}/month: fix the cause (timeouts, rate limits, invalid output) "
            "or retry less"
        )
    if h.kind == "truncation":
        return (
            f"{who}: {f['share']:.1%} of requests stopped at their output cap (~{f['cap']:,} tokens), "
            f"{money(h.saving_monthly_usd or 0.0)}/month: raise the cap, or ask for shorter answers"
        )
    return (
        f"{who}: {f['requests']:,} requests use a model with no known price; they are left out of every figure: "
        f"add `prices: {{{h.model}: {{input: ..., output: ...}}}}` to .aiopt.yaml"
    )


def hint_dict(h: Hint) -> dict[str, Any]:
    saving = None if h.saving_monthly_usd is None else round(h.saving_monthly_usd, 2)
    return {
        "kind": h.kind,
        "feature": h.feature,
        "model": h.model,
        "saving_monthly_usd": saving,
        "message": hint_message(h),
        "assumption": h.assumption,
    }


def _hint_lines(report: ScanReport) -> list[str]:
    if not report.hints:
        return ["Savings hints: none found"]
    lines = ["Savings hints (estimated $/month, largest first):"]
    for i, h in enumerate(report.hints, 1):
        saving = "   n/a" if h.saving_monthly_usd is None else money(h.saving_monthly_usd)
        lines += [f"  {i}. {saving}/mo  [{h.kind}] {hint_message(h)}", f"       assumes: {h.assumption}"]
    return lines


def basis(report: ScanReport) -> str:
    capped = "at least " if report.users >= MAX_TRACKED_USERS else ""
    users = f"; {capped}{report.users:,} distinct users" if report.users else ""
    return (
        f"{money(report.monthly_usd)}/month over {report.requests:,} requests in {report.window_days:.1f} days "
        f"({', '.join(report.paths)}); a month = {report.month_days:g} days{users}"
    )


def render_text(report: ScanReport) -> str:
    from aiopt_hooks.render.table import fit_table

    lines = [
        f"aiopt scan: {basis(report)}",
        "",
        fit_table(HEADERS, _rows(report)),
        "",
        *_rollups(report),
        "",
        trend_line(report),
        "",
        *_hint_lines(report),
    ]
    for f in report.findings:
        lines.append(f"[{f.level}] {f.message}")
    return "\n".join(lines) + "\n"


def scan_dict(report: ScanReport) -> dict[str, Any]:
    return {
        "baseline": {
            "paths": report.paths,
            "requests": report.requests,
            "window_days": round(report.window_days, 4),
            "monthly_usd": round(report.monthly_usd, 2),
            "users": report.users,
        },
        "rows": [
            {
                **r,
                "monthly_usd": round(r["monthly_usd"], 2),
                "share": round(r["share"], 4),
                "requests_monthly": round(r["requests_monthly"], 1),
            }
            for r in report.rows
        ],
        "by_feature": {k: round(v, 2) for k, v in report.rollup("feature").items()},
        "by_model": {k: round(v, 2) for k, v in report.rollup("model").items()},
        "by_provider": {k: round(v, 2) for k, v in report.rollup("provider").items()},
        "daily": [{**d, "usd": round(d["usd"], 4)} for d in report.daily],
        "hints": [hint_dict(h) for h in report.hints],
        "findings": [f.as_dict() for f in report.findings],
    }


def render_json(report: ScanReport) -> str:
    return json.dumps(scan_dict(report), indent=2) + "\n"


def render_markdown(report: ScanReport) -> str:
    lines = [f"### aiopt scan: {basis(report)}", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _rows(report)]
    lines += ["", trend_line(report), ""]
    for h in report.hints:
        saving = "n/a" if h.saving_monthly_usd is None else money(h.saving_monthly_usd)
        lines.append(f"- **{saving}/mo** `{h.kind}` {hint_message(h)} _(assumes: {h.assumption})_")
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
