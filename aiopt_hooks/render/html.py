"""HTML report: one self-contained static page of a check, a what-if, a log diff or a scan.

Stage: report (rendered from the result objects, never recomputed).  Inline CSS and inline SVG
only: no script, no font, no image file, no CDN, and a Content-Security-Policy that forbids
every request, so the page makes none and renders the same offline.  Charts: the delta per
change with its low..high range, cost by feature and by model, the daily trend, and the risk.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from aiopt_hooks.pricing.scan import ScanReport
from aiopt_hooks.records import Change, Result
from aiopt_hooks.render.charts import bar_chart, line_chart, probability_chart, range_chart
from aiopt_hooks.render.money import money
from aiopt_hooks.render.reasons import verdict_reasons
from aiopt_hooks.render.risk import label
from aiopt_hooks.render.scan import hint_message
from aiopt_hooks.render.text import headline

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:840px;margin:0 auto;padding:24px}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:0 0 10px}
section{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:16px 18px;margin:16px 0}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff;background:#4c78a8}
.verdict.block,.verdict.error{background:#d62728}.verdict.warn{background:#e08a00}
.verdict.pass,.verdict.approved{background:#2ca02c}
.muted{color:#5b6475;font-size:13px}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceef2}td.num{text-align:right;white-space:nowrap}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}svg .value{fill:#5b6475}svg .legend{font-size:12px}
svg .axis{stroke:#8a93a5;stroke-width:1}svg .grid{stroke:#eceef2}svg .whisker{stroke:#1d2330;stroke-width:1.5}
svg .track{fill:#eceef2}ul{margin:6px 0;padding-left:20px}
"""


class Side(NamedTuple):
    """One log's scan, labelled (e.g. "baseline", "candidate")."""

    label: str
    scan: ScanReport


def _usd(value: float) -> str:
    return money(value)


def _signed(value: float) -> str:
    return money(round(value, 2), True)  # never "-$0.00"


def _change_label(change: Change) -> str:
    what = change.spec.get("model", "") if change.field == "observed" else change.field  # a log diff's row
    return f"{change.feature or '(untagged)'} {what}"


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _delta_section(result: Result) -> str:
    est = result.estimate
    if est is None or not est.changes:
        return ""
    rows = [
        (_change_label(c.change)[:34], c.delta_monthly_usd_low, c.delta_monthly_usd, c.delta_monthly_usd_high)
        for c in est.changes
        if c.priced
    ]
    if not rows:
        return ""
    chart = range_chart("Delta per change, $/month, with its low..high range", rows, _signed)
    return _section("The candidate's delta per change ($/month, low .. high)", chart)


def _rollup_rows(sides: list[Side], key: str, extra: dict[str, float] | None = None) -> list[tuple[str, list[float]]]:
    names: list[str] = []
    for side in sides:
        names += [n for n in side.scan.rollup(key) if n not in names]
    rows = [(name or "(untagged)", [side.scan.rollup(key).get(name, 0.0) for side in sides]) for name in names]
    if extra is not None:  # a check's candidate: the baseline plus each feature's delta
        rows = [
            (label, [*values, max(values[0] + extra.get(name, 0.0), 0.0)]) for (label, values), name in zip(rows, names)
        ]
    return rows[:12]


def _cost_sections(sides: list[Side], result: Result | None) -> str:
    if not sides:
        return ""
    labels = [s.label for s in sides]
    deltas: dict[str, float] | None = None
    if result is not None and result.kind != "compare" and result.estimate is not None and len(sides) == 1:
        deltas = {}
        for c in result.estimate.changes:
            deltas[c.change.feature] = deltas.get(c.change.feature, 0.0) + c.delta_monthly_usd
        labels = [sides[0].label, "candidate"]
    by_feature = bar_chart("Monthly cost by feature", _rollup_rows(sides, "feature", deltas), labels, _usd)
    by_model = bar_chart("Monthly cost by model", _rollup_rows(sides, "model"), [s.label for s in sides], _usd)
    return _section("Monthly cost by feature", by_feature) + _section("Monthly cost by model", by_model)


def _trend_section(sides: list[Side]) -> str:
    dates = sorted({d["date"] for s in sides for d in s.scan.daily})
    if len(dates) < 2:
        return ""
    series = []
    for side in sides:
        usd = {d["date"]: d["usd"] for d in side.scan.daily}
        series.append((side.label, [usd.get(day) for day in dates]))
    chart = line_chart("Daily cost, USD per day", dates, series, _usd)
    return _section("Daily trend (USD per day)", chart + '<p class="muted">First and last days may be partial.</p>')


def _risk_section(result: Result | None) -> str:
    if result is None or result.risk is None or not result.risk.thresholds:
        return ""
    risk = result.risk
    rows = [(label(t), t.probability) for t in risk.thresholds]
    note = f'<p class="muted">{escape(risk.method)}: {risk.days} days, {risk.samples:,} samples, seed {risk.seed}.</p>'
    return _section("Risk: probability of crossing each threshold", probability_chart("Risk", rows) + note)


def _hints_section(sides: list[Side]) -> str:
    hints = [h for side in sides[:1] for h in side.scan.hints]
    if not hints:
        return ""
    rows = "".join(
        f"<tr><td class=num>{'n/a' if h.saving_monthly_usd is None else _usd(h.saving_monthly_usd)}"
        f"</td><td>{escape(h.kind)}</td><td>{escape(hint_message(h))}<br><span class=muted>assumes: "
        f"{escape(h.assumption)}</span></td></tr>"
        for h in hints
    )
    return _section("Savings hints", f"<table><tr><th>$/month</th><th>kind</th><th>hint</th></tr>{rows}</table>")


def _details(result: Result) -> str:
    items = [f"<li>{escape(r)}</li>" for r in verdict_reasons(result.verdict)]
    items += [f"<li>[{escape(f.level)}] {escape(f.message)}</li>" for f in result.all_findings]
    if result.estimate is not None:
        items += [f"<li>{escape(n)}</li>" for n in result.estimate.notes]
    return _section("Why", f"<ul>{''.join(items)}</ul>") if items else ""


def render_html(title: str, result: Result | None, sides: list[Side]) -> str:
    if result is not None:
        verdict = result.verdict.verdict
        head = (
            f'<span class="verdict {escape(verdict)}">{escape(verdict.upper())}</span>'
            f"<p>{escape(headline(result).split(': ', 2)[-1])}</p>"
        )
    else:
        scan = sides[0].scan
        head = f"<p>{_usd(scan.monthly_usd)}/month over {scan.requests:,} requests in {scan.window_days:.1f} days</p>"
    basis = ""
    if sides:
        s = sides[0].scan
        basis = (
            f'<p class="muted">Baseline: {escape(", ".join(s.paths))}: {s.requests:,} requests over '
            f"{s.window_days:.1f} days; a month = {s.month_days:g} days. Computed locally; this page "
            "loads nothing from the network.</p>"
        )
    parts = [
        _delta_section(result) if result else "",
        _risk_section(result),
        _cost_sections(sides, result),
        _trend_section(sides),
        _hints_section(sides) if result is None else "",
        _details(result) if result else "",
    ]
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>{head}{basis}{''.join(parts)}</main></body></html>\n"
    )
