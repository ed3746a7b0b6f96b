"""SARIF 2.1.0 report of a check (`--format sarif`), for GitHub code scanning.

Stage: report.  Each finding, and each change that raises the cost of a blocked (or warned)
check, is one result located at the config file and line of the changed value, so code scanning
annotates the pull request there.  A result with no file of its own points at `.aiopt.yaml`.
"""

from __future__ import annotations

import json
from typing import Any

from aiopt_hooks.records import ChangeEstimate, Finding, Result
from aiopt_hooks.render.money import money
from aiopt_hooks.render.reasons import verdict_reasons

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"  # an identifier only: never fetched
LEVELS = {"block": "error", "warn": "warning", "info": "note"}
COST_RULE = "cost_increase"
DESCRIPTIONS = {
    COST_RULE: "An LLM config change raises the projected monthly cost over the policy",
    "unknown_model": "A model with no known price (never priced as $0)",
    "unmatched_change": "A change no baseline request matches, so it is not priced",
    "unknown_model_in_log": "Baseline requests whose model has no known price",
    "bad_log_rows": "Usage-log rows that could not be read",
}
CONFIG_FILE = ".aiopt.yaml"


def _location(file: str | None, line: int | None) -> list[dict[str, Any]]:
    uri = (file or CONFIG_FILE).split(", ")[0]
    region = {"startLine": line if line and line > 0 else 1}
    return [{"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": region}}]


def _from_finding(f: Finding) -> dict[str, Any]:
    return {
        "ruleId": f.code,
        "level": LEVELS.get(f.level, "note"),
        "message": {"text": f.message},
        "locations": _location(f.file, f.line),
    }


def _from_change(c: ChangeEstimate, result: Result) -> dict[str, Any]:
    ch = c.change
    why = "; ".join(verdict_reasons(result.verdict)) or "over the policy"
    text = (
        f"{ch.feature}.{ch.field}: {ch.old} -> {ch.new} moves the projected cost by "
        f"{money(c.delta_monthly_usd, True)}/month ({money(c.delta_monthly_usd_low, True)} .. "
        f"{money(c.delta_monthly_usd_high, True)}, confidence {c.confidence}). Verdict "
        f"{result.verdict.verdict}: {why}"
    )
    return {
        "ruleId": COST_RULE,
        "level": "error" if result.verdict.verdict == "block" else "warning",
        "message": {"text": text},
        "locations": _location(ch.file, ch.line),
        "properties": {"delta_monthly_usd": round(c.delta_monthly_usd, 2), "feature": ch.feature, "field": ch.field},
    }


def sarif_log(result: Result) -> dict[str, Any]:
    results = [_from_finding(f) for f in result.all_findings]
    if result.estimate is not None and result.verdict.verdict in ("block", "warn"):
        results += [_from_change(c, result) for c in result.estimate.changes if c.priced and c.delta_monthly_usd > 0]
    rule_ids = list(dict.fromkeys(r["ruleId"] for r in results))
    for r in results:
        r["ruleIndex"] = rule_ids.index(r["ruleId"])
    rules = [
        {"id": rid, "shortDescription": {"text": DESCRIPTIONS.get(rid, rid.replace("_", " "))}} for rid in rule_ids
    ]
    from importlib.metadata import PackageNotFoundError, version

    try:
        tool_version = version("aiopt_hooks")
    except PackageNotFoundError:
        tool_version = "0"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "aiopt-guard", "version": tool_version, "rules": rules}},
                "invocations": [
                    {"executionSuccessful": result.verdict.verdict != "error", "exitCode": result.verdict.exit_code}
                ],
                "results": results,
            }
        ],
    }


def render_sarif(result: Result) -> str:
    return json.dumps(sarif_log(result), indent=2, default=str) + "\n"
