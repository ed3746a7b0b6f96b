"""Changes + baseline summary + prices -> one `Result`: the shared tail of `check` and `whatif`.

Stage: estimate -> verdict (global and per-feature policies) -> risk -> "what would pass".
"""
from __future__ import annotations

from aiopt_hooks.baseline.summary import BaselineSummary
from aiopt_hooks.config import Config
from aiopt_hooks.prices import PriceBook
from aiopt_hooks.records import Change, Finding
from aiopt_hooks.report import Result


def price_changes(changes: list[Change], findings: list[Finding], summary: BaselineSummary, config: Config,
                  prices: PriceBook) -> Result:
    from aiopt_hooks.estimate import estimate_changes
    from aiopt_hooks.feature_policy import decide
    from aiopt_hooks.risk import risk_of_estimate

    estimate = estimate_changes(changes, summary, config, prices)
    prices.save()
    estimate.findings = findings + estimate.findings
    result = Result(decide(estimate, config), estimate=estimate,
                    risk=risk_of_estimate(estimate, summary, config, prices))
    if result.verdict.verdict == "block":
        from aiopt_hooks.suggest import what_would_pass

        result.suggestions = what_would_pass(estimate, changes, summary, config, prices)
        prices.save()
    return result
