"""Per-feature policy: `features.<name>.policy`; the strictest applicable threshold decides and the
reason names the threshold that fired."""

from __future__ import annotations

import json

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.config import Config, Policy, build_config, parse_config_text
from aiopt_hooks.errors import AioptError
from aiopt_hooks.records import Change, ChangeEstimate, Estimate, Finding, Verdict
from aiopt_hooks.render.reasons import verdict_reasons
from aiopt_hooks.verdict import decide as deciding
from aiopt_hooks.verdict.thresholds import judge
from tests.support.repos import GitRepo, usage_rows, write_log


def _config(text: str) -> Config:
    return build_config(parse_config_text(text.encode(), ".aiopt.yaml"), ".aiopt.yaml")


def _estimate(changes: list[tuple[str, float, float]], app: float = 1000.0) -> Estimate:
    """(feature, baseline $/mo of the feature, delta $/mo) per change."""
    est = Estimate(["usage.jsonl"], 1000, 10.0, 30.0, app)
    for feature, base, delta in changes:
        c = ChangeEstimate(
            Change("config/llm.yaml", feature, "model", "a", "b", line=3),
            baseline_monthly_usd=base,
            candidate_monthly_usd=base + delta,
            delta_monthly_usd=delta,
            delta_monthly_usd_low=delta,
            delta_monthly_usd_high=delta,
        )
        est.changes.append(c)
    return est


GLOBAL_100 = "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 100\n"


def decide(est: Estimate, config: Config) -> Verdict:
    return deciding.decide(judge(est, config))


def test_the_config_reads_a_feature_policy() -> None:
    config = _config(
        GLOBAL_100 + "features:\n  summarize:\n    policy:\n      block:\n        monthly_total_usd: 50\n"
        "      basis: high\n"
    )
    (rule,) = config.features
    assert rule.policy == Policy(block={"monthly_total_usd": 50.0}, warn={}, basis="high")


def test_an_unknown_key_in_a_feature_policy_is_an_error() -> None:
    with pytest.raises(AioptError, match="features.summarize.policy.block.monthly_totl_usd"):
        _config("features:\n  summarize:\n    policy:\n      block:\n        monthly_totl_usd: 50\n")


@pytest.mark.parametrize(
    ("feature_policy", "changes", "verdict", "fired"),
    [
        pytest.param(
            "block:\n        monthly_total_usd: 50",
            [("summarize", 40.0, 20.0)],
            "block",
            "features.summarize.policy.block.monthly_total_usd",
            id="feature-budget-blocks-global-passes",
        ),
        pytest.param(
            "block:\n        monthly_total_usd: 500",
            [("summarize", 40.0, 150.0)],
            "block",
            "policy.block.monthly_increase_usd",
            id="global-blocks-feature-passes",
        ),
        pytest.param(
            "warn:\n        increase_pct: 20",
            [("summarize", 40.0, 10.0)],
            "warn",
            "features.summarize.policy.warn.increase_pct",
            id="feature-warns",
        ),
        pytest.param(
            "block:\n        monthly_total_usd: 50",
            [("chat", 40.0, 20.0)],
            "pass",
            None,
            id="another-feature-is-not-its-business",
        ),
        pytest.param(
            "block:\n        monthly_increase_usd: 5",
            [("summarize", 40.0, 3.0), ("summarize", 43.0, 3.0)],
            "block",
            "features.summarize.policy.block.monthly_increase_usd",
            id="changes-of-a-feature-add-up",
        ),
    ],
)
def test_the_strictest_threshold_decides(
    feature_policy: str, changes: list[tuple[str, float, float]], verdict: str, fired: str | None
) -> None:
    config = _config(GLOBAL_100 + "features:\n  summarize:\n    policy:\n      " + feature_policy + "\n")
    result = decide(_estimate(changes), config)
    assert result.verdict == verdict
    if fired:
        assert any(fired in reason for reason in verdict_reasons(result))


def test_the_percentage_is_of_the_features_own_cost() -> None:
    config = _config("version: 1\nfeatures:\n  summarize:\n    policy:\n      block:\n        increase_pct: 20\n")
    # +25% of the feature's own cost, but 0.1% of the app's
    result = decide(_estimate([("summarize", 40.0, 10.0)], app=10_000.0), config)
    assert result.verdict == "block"
    assert (
        "+25.0% of summarize's monthly cost is over features.summarize.policy.block.increase_pct"
        in verdict_reasons(result)[0]
    )


def test_a_feature_can_make_a_finding_block() -> None:
    config = _config(
        "version: 1\npolicy:\n  unknown_model: warn\nfeatures:\n  summarize:\n    policy:\n      unknown_model: block\n"
    )
    est = _estimate([("summarize", 40.0, 0.0)])
    est.findings.append(Finding("warn", "unknown_model", "summarize: unknown model 'gpt-9'", "config/llm.yaml", 3))
    assert decide(est, config).verdict == "block"
    est.findings[0] = Finding("warn", "unknown_model", "chat: unknown model 'gpt-9'", "config/llm.yaml", 3)
    assert decide(est, config).verdict == "warn"


def test_a_feature_policy_never_relaxes_the_global_one() -> None:
    config = _config(
        GLOBAL_100 + "features:\n  summarize:\n    policy:\n      block:\n        monthly_increase_usd: 1000\n"
    )
    assert decide(_estimate([("summarize", 40.0, 150.0)]), config).verdict == "block"


def test_check_end_to_end_names_the_feature_budget(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10)
    rows += usage_rows("chat", "gpt-4o-mini", 1000, 1000, 200, days=10)
    write_log(repo.path / "usage.jsonl", rows)
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o-mini\n  chat:\n    model: gpt-4o-mini\n")
    repo.write(
        ".aiopt.yaml", GLOBAL_100 + "features:\n  summarize:\n    policy:\n      block:\n        monthly_total_usd: 5\n"
    )
    repo.stage()
    repo.commit("app")
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o\n  chat:\n    model: gpt-4o\n")
    repo.stage()
    assert main(["check", "--repo", str(repo.path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    # summarize: $0.81 -> $13.50/month, over its own $5 budget; the app's +$25.38 is under the global +$100
    assert data["reasons"] == [
        "the candidate $13.50/month is over the budget features.summarize.policy.block.monthly_total_usd ($5.00/month)"
    ]
    scopes = {(r["scope"], r["threshold"]) for r in data["risk"]["thresholds"]}
    assert ("summarize", "monthly_total_usd") in scopes and ("app", "monthly_increase_usd") in scopes
