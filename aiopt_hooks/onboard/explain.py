"""`aiopt explain`: what the guard sees in this repository, the first thing to run when a result
surprises you: the watched files, the features they map to, the baseline requests each feature
matches, and everything unmatched (features without traffic, traffic no feature claims, watched
files with no call spec, LLM files outside `watch`).  Reads the index and the work tree; writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiopt_hooks.context import baseline_patterns
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.inventory import call_sites_by_file, scan_llm_files
from aiopt_hooks.extract.source_watch import read_by_code
from aiopt_hooks.onboard.init import is_doc_or_sample
from aiopt_hooks.pricing.costs import feature_costs, load_baseline
from aiopt_hooks.records import Change
from aiopt_hooks.render.money import money
from aiopt_hooks.repo.git import list_repo_files
from aiopt_hooks.repo.globs import match_any

if TYPE_CHECKING:
    from aiopt_hooks.context import CheckOptions, RepoContext


def _value(change: Change) -> str:
    if change.field == "prompt":
        return f"{change.new:,} tokens" if isinstance(change.new, int) else str(change.new)
    return ", ".join(change.new) if isinstance(change.new, tuple) else str(change.new)


def _features(by_file: dict[str, list[Change]]) -> dict[str, dict[str, Any]]:
    features: dict[str, dict[str, Any]] = {}
    for path, sites in by_file.items():
        for site in sites:
            entry = features.setdefault(site.feature, {"feature": site.feature, "files": [], "fields": {}})
            if path not in entry["files"]:
                entry["files"].append(path)
            entry["fields"][site.field] = _value(site)
    return dict(sorted(features.items()))


def _traffic(
    ctx: RepoContext, options: CheckOptions, features: dict[str, dict[str, Any]], report: dict[str, Any]
) -> None:
    """Fill in the baseline: requests and cost per feature, and the traffic no feature claims."""

    try:
        summary, prices = load_baseline(
            ctx.root, ctx.config, baseline_patterns(options, ctx.config), ctx.git_dir / "aiopt"
        )
    except AioptError as exc:
        report["baseline"] = {"error": str(exc)}
        return
    claimed, unclaimed = feature_costs(summary, ctx.config, prices, list(features))
    report["baseline"] = {
        "paths": summary.paths,
        "requests": summary.requests,
        "window_days": round(ctx.config.window_days or summary.span_days, 2),
    }
    rules = {r.name: r for r in ctx.config.features}
    for name, entry in features.items():
        rule = rules.get(name)
        entry["requests"], monthly = claimed[name]
        entry["monthly_usd"] = round(monthly, 2)
        entry["matched_by"] = f"match {dict(rule.match)}" if rule and rule.match else f"feature tag {name!r}"
        if entry["requests"] == 0:
            model = entry["fields"].get("model")
            same = sum(g.requests for g in summary.groups.values() if model and g.model == model)
            entry["matched_by"] += (
                f" (none; {same:,} requests use {model}: a model change is priced on those)" if same else " (none)"
            )
    report["unclaimed_traffic"] = [
        {"feature_tag": tag, "requests": n, "monthly_usd": round(c, 2)} for tag, (n, c) in unclaimed.items()
    ]


def _referenced(by_file: dict[str, list[Change]]) -> dict[str, set[str]]:
    """prompt file -> the features whose entry names it (`prompt: prompts/summarize.txt`)."""
    from pathlib import PurePosixPath

    owners: dict[str, set[str]] = {}
    for path, sites in by_file.items():
        for site in sites:
            ref = site.spec.get("prompt")
            if site.field == "prompt" and isinstance(ref, str) and ref != "inline":
                for candidate in (PurePosixPath(ref), PurePosixPath(path).parent / ref):
                    owners.setdefault(str(candidate), set()).add(site.feature)
    return owners


def explain(options: CheckOptions, ctx: RepoContext) -> dict[str, Any]:

    by_file, errors = call_sites_by_file(ctx.root, ctx.config, None)
    features = _features(by_file)
    named = _referenced(by_file)
    files = [
        {
            "path": path,
            "features": sorted({s.feature for s in sites} | named.get(path, set())),
            "error": errors.get(path),
        }
        for path, sites in sorted(by_file.items())
    ]
    report: dict[str, Any] = {"config": ctx.config.path, "watch": list(ctx.config.watch_patterns()), "files": files}
    _traffic(ctx, options, features, report)
    report["features"] = list(features.values())
    patterns = ctx.config.watch_patterns()
    outside = [
        p for p in list_repo_files(ctx.root)[0] if not match_any(p, patterns) and not read_by_code(p, ctx.config)
    ]
    found = scan_llm_files(ctx.root, outside, ctx.config.max_file_bytes)[0]
    report["unwatched_llm_files"] = sorted(p for p in found if not is_doc_or_sample(p))  # docs: not settings
    return report


def _unmatched(report: dict[str, Any]) -> list[str]:
    lines = []
    for f in report["features"]:
        if f.get("requests") == 0:
            lines.append(
                f"feature {f['feature']!r}: no baseline request matches ({f['matched_by']}); a change to it "
                f"is `unmatched`. Tag its requests feature_tag={f['feature']!r}, map it under "
                f"`features.{f['feature']}.match`, or set `expected_requests_per_day`"
            )
    for t in report.get("unclaimed_traffic", []):
        tag = repr(t["feature_tag"]) if t["feature_tag"] else "(untagged)"
        lines.append(
            f"traffic {tag}: {t['requests']:,} requests ({money(t['monthly_usd'])}/month) that no "
            "watched feature claims"
        )
    for f in report["files"]:
        if f["error"]:
            lines.append(f"{f['path']}: cannot be read: {f['error']}")
        elif not f["features"]:
            lines.append(f"{f['path']}: watched, but holds no model setting or prompt")
    for path in report["unwatched_llm_files"]:
        lines.append(f"{path}: holds LLM settings but is not watched: add it to `watch` in .aiopt.yaml")
    return lines


def render_explain(report: dict[str, Any]) -> str:
    base = report["baseline"]
    lines = [
        f"config: {report['config'] or '(none: the defaults)'}",
        f"watch: {', '.join(report['watch'])}",
        "baseline: "
        + (
            base["error"]
            if "error" in base
            else f"{', '.join(base['paths'])}: {base['requests']:,} requests over {base['window_days']} days"
        ),
        "",
        "Watched files:",
    ]
    lines += [f"  {f['path']}: " + (", ".join(f["features"]) or "-") for f in report["files"]] or ["  (none)"]
    lines += ["", "Features:"]
    for f in report["features"]:
        fields = ", ".join(f"{k} {v}" for k, v in f["fields"].items())
        traffic = (
            f" | {f['requests']:,} baseline requests by {f['matched_by']}, {money(f['monthly_usd'])}/month"
            if "requests" in f
            else ""
        )
        lines.append(f"  {f['feature']}: {fields}{traffic}")
    unmatched = _unmatched(report)
    lines += ["", "Unmatched:"] + ([f"  - {u}" for u in unmatched] or ["  (nothing: every feature has traffic)"])
    return "\n".join(lines) + "\n"
