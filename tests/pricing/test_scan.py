"""`aiopt scan`: cost by feature/model/provider, the daily trend, and savings hints on a log built
to contain each kind of waste."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiopt_hooks.cli import main
from tests.support.repos import GitRepo, usage_rows, write_log

MONTH = 3.0  # 10-day logs: a month is 3 windows


@pytest.fixture
def wasteful(repo: GitRepo) -> GitRepo:
    rows = []
    # long repeated inputs, nothing cached, on a model with a cache price (claude-3-5-haiku: $0.80 in,
    # $0.08 cached): the caching hint
    rows += usage_rows("chat", "claude-3-5-haiku", 1000, 5000, 100, provider="anthropic", days=10)
    # 10% of requests cut off at the 512-token cap: the truncation hint
    summarize = usage_rows("summarize", "gpt-4o", 1000, 300, lambda i: 512 if i % 10 == 0 else 200, days=10)
    for row in summarize[::10]:
        row["finish_reason"] = "length"
    rows += summarize
    # 20% failed attempts (1,000 input tokens, no output): the retry waste
    extract = usage_rows("extract", "gpt-4o-mini", 1000, 1000, lambda i: 0 if i % 5 == 0 else 100, days=10)
    for row in extract[::5]:
        row["status"] = "error"
    rows += extract
    # a model with no price
    rows += usage_rows("labs", "acme-secret-model", 50, 100, 10, provider="acme", days=10)
    write_log(repo.path / "usage.jsonl", rows)
    return repo


def scan(repo: GitRepo, capsys: pytest.CaptureFixture[str], fmt: str = "json") -> Any:
    assert main(["scan", "--repo", str(repo.path), "--format", fmt]) == 0
    out = capsys.readouterr().out
    return json.loads(out) if fmt == "json" else out


def _hint(data: dict[str, Any], kind: str, feature: str) -> dict[str, Any]:
    (hint,) = [h for h in data["hints"] if h["kind"] == kind and h["feature"] == feature]
    return hint


def test_each_waste_is_found_with_its_saving(wasteful: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    data = scan(wasteful, capsys)
    caching = _hint(data, "prompt_caching", "chat")
    # half of 1,000 x 5,000 input tokens served at $0.08 instead of $0.80 per 1M, x3 for a month
    assert caching["saving_monthly_usd"] == pytest.approx(0.5 * 5e6 * 0.72e-6 * MONTH, abs=0.01)
    truncation = _hint(data, "truncation", "summarize")
    # 100 cut-off gpt-4o requests: 300 input at $2.50 + 512 output at $10.00 per 1M
    assert truncation["saving_monthly_usd"] == pytest.approx(100 * (300 * 2.5e-6 + 512 * 10e-6) * MONTH, abs=0.01)
    assert "10.0% of requests stopped at their output cap (~512 tokens)" in truncation["message"]
    retry = _hint(data, "retry_waste", "extract")
    # 200 failed gpt-4o-mini attempts of 1,000 input tokens at $0.15 per 1M
    assert retry["saving_monthly_usd"] == pytest.approx(200 * 1000 * 0.15e-6 * MONTH, abs=0.001)
    assert _hint(data, "unknown_model", "labs")["saving_monthly_usd"] is None
    cheaper = _hint(data, "cheaper_model", "summarize")
    assert cheaper["saving_monthly_usd"] > 0 and "same provider" in cheaper["message"]
    assert all(h["assumption"] for h in data["hints"])


def test_hints_are_sorted_by_saving_unknowns_last(wasteful: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    hints = scan(wasteful, capsys)["hints"]
    savings = [h["saving_monthly_usd"] for h in hints]
    priced = [s for s in savings if s is not None]
    assert priced == sorted(priced, reverse=True)
    assert savings[-1] is None and None not in savings[: len(priced)]


def test_cost_table_with_shares_and_rollups(wasteful: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    data = scan(wasteful, capsys)
    assert sum(r["share"] for r in data["rows"]) == pytest.approx(1.0, abs=0.001)
    assert [r["monthly_usd"] for r in data["rows"]] == sorted((r["monthly_usd"] for r in data["rows"]), reverse=True)
    assert set(data["by_provider"]) == {"anthropic", "openai", "acme"} and data["by_provider"]["acme"] == 0
    assert sum(data["by_feature"].values()) == pytest.approx(data["baseline"]["monthly_usd"], abs=0.02)
    assert any(f["code"] == "unknown_model_in_log" for f in data["findings"])


def test_daily_trend_adds_up_to_the_window(wasteful: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    data = scan(wasteful, capsys)
    assert [d["date"] for d in data["daily"]][:2] == ["2026-03-01", "2026-03-02"] and len(data["daily"]) == 11
    assert sum(d["requests"] for d in data["daily"]) == 3050
    assert sum(d["usd"] for d in data["daily"]) * MONTH == pytest.approx(data["baseline"]["monthly_usd"], abs=0.01)


def test_text_report(wasteful: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    out = scan(wasteful, capsys, "text")
    assert out.startswith("aiopt scan: $")
    assert "feature    model" in out and "share" in out
    assert "By provider: " in out and "Daily cost 2026-03-01 .. 2026-03-11:" in out
    assert "Savings hints (estimated $/month, largest first):" in out and "assumes:" in out


def test_a_cap_without_finish_reason_is_found_as_a_spike(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    # outputs spread over 100..499 tokens, and 5% of requests stop at exactly 1,024: a cap
    rows = usage_rows("answer", "gpt-4o-mini", 1000, 500, lambda i: 1024 if i % 20 == 0 else 100 + i % 400, days=10)
    write_log(repo.path / "usage.jsonl", rows)
    hint = _hint(scan(repo, capsys), "truncation", "answer")
    assert "5.0% of requests stopped at their output cap (~1,024 tokens)" in hint["message"]


def test_a_clean_log_has_no_waste_hints(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rows = usage_rows("classify", "gpt-4.1-nano", 500, 300, 5, days=10)
    write_log(repo.path / "usage.jsonl", rows)
    kinds = {h["kind"] for h in scan(repo, capsys)["hints"]}
    assert not kinds & {"prompt_caching", "truncation", "retry_waste", "unknown_model"}


def test_scan_of_a_named_log_and_markdown(wasteful: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(wasteful.path / "usage.jsonl"), "--repo", str(wasteful.path), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### aiopt scan:") and "| feature | model |" in out
