"""Provider and gateway usage exports as baselines (tests/data/logs, see tests/data/SOURCES.md):
each read into the right request count, window and cost, a model swap priced against each,
aggregated (bucket) baselines, service tiers, the stated-cost check, and the files that must be
refused rather than misread."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.dialects.registry import detect_dialect
from aiopt_hooks.baseline.files import iter_rows
from aiopt_hooks.baseline.model import BaselineSummary, summary_from_dict, summary_to_dict
from aiopt_hooks.baseline.read import COMMITTED_SUMMARY, summarize_baseline
from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.pricing.estimate import estimate_changes
from aiopt_hooks.pricing.groupcost import State, group_cost
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.records import Change
from tests.support.repos import GitRepo, swap_model

LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"
DASHBOARD = "openai-usage-dashboard__xavierjflanagan_Guardian__model-usage.csv"
COSTS = "openai-costs-dashboard__xavierjflanagan_Guardian__daily-totals.csv"
PRICES = PriceBook(Config())


def summarize(name: str, path: Path | None = None, forced: str | None = None) -> BaselineSummary:
    return summarize_baseline([path or LOGS / name], PRICES.thresholds, forced)


def our_cost(summary: BaselineSummary, model: str | None = None) -> float:
    """Our pricing of the summary's tokens over its window (not per month)."""
    return sum(
        group_cost(g, State(PRICES.resolve(g.model, g.provider), thresholds=summary.thresholds), "expected")
        for g in summary.groups.values()
        if model is None or g.model == model
    )


def first_dialect(name: str) -> str:
    row = next(row for _, row in iter_rows(LOGS / name) if row is not None)
    dialect = detect_dialect(row)
    return dialect.name if dialect else ""


# (file, dialect, requests, window days, buckets read, stated cost in the file or None)
FORMATS = [
    pytest.param(DASHBOARD, "openai-usage", 53, 7.0, 6, None, id="openai-dashboard-csv"),
    pytest.param("openai-usage-api__documented-shape.json", "openai-usage", 4500, 3.0, 3, None, id="openai-usage-api"),
    pytest.param(
        "openai-batch-output__documented-shape.jsonl", "openai", 40, 39 * 60 / 86400, 0, None, id="openai-batch-output"
    ),
    pytest.param(
        "anthropic-usage-report__documented-shape.json", "anthropic-usage", 3, 2.0, 3, None, id="anthropic-usage-report"
    ),
    pytest.param(
        "openrouter-generations__documented-shape.jsonl", "openrouter", 30, None, 0, "file", id="openrouter-generations"
    ),
    pytest.param(
        "openrouter-activity-api__documented-shape.json",
        "openrouter",
        1200,
        2.0,
        2,
        "file",
        id="openrouter-activity-api",
    ),
    pytest.param(
        "openrouter-activity-csv__documented-columns.csv",
        "openrouter",
        20,
        None,
        0,
        "file",
        id="openrouter-activity-csv",
    ),
    pytest.param("bedrock-invocation-log__documented-shape.jsonl", "bedrock", 30, None, 0, None, id="bedrock"),
    pytest.param("portkey-logs-export__documented-shape.jsonl", "portkey", 25, None, 0, "file", id="portkey"),
    pytest.param("langsmith-runs__documented-shape.jsonl", "langsmith", 10, None, 0, "file", id="langsmith"),
    pytest.param("phoenix-spans__documented-shape.jsonl", "openinference", 12, None, 0, None, id="phoenix"),
    pytest.param(
        "langfuse-blob-export__documented-shape.jsonl", "langfuse-blob", 16, None, 0, "file", id="langfuse-blob"
    ),
]


@pytest.mark.parametrize(("name", "dialect", "requests", "window", "buckets", "stated"), FORMATS)
def test_each_export_reads_into_requests_window_and_cost(
    name: str, dialect: str, requests: int, window: float | None, buckets: int, stated: str | None
) -> None:
    assert first_dialect(name) == dialect
    summary = summarize(name)
    assert summary.requests == requests
    assert summary.bad_rows == 0, summary.bad_lines
    assert summary.buckets == buckets
    if window is not None:
        assert summary.span_days == pytest.approx(window, rel=1e-6)
    assert summary.first_ts is not None
    if stated:
        stated_total = sum(g.stated_cost for g in summary.groups.values())
        assert all(g.stated_cost_rows == g.requests for g in summary.groups.values())
        assert our_cost(summary) == pytest.approx(stated_total, rel=0.02)


@pytest.mark.parametrize(("name", "dialect", "requests", "window", "buckets", "stated"), FORMATS)
def test_a_model_swap_is_priced_against_each_export(
    name: str, dialect: str, requests: int, window: float | None, buckets: int, stated: str | None
) -> None:
    summary = summarize(name)
    old = max(summary.groups.values(), key=lambda g: g.requests)
    new = "claude-sonnet-4-5" if "claude" not in old.model else "gpt-4.1"
    change = Change(
        file="config/llm.yaml",
        feature="nowhere",
        field="model",
        old=old.model,
        new=new,
        line=3,
        spec={"provider": old.provider},
    )
    est = estimate_changes([change], summary, Config(window_days=None if window else 1.0), PRICES)
    (result,) = est.changes
    assert result.priced and result.requests_matched >= old.requests
    assert result.delta_monthly_usd != 0 and result.candidate_monthly_usd > 0
    if buckets:
        assert any("aggregated baseline" in note for note in est.notes)


def test_the_dashboard_export_is_priced_like_the_real_bill() -> None:
    """The public export's gpt-5-mini days against the same account's own daily cost report."""
    summary = summarize(DASHBOARD)
    billed = 0.569788 + 0.34090 + 0.072054  # 10-07, 10-10, 10-11 in the cost report (gpt-5-mini only)
    assert our_cost(summary, "gpt-5-mini-2025-08-07") == pytest.approx(billed, rel=0.005)
    group = next(g for g in summary.groups.values() if g.model == "gpt-4o-2024-08-06")
    cells = group.class_totals()[0]
    assert cells[:3] == (10, 59200, 5760)  # cached tokens read, inside the input
    assert cells[4] == 10646  # the bucket's output sum kept exact
    assert summary.bucket_label() == "daily buckets"


def test_the_dashboard_export_is_never_read_as_requests(app: GitRepo, run: Any) -> None:  # noqa: F811
    shutil.copy(LOGS / DASHBOARD, app.path / "usage.csv")
    config = app.path / ".aiopt.yaml"
    config.write_text(config.read_text().replace("path: usage.jsonl", "path: usage.csv\n  format: aiopt"))
    swap_model(app)
    forced = run()
    assert forced.code == 2
    assert "usage.csv: not read: the file is aggregated usage (a `num_model_requests` column)" in forced.err
    config.write_text(config.read_text().replace("\n  format: aiopt", ""))
    detected = run("--format", "json")
    assert detected.code in (0, 1), detected.err
    data = detected.json()
    assert data["baseline"]["requests"] == 53 and data["baseline"]["window_days"] == pytest.approx(7.0)
    assert any(n.startswith("aggregated baseline (daily buckets)") for n in data["notes"])
    text = run().out
    assert "Basis: an aggregated baseline (daily buckets) of 53 requests over 7.0 days in usage.csv" in text


def test_a_cost_report_beside_the_usage_is_compared_with_our_pricing() -> None:
    """The real export and the same account's cost report: the report also bills days and line items
    the completions export does not hold (10-05, 10-06 and 10-08 bill more than their tokens)."""
    summary = summarize_baseline([LOGS / DASHBOARD, LOGS / COSTS], PRICES.thresholds)
    assert summary.requests == 53 and len(summary.reported) == 6
    est = estimate_changes([], summary, Config(), PRICES)
    (found,) = [f for f in est.findings if f.code == "stated_cost_mismatch"]
    assert "the cost report bills $2.99 over the usage window (6 buckets)" in found.message
    assert "usage's tokens price at $2.05 (-31.5%" in found.message and "line items" in found.message
    back = summary_from_dict(json.loads(json.dumps(summary_to_dict(summary))))
    assert back.reported == summary.reported


def test_a_cost_report_is_refused_with_what_it_is(tmp_path: Path) -> None:
    with pytest.raises(AioptError) as caught:
        summarize(COSTS)
    assert "an OpenAI cost report" in str(caught.value) and "usage export" in str(caught.value)
    page = {
        "object": "page",
        "data": [
            {
                "object": "bucket",
                "start_time": 1,
                "end_time": 86401,
                "results": [
                    {
                        "object": "organization.costs.result",
                        "amount": {"value": 0.06, "currency": "usd"},
                        "line_item": "gpt-4o-mini, input",
                        "project_id": None,
                    }
                ],
            }
        ],
    }
    (tmp_path / "costs.json").write_text(json.dumps(page))
    with pytest.raises(AioptError, match="OpenAI Costs API page"):
        summarize("", tmp_path / "costs.json")
    anthropic = {
        "data": [
            {
                "starting_at": "2025-08-01T00:00:00Z",
                "ending_at": "2025-08-02T00:00:00Z",
                "results": [
                    {
                        "currency": "USD",
                        "amount": "123.45",
                        "workspace_id": None,
                        "description": "Claude Sonnet 4 Usage",
                        "cost_type": "tokens",
                        "context_window": "0-200k",
                        "model": "claude-sonnet-4-20250514",
                        "service_tier": "standard",
                        "token_type": "uncached_input_tokens",
                    }
                ],
            }
        ],
        "has_more": False,
    }
    (tmp_path / "anthropic-costs.json").write_text(json.dumps(anthropic))
    with pytest.raises(AioptError, match="Anthropic cost report"):
        summarize("", tmp_path / "anthropic-costs.json")


@pytest.mark.parametrize(
    ("header", "row", "what"),
    [
        pytest.param(
            "date,model,requests,input_tokens,output_tokens",
            "2025-10-05,gpt-4o-mini,120,90000,20000",
            "a `requests` column",
            id="requests-column",
        ),
        pytest.param(
            "day,model,input_tokens,output_tokens",
            "2025-10-05,gpt-4o-mini,90000,20000",
            "a per-day layout (`day` and no request time)",
            id="per-day",
        ),
    ],
)
def test_aggregates_a_per_request_reader_would_take_are_refused(
    tmp_path: Path, header: str, row: str, what: str
) -> None:
    path = tmp_path / "usage.csv"
    path.write_text(f"{header}\n{row}\n")
    with pytest.raises(AioptError) as caught:
        summarize("", path)
    assert what in str(caught.value) and "`aiopt` reader would take" in str(caught.value)


def test_vertex_responses_and_helicone_cache_columns(tmp_path: Path) -> None:
    vertex = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "..."}]}, "finishReason": "STOP"}],
        "usageMetadata": {
            "promptTokenCount": 1200,
            "candidatesTokenCount": 300,
            "totalTokenCount": 1500,
            "cachedContentTokenCount": 1024,
            "thoughtsTokenCount": 0,
        },
        "modelVersion": "gemini-2.0-flash-001",
        "createTime": "2025-02-01T10:00:00.123456Z",
        "responseId": "abc",
    }
    path = tmp_path / "vertex.jsonl"
    path.write_text(
        "".join(json.dumps({**vertex, "createTime": f"2025-02-0{d}T10:00:00Z"}) + "\n" for d in range(1, 5))
    )
    summary = summarize("", path)
    assert (summary.requests, summary.span_days) == (4, 3.0)
    assert list(summary.groups.values())[0].class_totals()[0][:3] == (4, 4800, 4096)
    header = (
        "response_id,response_created_at,response_status,request_created_at,model,prompt_tokens,"
        "completion_tokens,prompt_cache_read_tokens,prompt_cache_write_tokens,cost"
    )
    rows = [
        f"r{i},2025-02-0{1 + i % 3}T10:00:01Z,200,2025-02-0{1 + i % 3}T10:00:00Z,gpt-4o-mini,10000,500,8000,0,"
        f"{(2000 * 0.15 + 8000 * 0.075 + 500 * 0.6) / 1e6:.10f}"
        for i in range(9)
    ]
    helicone = tmp_path / "helicone.csv"
    helicone.write_text("\n".join([header, *rows]) + "\n")
    est = estimate_changes([], summarize("", helicone), Config(), PRICES)
    assert not [f for f in est.findings if f.code == "stated_cost_mismatch"]
    no_cache = tmp_path / "helicone-no-cache.csv"
    no_cache.write_text(
        "\n".join(
            [
                header.replace(",prompt_cache_read_tokens,prompt_cache_write_tokens", ""),
                *[r.replace(",8000,0,", ",") for r in rows],
            ]
        )
        + "\n"
    )
    (found,) = [
        f
        for f in estimate_changes([], summarize("", no_cache), Config(), PRICES).findings
        if f.code == "stated_cost_mismatch"
    ]
    assert "cache reads the log does not split out" in found.message


def test_batch_results_count_only_billed_requests_and_need_a_window(tmp_path: Path) -> None:
    name = "anthropic-batch-results__documented-shape.jsonl"
    assert first_dialect(name) == "anthropic-batch"
    summary = summarize(name)
    assert summary.requests == 2 and summary.first_ts is None  # errored and expired: not billed
    (group,) = summary.groups.values()
    assert (group.feature, group.tiers["batch"][0]) == ("summarize", 2)
    assert any(truncated for (_, _, truncated) in group.cells)
    from aiopt_hooks.baseline.read import read_baseline

    shutil.copy(LOGS / name, tmp_path / "results.jsonl")
    with pytest.raises(AioptError, match="no row of the baseline has a timestamp"):
        read_baseline(["results.jsonl"], tmp_path, Config(), PRICES.thresholds, None)
    windowed = read_baseline(["results.jsonl"], tmp_path, Config(window_days=1.0), PRICES.thresholds, None)
    est = estimate_changes([], windowed, Config(window_days=1.0), PRICES)
    rates = PRICES.resolve("claude-3-5-haiku-20241022").by_class[0]
    assert est.baseline_monthly_usd == pytest.approx(
        ((1200 + 900) * rates.input + (300 + 1024) * rates.output) / 2 * 30, rel=1e-6
    )


def test_bedrock_cache_counts_at_the_top_level_and_arn_model_ids(tmp_path: Path) -> None:
    record = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-07-15T10:30:00.123Z",
        "operation": "InvokeModel",
        "modelId": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
        "input": {"inputTokenCount": 25},
        "output": {"outputTokenCount": 150},
        "cacheReadInputTokenCount": 100,
        "cacheWriteInputTokenCount": 20,
    }
    app_profile = {**record, "modelId": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc12"}
    path = tmp_path / "bedrock.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps(app_profile) + "\n")
    summary = summarize("", path)
    models = {g.model: g.class_totals()[0][:4] for g in summary.groups.values()}
    assert models["anthropic.claude-3-5-haiku-20241022-v1:0"] == (1, 145, 100, 20)
    est = estimate_changes([], summary, Config(window_days=1.0), PRICES)
    assert any(
        f.code == "unknown_model_in_log" and "application-inference-profile/abc12" in f.message for f in est.findings
    )


def test_an_anthropic_cost_report_is_in_cents(tmp_path: Path) -> None:
    report = {
        "data": [
            {
                "starting_at": "2025-08-01T00:00:00Z",
                "ending_at": "2025-08-02T00:00:00Z",
                "results": [
                    {
                        "currency": "USD",
                        "amount": "1234.5",
                        "workspace_id": None,
                        "description": None,
                        "cost_type": "tokens",
                        "context_window": "0-200k",
                        "model": "claude-sonnet-4-20250514",
                        "service_tier": "standard",
                        "token_type": "uncached_input_tokens",
                    }
                ],
            }
        ],
        "has_more": False,
        "next_page": None,
    }
    (tmp_path / "costs.json").write_text(json.dumps(report))
    summary = summarize_baseline(
        [LOGS / "anthropic-usage-report__documented-shape.json", tmp_path / "costs.json"], PRICES.thresholds
    )
    assert summary.reported == [[1754006400.0, 1754092800.0, 12.345]]


# --- tiers ----------------------------------------------------------------------------------------


def test_batch_output_is_priced_at_the_batch_rate() -> None:
    summary = summarize("openai-batch-output__documented-shape.jsonl")
    (group,) = summary.groups.values()
    assert group.tiers["batch"][0] == 40
    price = PRICES.resolve(group.model, group.provider)
    standard = sum(
        r * t
        for r, t in zip(
            (price.by_class[0].input, price.by_class[0].output),
            (group.class_totals()[0][1], group.class_totals()[0][4]),
        )
    )
    assert our_cost(summary) == pytest.approx(standard / 2, rel=1e-6)


def test_usage_buckets_price_each_tier_and_say_which_rate_was_assumed() -> None:
    summary = summarize("openai-usage-api__documented-shape.json")
    (group,) = summary.groups.values()
    assert group.tiers == {"batch": [1000, 600000, 0, 0, 150000, 0]}
    rates = PRICES.resolve(group.model).by_class[0]
    full = (2800000 - 400000) * rates.input + 400000 * rates.cached + 700000 * rates.output
    assert our_cost(summary) == pytest.approx(full - (600000 * rates.input + 150000 * rates.output) / 2, rel=1e-6)
    report = summarize("anthropic-usage-report__documented-shape.json")
    est = estimate_changes([], report, Config(), PRICES)
    assert any("billed at the batch tier" in note for note in est.notes)
    assert report.uncounted_rows == 3


@pytest.mark.parametrize(
    ("usage", "tier"),
    [
        pytest.param({"service_tier": "priority"}, "priority", id="priority"),
        pytest.param({"service_tier": "standard"}, "", id="standard"),
    ],
)
def test_a_response_s_service_tier_picks_its_rates(tmp_path: Path, usage: dict[str, Any], tier: str) -> None:
    body = {
        "type": "message",
        "model": "claude-sonnet-4-5",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1000, "output_tokens": 100, **usage},
    }
    path = tmp_path / "usage.jsonl"
    path.write_text(
        "".join(json.dumps({"ts": f"2025-01-0{d}T00:00:00Z", "response": body}) + "\n" for d in range(1, 4))
    )
    summary = summarize("", path)
    (group,) = summary.groups.values()
    assert list(group.tiers) == ([tier] if tier else [])
    est = estimate_changes([], summary, Config(), PRICES)
    if tier:
        assert any("assumed the standard rates (a lower bound)" in n for n in est.notes)


# --- aggregated baselines -------------------------------------------------------------------------


def test_per_request_changes_on_buckets_state_the_assumption_and_lower_confidence() -> None:
    summary = summarize(DASHBOARD)
    cap = Change(
        file="config/llm.yaml",
        feature="proj_4BhNtYH0z7dWbBtzhibxa65W",
        field="max_output_tokens",
        old=None,
        new=2000,
        line=3,
    )
    est = estimate_changes([cap], summary, Config(), PRICES)
    (result,) = est.changes
    assert result.confidence == "low"
    assert any("bucket's mean" in note for note in result.notes)
    swap = Change(
        file="config/llm.yaml",
        feature="proj_4BhNtYH0z7dWbBtzhibxa65W",
        field="model",
        old="gpt-5-mini-2025-08-07",
        new="gpt-5-2025-08-07",
        line=3,
    )
    (model_result,) = estimate_changes([swap], summary, Config(), PRICES).changes
    assert not any("bucket's mean" in note for note in model_result.notes)


def test_an_aggregated_summary_round_trips_through_its_stored_form() -> None:
    summary = summarize("openai-usage-api__documented-shape.json")
    back = summary_from_dict(json.loads(json.dumps(summary_to_dict(summary))))
    assert (back.buckets, back.bucket_seconds, back.requests) == (summary.buckets, summary.bucket_seconds, 4500)
    assert [g.tiers for g in back.groups.values()] == [g.tiers for g in summary.groups.values()]
    assert our_cost(back) == pytest.approx(our_cost(summary))


# --- stated cost ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "flagged"),
    [
        pytest.param(1.0, False, id="agrees"),
        pytest.param(1.04, False, id="within-5pct"),
        pytest.param(0.89, True, id="cache-not-split-out"),
        pytest.param(0.5, True, id="unmarked-batch"),
    ],
)
def test_a_stated_cost_that_disagrees_is_a_finding(tmp_path: Path, factor: float, flagged: bool) -> None:
    rows = [
        {
            "ts": f"2026-03-0{1 + i % 5}T10:00:00Z",
            "model": "gpt-4o-mini",
            "input_tokens": 2000,
            "output_tokens": 500,
            "feature_tag": "summarize",
            "billed_cost": (2000 * 0.15 + 500 * 0.6) / 1e6 * factor,
        }
        for i in range(20)
    ]
    path = tmp_path / "usage.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    est = estimate_changes([], summarize("", path), Config(), PRICES)
    found = [f for f in est.findings if f.code == "stated_cost_mismatch"]
    assert bool(found) == flagged
    if flagged:
        assert found[0].level == "warn" and "batch" in found[0].message and "negotiated" in found[0].message


# --- the committed summary ------------------------------------------------------------------------


def test_without_the_raw_log_the_committed_summary_is_used(app: GitRepo, run: Any) -> None:  # noqa: F811
    swap_model(app)
    with_log = run("--format", "json").json()
    (app.path / "usage.jsonl").unlink()
    missing = run()
    assert missing.code == 2
    assert COMMITTED_SUMMARY in missing.err and "aiopt baseline summarize" in missing.err
    (app.path / "usage.jsonl").write_text(app.git("show", "HEAD:usage.jsonl"))
    from aiopt_hooks.cli import main

    assert main(["baseline", "summarize", "usage.jsonl", "-o", COMMITTED_SUMMARY]) == 0
    (app.path / "usage.jsonl").unlink()
    app.git("add", COMMITTED_SUMMARY)
    app.git("rm", "-q", "--cached", "usage.jsonl")
    app.git("commit", "-qm", "commit the summary, not the log", "--", COMMITTED_SUMMARY, "usage.jsonl")
    from_summary = run("--format", "json").json()
    assert from_summary["baseline"]["paths"] == [COMMITTED_SUMMARY]
    assert from_summary["baseline"]["requests"] == with_log["baseline"]["requests"]
    assert from_summary["delta"]["monthly_usd"] == pytest.approx(with_log["delta"]["monthly_usd"], rel=1e-6)
