"""A result as one line of the audit trail (`repo/history.py` stores it): when, what was checked,
the verdict and its figures, the approvals used and a hash of the config."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiopt_hooks.config import Config
from aiopt_hooks.records import Grant, Result
from aiopt_hooks.render.reasons import reason_text, verdict_reasons
from aiopt_hooks.render.risk import label
from aiopt_hooks.repo import history


def config_hash(config: Config) -> str:
    """sha256 of the config file's bytes (the first 16 hex digits), or `defaults` without one."""
    return config.sha256[:16] if config.path and config.sha256 else "defaults"


def entry_for(command: str, scope: str, result: Result, config: Config) -> dict[str, Any]:
    est = result.estimate
    verdict = result.verdict
    approved = verdict.verdict == "approved"
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),  # UTC, to the second
        "command": command,
        "scope": scope,
        "verdict": verdict.verdict,
        "exit_code": verdict.exit_code,
        "baseline_monthly_usd": round(est.baseline_monthly_usd, 2) if est else None,
        "candidate_monthly_usd": round(est.candidate_monthly_usd, 2) if est else None,
        "delta_monthly_usd": round(est.delta, 2) if est else None,
        "delta_monthly_usd_low": round(est.delta_low, 2) if est else None,
        "delta_monthly_usd_high": round(est.delta_high, 2) if est else None,
        "changes": [f"{c.change.feature}.{c.change.field}: {c.change.old} -> {c.change.new}" for c in est.changes]
        if est
        else [],
        "reasons": verdict_reasons(verdict) if not approved else [],
        "approvals": [reason_text(r) for r in verdict.reasons if isinstance(r, Grant)] if approved else [],
        "risk": [
            {"label": label(t), "probability": t.probability} for t in (result.risk.thresholds if result.risk else ())
        ],
        "config_sha256": config_hash(config),
    }


def record(git_dir: Path | None, command: str, scope: str, result: Result, config: Config) -> None:
    """Append the result's line to the audit trail (a failure is one notice, never an error)."""
    history.record(git_dir, entry_for(command, scope, result, config))


def record_check(git_dir: Path, from_ref: str | None, to_ref: str | None, result: Result, config: Config) -> None:
    """A check's line: its scope is the staged change or the ref range."""
    scope = f"{from_ref or 'HEAD'}..{to_ref or 'HEAD'}" if from_ref or to_ref else "staged"
    record(git_dir, "check", scope, result, config)
