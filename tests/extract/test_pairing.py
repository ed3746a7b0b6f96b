"""Which spec of a file's new version is which of its old one (aiopt_hooks.extract.pairing), and
the router kinds it yields, priced (aiopt_hooks.pricing.group_kinds).

Edits are made to real files of public repositories (`tests/data/configs/`, sources in
`tests/data/SOURCES.md`), in a real temporary git repository, as the hook sees them.

Prices (genai-prices, USD per 1M tokens, input / output): gpt-4o-mini 0.15 / 0.60, gpt-4o 2.50 / 10.00.
Logs from `usage_rows` span 10 days, so monthly = window cost x 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.config import Config, FeatureRule
from aiopt_hooks.pricing.group_kinds import attempts, parse_policy
from tests.extract.test_formats import CIRIS_WITH_CAPS, CONFIGS, POLICY, _staged_changes
from tests.pricing.test_estimate import approx, change, run
from tests.support.repos import usage_rows

CONTINUE = CONFIGS / "app-config-continue__continuedev_continue__agent.yaml"
PYTUTOR = CONFIGS / "promptfoo__CharlieChenyuZhang_mit-media-lab-pytutor-promptfoo__promptfooconfig.yaml"
TI4 = CONFIGS / "promptfoo__BullX92_ti4-llm-benches__promptfooconfig.yaml"
CIRIS = CONFIGS / "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml"
CIRIS_POLICY = CONFIGS / "litellm__CIRISAI_CIRISProxy__litellm_config.at-7ef4e92.yaml"


def _edited(path: Path, *edits: tuple[str, str]) -> tuple[str, str]:
    old = new = path.read_text(encoding="utf-8")
    for before, after in edits:
        assert before in new, before
        new = new.replace(before, after, 1)
    return old, new


# -- promptfoo: by label, then by position or similarity ------------------------------------------


def test_promptfoo_unlabelled_id_swap_is_a_model_change(repo: Any) -> None:
    texts = _edited(PYTUTOR, ("  - openai:gpt-4o-mini\n", "  - openai:gpt-4o\n"))
    assert _staged_changes(repo, {"promptfooconfig.yaml": texts}) == [
        ("openai:gpt-4o-mini", "model", "openai:gpt-4o-mini", "openai:gpt-4o", 10)
    ]


def test_promptfoo_label_rename_is_no_change(repo: Any) -> None:
    texts = _edited(TI4, ("label: gpt-5.4 reasoning low\n", "label: flagship, low effort\n"))
    assert _staged_changes(repo, {"promptfooconfig.yaml": texts}) == []


def test_promptfoo_labelled_id_swap_pairs_by_label(repo: Any) -> None:
    texts = _edited(TI4, ("  - id: openai:chat:openai/gpt-5.4\n", "  - id: openai:chat:openai/gpt-5.4-mini\n"))
    assert _staged_changes(repo, {"promptfooconfig.yaml": texts}) == [
        ("gpt-5.4 reasoning low", "model", "openai:chat:openai/gpt-5.4", "openai:chat:openai/gpt-5.4-mini", 4)
    ]


def test_promptfoo_swap_beside_an_added_provider_pairs_by_similarity(repo: Any) -> None:
    old = (
        "prompts: ['Rate: {{x}}']\nproviders:\n  - openrouter:google/gemini-3.1-flash-preview\n"
        "  - anthropic:messages:claude-sonnet-4-6\n"
    )
    new = (
        "prompts: ['Rate: {{x}}']\nproviders:\n  - openrouter:google/gemini-3.1-flash-lite-preview\n"
        "  - anthropic:messages:claude-sonnet-4-6\n  - openai:gpt-5-nano\n"
    )
    changes = _staged_changes(repo, {"evals/promptfooconfig.yaml": (old, new)})
    assert changes[0] == (
        "openrouter:google/gemini-3.1-flash-preview",
        "model",
        "openrouter:google/gemini-3.1-flash-preview",
        "openrouter:google/gemini-3.1-flash-lite-preview",
        3,
    )
    assert {c[0] for c in changes[1:]} == {"openai:gpt-5-nano"}  # the new provider: a new feature


# -- continue: a display-name rename is no change --------------------------------------------------


def test_continue_display_name_rename_is_no_change(repo: Any) -> None:
    texts = _edited(CONTINUE, ("  - name: gpt-5\n", "  - name: GPT-5 (chat)\n"))
    assert _staged_changes(repo, {".continue/config.yaml": texts}) == []


def test_continue_rename_with_a_swap_is_one_model_change(repo: Any) -> None:
    texts = _edited(
        CONTINUE,
        (
            "  - name: gpt-5\n    provider: openai\n    model: gpt-5\n",
            "  - name: GPT-5 mini\n    provider: openai\n    model: gpt-5-mini\n",
        ),
    )
    assert _staged_changes(repo, {".continue/config.yaml": texts}) == [("gpt-5", "model", "gpt-5", "gpt-5-mini", 17)]


# -- LiteLLM load-balanced groups -----------------------------------------------------------------

GROUP = """\
model_list:
  - model_name: chat
    litellm_params: {model: ollama/qwen3.5:9b}
  - model_name: chat
    litellm_params: {model: gpt-4o-mini, max_tokens: 512}
  - model_name: fast
    litellm_params: {model: gpt-4o-mini}
router_settings:
  num_retries: 2
  fallbacks: [{chat: [fast]}]
"""


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(
            GROUP.replace(
                "  - model_name: fast\n",
                "  - model_name: chat\n    litellm_params: {model: gpt-4o}\n  - model_name: fast\n",
            ),
            [
                (
                    "chat",
                    "deployments",
                    ("ollama/qwen3.5:9b", "gpt-4o-mini"),
                    ("ollama/qwen3.5:9b", "gpt-4o-mini", "gpt-4o"),
                    7,
                )
            ],
            id="deployment-added-router-settings-unchanged",
        ),
        pytest.param(
            GROUP.replace("    litellm_params: {model: ollama/qwen3.5:9b}\n  - model_name: chat\n", ""),
            [("chat", "deployments", ("ollama/qwen3.5:9b", "gpt-4o-mini"), ("gpt-4o-mini",), 3)],
            id="deployment-removed",
        ),
        pytest.param(
            GROUP.replace("ollama/qwen3.5:9b", "gemini/gemini-3-flash-preview"),
            [
                (
                    "chat",
                    "deployments",
                    ("ollama/qwen3.5:9b", "gpt-4o-mini"),
                    ("gemini/gemini-3-flash-preview", "gpt-4o-mini"),
                    3,
                )
            ],
            id="regenerated-deployment-not-paired-by-position",
        ),
        pytest.param(
            "model_list:\n"
            + "".join(
                GROUP.split("model_list:\n")[1].split("  - model_name: fast\n")[0].split("  - ")[i].join(["  - ", ""])
                for i in (2, 1)
            )
            + "  - model_name: fast\n"
            + GROUP.split("  - model_name: fast\n")[1],
            [],
            id="reordered-list-no-change",
        ),
        pytest.param(
            GROUP.replace("max_tokens: 512", "max_tokens: 2048"),
            [("chat", "max_output_tokens", 512, 2048, 5)],
            id="one-deployment-cap",
        ),
        pytest.param(
            GROUP.replace("num_retries: 2", "num_retries: 3"),
            [("chat", "retries", 2, 3, 9), ("fast", "retries", 2, 3, 9)],
            id="router-setting-once-per-alias",
        ),
    ],
)
def test_litellm_group_edits_report_only_what_changed(repo: Any, new: str, expected: list[tuple[Any, ...]]) -> None:
    assert _staged_changes(repo, {"litellm_config.yaml": (GROUP, new)}) == expected


def test_litellm_single_deployment_growing_to_a_group(repo: Any) -> None:
    old = "model_list:\n  - model_name: chat\n    litellm_params: {model: gpt-4o-mini}\nrouter_settings: {num_retries: 2}\n"
    new = old.replace("router_settings", "  - model_name: chat\n    litellm_params: {model: gpt-4o}\nrouter_settings")
    assert _staged_changes(repo, {"litellm_config.yaml": (old, new)}) == [
        ("chat", "deployments", ("gpt-4o-mini",), ("gpt-4o-mini", "gpt-4o"), 5)
    ]


def test_explicit_selector_still_maps_a_group(repo: Any) -> None:
    new = GROUP.replace("max_tokens: 512", "max_tokens: 2048")
    config = Config(features=(FeatureRule(name="support", files=("litellm_config.yaml#model_list.chat",)),))
    assert [c[:2] for c in _staged_changes(repo, {"litellm_config.yaml": (GROUP, new)}, config)] == [
        ("support", "max_output_tokens")
    ]


# -- retry_policy: CIRISProxy 7ef4e92 ------------------------------------------------------------


def test_ciris_7ef4e92_retry_policy_is_a_change_of_every_alias(repo: Any) -> None:
    texts = (CIRIS.read_text("utf-8"), CIRIS_POLICY.read_text("utf-8"))
    changes = _staged_changes(repo, {"litellm_config.yaml": texts})
    assert changes == [(feature, "retry_policy", None, POLICY, 138) for feature, _, _ in CIRIS_WITH_CAPS]


def test_parse_policy() -> None:
    assert parse_policy(POLICY) == {
        "InternalServerErrorRetries": 1,
        "RateLimitErrorRetries": 2,
        "TimeoutErrorRetries": 1,
    }
    assert parse_policy(None) == {}


def _failing(n_failed: int) -> list[dict[str, Any]]:
    rows = usage_rows("default", "gpt-4o", 100, 1000, 200)
    for row in rows[:n_failed]:
        row["status"] = "error"
    return rows


def test_ciris_retry_policy_priced_as_a_saving(tmp_path: Path) -> None:
    # num_retries 2 for every error before; after: Timeout 1, RateLimit 2, InternalServer 1, others 2.
    # p = 0.1: attempts(2) = 1.11, attempts(1) = 1.1; expected = mean over the 3 classes and "other"
    # = (2 x 1.1/1.11 + 2) / 4; base 100 x (1000 x 2.5 + 200 x 10) / 1e6 x 3 = 1.35/month.
    est = run(tmp_path, _failing(10), [change("retry_policy", None, POLICY, feature="default", retries=2)])
    (result,) = est.changes
    expected = (2 * 1.1 / 1.11 + 2) / 4
    assert result.delta_monthly_usd == approx(1.35 * (expected - 1))
    # the range: all failures in one class; low = a 1-retry class at p = 0.2, high = unchanged
    assert result.delta_monthly_usd_low == approx(1.35 * (attempts(0.2, 1) / attempts(0.2, 2) - 1))
    assert result.delta_monthly_usd_high == approx(0.0)
    assert result.confidence == "low" and any("error classes" in n for n in result.notes)


def test_retry_policy_raise_without_failures_assumes_two_percent(tmp_path: Path) -> None:
    est = run(
        tmp_path, _failing(0), [change("retry_policy", None, "RateLimitErrorRetries=5", feature="default", retries=0)]
    )
    (result,) = est.changes
    assert result.delta_monthly_usd == approx(1.35 * ((attempts(0.02, 5) + 1) / 2 - 1))
    assert any("assumed a 2% failure rate" in n for n in result.notes)


# -- deployments priced by traffic share --------------------------------------------------------


def test_added_deployment_takes_its_share(tmp_path: Path) -> None:
    # gpt-4o-mini: 100 x (1000 x 0.15 + 200 x 0.6) / 1e6 x 3 = 0.081/month; all at gpt-4o: 1.35.
    # Half the traffic moves to gpt-4o: 0.081 / 2 + 1.35 / 2 - 0.081.
    rows = usage_rows("chat", "gpt-4o-mini", 100, 1000, 200)
    est = run(tmp_path, rows, [change("deployments", ("gpt-4o-mini",), ("gpt-4o-mini", "gpt-4o"), feature="chat")])
    (result,) = est.changes
    assert result.delta_monthly_usd == approx(1.35 / 2 - 0.081 / 2)
    assert result.confidence == "medium"


def test_removed_deployment_traffic_goes_to_the_rest(tmp_path: Path) -> None:
    rows = usage_rows("chat", "gpt-4o-mini", 50, 1000, 200) + usage_rows("chat", "gpt-4o", 50, 1000, 200)
    est = run(tmp_path, rows, [change("deployments", ("gpt-4o-mini", "gpt-4o"), ("gpt-4o-mini",), feature="chat")])
    (result,) = est.changes
    assert result.delta_monthly_usd == approx(0.081 / 2 - 1.35 / 2)


def test_unknown_added_deployment_is_never_zero(tmp_path: Path) -> None:
    rows = usage_rows("chat", "gpt-4o-mini", 100, 1000, 200)
    est = run(
        tmp_path, rows, [change("deployments", ("gpt-4o-mini",), ("gpt-4o-mini", "acme/nonexistent-9"), feature="chat")]
    )
    (result,) = est.changes
    assert not result.priced
    assert any(f.code == "unknown_model" for f in est.findings)


def test_added_deployment_takes_its_weighted_share(tmp_path: Path) -> None:
    # weight 3 (gpt-4o-mini) and 1 (gpt-4o): a quarter of the traffic moves to gpt-4o.
    rows = usage_rows("chat", "gpt-4o-mini", 100, 1000, 200)
    weights = {"old": {"gpt-4o-mini": 3.0}, "new": {"gpt-4o-mini": 3.0, "gpt-4o": 1.0}}
    est = run(
        tmp_path,
        rows,
        [change("deployments", ("gpt-4o-mini",), ("gpt-4o-mini", "gpt-4o"), feature="chat", weights=weights)],
    )
    (result,) = est.changes
    assert result.delta_monthly_usd == approx((1.35 - 0.081) / 4)
    assert any("by their `weight`" in n for n in result.notes)


def test_litellm_deployment_weight_is_read() -> None:
    from aiopt_hooks.extract.registry import extract_call_specs

    text = GROUP.replace("{model: gpt-4o-mini, max_tokens: 512}", "{model: gpt-4o-mini, max_tokens: 512, weight: 3}")
    specs = {s.selector: s for s in extract_call_specs("litellm_config.yaml", text)}
    assert specs["model_list.chat@gpt-4o-mini"].fields["weight"] == 3.0
    assert "weight" not in specs["model_list.chat@ollama/qwen3.5:9b"].fields
