"""`aiopt.lock`, the creep guard: a reviewed snapshot of the LLM config and what it costs.

It records, per feature, the cost fields of the config (model, cap, prompt tokens, ...) and the
estimated monthly cost, plus the total, the price data and the baseline window.  With
`lockfile: true`, a check prices the difference between the locked config and the config being
committed on the current baseline, so many small increases add up against
`policy.*.monthly_increase_since_lock_usd`; a lock that does not describe the committed config
is stale (a warning naming the command that refreshes it).  Only `aiopt lock` and
`aiopt check --update-lock` write it: a hook never rewrites a tracked file.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from aiopt_hooks.errors import AioptError
from aiopt_hooks.records import COST_FIELDS, Change, Finding, Result
from aiopt_hooks.render.money import money
from aiopt_hooks.verdict.policy import escalate, since_lock_reasons

if TYPE_CHECKING:
    from aiopt_hooks.context import CheckOptions, RepoContext
    from aiopt_hooks.extract.inventory import CallSites

LOCK_PATH = "aiopt.lock"
LOCK_VERSION = 1
FIX = "run `aiopt check --update-lock` (or `aiopt lock`) to make the config being committed the new reference"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z") if ts is not None else None


def build_lock(options: CheckOptions, ctx: RepoContext) -> dict[str, Any]:
    """The lock of the staged config: its call sites and their cost on the baseline."""
    from aiopt_hooks.context import baseline_patterns
    from aiopt_hooks.extract.inventory import call_sites
    from aiopt_hooks.pipeline import run_check
    from aiopt_hooks.pricing.costs import feature_costs, load_baseline
    from aiopt_hooks.pricing.prices import price_date

    sites, _ = call_sites(ctx.root, ctx.config, None)
    summary, prices = load_baseline(ctx.root, ctx.config, baseline_patterns(options, ctx.config),
                                    ctx.git_dir / "aiopt")
    features = sorted({feature for feature, _ in sites})
    costs, unclaimed = feature_costs(summary, ctx.config, prices, features)
    unmapped = (sum(n for n, _ in unclaimed.values()), sum(c for _, c in unclaimed.values()))
    unlocked = ctx._replace(config=replace(ctx.config, lockfile=False))   # the old lock may be what is broken
    staged = run_check(options._replace(from_ref=None, to_ref=None, paths=()), unlocked).estimate
    deltas: dict[str, float] = {}
    for c in staged.changes if staged else []:
        deltas[c.change.feature] = deltas.get(c.change.feature, 0.0) + c.delta_monthly_usd
    monthly = {feature: round(costs[feature][1] + deltas.get(feature, 0.0), 2) for feature in features}
    entries = {feature: {"monthly_usd": monthly[feature], "baseline_requests": costs[feature][0],
                         "files": sorted({c.file for (f, _), c in sites.items() if f == feature}),
                         "config": {field: _plain(c.new) for (f, field), c in sorted(sites.items()) if f == feature}}
               for feature in features}
    total = sum(monthly.values()) + unmapped[1]
    window = ctx.config.window_days or summary.span_days
    return {"version": LOCK_VERSION, "written_by": "aiopt lock", "date": date.today().isoformat(),
            "prices": price_date(), "month_days": ctx.config.month_days, "monthly_usd": round(total, 2),
            "baseline": {"paths": list(summary.paths), "requests": summary.requests,
                         "from": _iso(summary.first_ts), "to": _iso(summary.last_ts),
                         "window_days": round(window, 4)},
            "unmapped_traffic": {"requests": unmapped[0], "monthly_usd": round(unmapped[1], 2)},
            "features": entries}


def write_lock(options: CheckOptions, ctx: RepoContext) -> dict[str, Any]:
    """Write `aiopt.lock` at the repository root and stage it; the lock is returned."""
    from aiopt_hooks.repo.git import stage_path

    lock = build_lock(options, ctx)
    path = ctx.root / LOCK_PATH
    try:
        path.write_text(json.dumps(lock, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise AioptError(f"cannot write the lockfile: {exc.strerror}", file=LOCK_PATH) from None
    stage_path(ctx.root, LOCK_PATH)
    return lock


def parse_lock(data: bytes) -> dict[str, Any]:
    try:
        lock: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        raise AioptError("is not a valid lockfile (JSON)", file=LOCK_PATH, line=line,
                         hint="restore it from git, or run `aiopt lock` to rewrite it") from None
    features = lock.get("features") if isinstance(lock, dict) else None
    if not isinstance(features, dict) or lock.get("version") != LOCK_VERSION or not all(
            isinstance(e, dict) and isinstance(e.get("config"), dict) and set(e["config"]) <= set(COST_FIELDS)
            for e in features.values()):
        raise AioptError(f"is not a version-{LOCK_VERSION} lockfile with `features.<name>.config` cost fields",
                         file=LOCK_PATH, hint="run `aiopt lock` to rewrite it")
    return dict(lock)


def lock_drift(lock: dict[str, Any], sites: CallSites) -> tuple[list[Change], list[str]]:
    """(the changes from the locked config to `sites`, the locked features gone since: no saving claimed)."""
    locked = {(f, field): value for f, e in lock["features"].items() for field, value in e["config"].items()}
    present = {f: c for (f, _), c in sites.items()}
    drift = []
    for feature, field in sorted(set(locked) | set(sites)):
        now = sites.get((feature, field))
        old, new = locked.get((feature, field)), (now.new if now else None)
        if feature not in present or old == _plain(new):
            continue
        anchor = now or present[feature]
        drift.append(Change(file=anchor.file, feature=feature, field=field,
                            old=tuple(old) if isinstance(old, list) else old, new=new,
                            line=now.line if now else None, spec=dict(anchor.spec)))
    return drift, sorted(set(lock["features"]) - set(present))


def _describe(changes: list[Change], removed: list[str]) -> str:
    shown = [f"{c.feature}.{c.field}: {_plain(c.old)} -> {_plain(c.new)}" for c in changes]
    shown += [f"{feature} removed" for feature in removed]
    return "; ".join(shown[:4]) + (f"; and {len(shown) - 4} more" if len(shown) > 4 else "")


def _warned(result: Result, code: str, message: str, block: list[str], warn: list[str]) -> Result:
    finding = Finding("warn", code, message, file=LOCK_PATH)
    return replace(result, verdict=escalate(result.verdict, block, warn + [f"{code}: {message}"]),
                   findings=result.findings + [finding])


def check_against_lock(result: Result, options: CheckOptions, ctx: RepoContext, new_ref: str | None) -> Result:
    """The verdict made stricter by the creep since `aiopt.lock` (read from the side being committed)."""
    from aiopt_hooks.context import baseline_patterns
    from aiopt_hooks.extract.inventory import call_sites
    from aiopt_hooks.pricing.costs import load_baseline
    from aiopt_hooks.pricing.estimate import estimate_changes
    from aiopt_hooks.repo.git import read_path

    assert result.estimate is not None
    data = read_path(ctx.root, new_ref, LOCK_PATH)
    if data is None:
        return _warned(result, "lock_missing", "`lockfile: true` in .aiopt.yaml but the lockfile is not in the "
                       "commit: run `aiopt lock` and commit it", [], [])
    lock = parse_lock(data)
    drift, removed = lock_drift(lock, call_sites(ctx.root, ctx.config, new_ref)[0])
    locked = f"{LOCK_PATH} ({money(float(lock.get('monthly_usd', 0.0)))}/month, written {lock.get('date', '?')})"
    if not drift and not removed:
        result.estimate.notes.append(f"the config matches {locked}")
        return result
    block: list[str] = []
    warn: list[str] = []
    if drift:
        summary, prices = load_baseline(ctx.root, ctx.config, baseline_patterns(options, ctx.config),
                                        ctx.git_dir / "aiopt")
        creep = estimate_changes(drift, summary, ctx.config, prices)
        increase = creep.delta_high if ctx.config.policy.basis == "high" else creep.delta
        block, warn = since_lock_reasons(increase, ctx.config.policy)
        result.estimate.notes.append(f"since {locked}: {money(increase, True)}/month from {len(drift)} config "
                                     f"change(s) ({money(creep.delta_low, True)} .. {money(creep.delta_high, True)})")
    stale = f"the lockfile does not describe the config being committed ({_describe(drift, removed)}): {FIX}"
    return _warned(result, "lock_stale", stale, block, warn)
