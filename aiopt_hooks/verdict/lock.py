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
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.inventory import CallSites
from aiopt_hooks.pricing.costs import feature_costs
from aiopt_hooks.pricing.estimate import estimate_changes
from aiopt_hooks.pricing.prices import PriceBook, price_date
from aiopt_hooks.records import COST_FIELDS, Change, Estimate, Finding, LockStatus, Reason
from aiopt_hooks.stored import CURRENT, upgrade
from aiopt_hooks.verdict.thresholds import increase_of, since_lock

LOCK_PATH = "aiopt.lock"
LOCK_VERSION = CURRENT["lockfile"]
FIX = "run `aiopt check --update-lock` (or `aiopt lock`) to make the config being committed the new reference"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z") if ts is not None else None


def build_lock(
    sites: CallSites, summary: BaselineSummary, prices: PriceBook, config: Config, staged: Estimate | None
) -> dict[str, Any]:
    """The lock of the staged config: its call sites (`sites`, of the index) and their cost on the
    baseline, the staged changes' deltas (`staged`, the check of the same run) included."""
    features = sorted({feature for feature, _ in sites})
    costs, unclaimed = feature_costs(summary, config, prices, features)
    unmapped = (sum(n for n, _ in unclaimed.values()), sum(c for _, c in unclaimed.values()))
    deltas: dict[str, float] = {}
    for c in staged.changes if staged else []:
        deltas[c.change.feature] = deltas.get(c.change.feature, 0.0) + c.delta_monthly_usd
    monthly = {feature: round(costs[feature][1] + deltas.get(feature, 0.0), 2) for feature in features}
    entries = {
        feature: {
            "monthly_usd": monthly[feature],
            "baseline_requests": costs[feature][0],
            "files": sorted({c.file for (f, _), c in sites.items() if f == feature}),
            "config": {field: _plain(c.new) for (f, field), c in sorted(sites.items()) if f == feature},
        }
        for feature in features
    }
    total = sum(monthly.values()) + unmapped[1]
    window = config.window_days or summary.span_days
    return {
        "version": LOCK_VERSION,
        "written_by": "aiopt lock",
        "date": date.today().isoformat(),
        "prices": price_date(),
        "month_days": config.month_days,
        "monthly_usd": round(total, 2),
        "baseline": {
            "paths": list(summary.paths),
            "requests": summary.requests,
            "from": _iso(summary.first_ts),
            "to": _iso(summary.last_ts),
            "window_days": round(window, 4),
        },
        "unmapped_traffic": {"requests": unmapped[0], "monthly_usd": round(unmapped[1], 2)},
        "features": entries,
    }


def write_lock(root: Path, lock: dict[str, Any]) -> None:
    """Write `aiopt.lock` at the repository root (the caller stages it)."""
    try:
        (root / LOCK_PATH).write_text(json.dumps(lock, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise AioptError(f"cannot write the lockfile: {exc.strerror}", file=LOCK_PATH) from None


def parse_lock(data: bytes) -> dict[str, Any]:
    try:
        lock: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        raise AioptError(
            "is not a valid lockfile (JSON)",
            file=LOCK_PATH,
            line=line,
            hint="restore it from git, or run `aiopt lock` to rewrite it",
        ) from None
    try:
        lock = upgrade("lockfile", lock) if isinstance(lock, dict) else lock
    except ValueError as exc:
        raise AioptError(str(exc), file=LOCK_PATH, hint="run `aiopt lock` to rewrite it") from None
    features = lock.get("features") if isinstance(lock, dict) else None
    if not isinstance(features, dict) or not all(
        isinstance(e, dict) and isinstance(e.get("config"), dict) and set(e["config"]) <= set(COST_FIELDS)
        for e in features.values()
    ):
        raise AioptError(
            f"is not a version-{LOCK_VERSION} lockfile with `features.<name>.config` cost fields",
            file=LOCK_PATH,
            hint="run `aiopt lock` to rewrite it",
        )
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
        drift.append(
            Change(
                file=anchor.file,
                feature=feature,
                field=field,
                old=tuple(old) if isinstance(old, list) else old,
                new=new,
                line=now.line if now else None,
                spec=dict(anchor.spec),
            )
        )
    return drift, sorted(set(lock["features"]) - set(present))


def _describe(changes: list[Change], removed: list[str]) -> str:
    shown = [f"{c.feature}.{c.field}: {_plain(c.old)} -> {_plain(c.new)}" for c in changes]
    shown += [f"{feature} removed" for feature in removed]
    return "; ".join(shown[:4]) + (f"; and {len(shown) - 4} more" if len(shown) > 4 else "")


class LockCheck(NamedTuple):
    status: LockStatus | None
    reasons: list[Reason]  # the creep thresholds fired (block/warn)
    findings: list[Finding]  # lock_missing / lock_stale


def check_lock(
    data: bytes | None, sites: CallSites, summary: BaselineSummary, prices: PriceBook, config: Config
) -> LockCheck:
    """The creep since `aiopt.lock` (`data`, read from the side being committed; None = not there),
    priced on the run's own summary and prices."""
    if data is None:
        return LockCheck(
            None,
            [],
            [
                Finding(
                    "warn",
                    "lock_missing",
                    "`lockfile: true` in .aiopt.yaml but the lockfile "
                    "is not in the commit: run `aiopt lock` and commit it",
                    file=LOCK_PATH,
                )
            ],
        )
    lock = parse_lock(data)
    drift, removed = lock_drift(lock, sites)
    status = LockStatus(float(lock.get("monthly_usd", 0.0)), str(lock.get("date", "?")))
    if not drift and not removed:
        return LockCheck(status, [], [])
    reasons: list[Reason] = []
    if drift:
        creep = estimate_changes(drift, summary, config, prices)
        increase = increase_of(creep, config.policy.basis)
        reasons += since_lock(increase, config.policy)
        status = status._replace(
            changes=len(drift), increase_usd=increase, low_usd=creep.delta_low, high_usd=creep.delta_high
        )
    status = status._replace(removed=len(removed))
    stale = f"the lockfile does not describe the config being committed ({_describe(drift, removed)}): {FIX}"
    finding = Finding("warn", "lock_stale", stale, file=LOCK_PATH)
    return LockCheck(status, reasons, [finding])
