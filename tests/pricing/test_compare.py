"""`aiopt compare`: two generated logs diffed per feature and model; the policy applies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from tests.support.repos import GitRepo, usage_rows, write_log


@pytest.fixture
def logs(repo: GitRepo) -> GitRepo:
    # last week: summarize on gpt-4o-mini, 1,000 requests over 10 days (a month = 3 windows) -> $0.81/month;
    # chat on gpt-4.1-nano, 500 requests of 400 + 50 tokens -> 500 * (400 * 0.1e-6 + 50 * 0.4e-6) * 3 = $0.09
    week = usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10)
    week += usage_rows("chat", "gpt-4.1-nano", 500, 400, 50, days=10)
    # canary: summarize moved to gpt-4o over 5 days (a month = 6 windows) -> 1000 * 0.0045 * 6 = $27.00;
    # chat unchanged in volume per day -> 250 requests over 5 days -> $0.09
    canary = usage_rows("summarize", "gpt-4o", 1000, 1000, 200, days=5)
    canary += usage_rows("chat", "gpt-4.1-nano", 250, 400, 50, days=5)
    write_log(repo.path / "week.jsonl", week)
    write_log(repo.path / "canary.jsonl", canary)
    repo.write(".aiopt.yaml", "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 10\n")
    return repo


def compare(repo: GitRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["compare", "week.jsonl", "canary.jsonl", "--repo", str(repo.path), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_rows_per_feature_and_model(
    logs: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(logs.path)
    code, data = compare(logs, capsys)
    rows = {(r["feature"], r["model"]): r for r in data["compare"]["rows"]}
    assert set(rows) == {("summarize", "gpt-4o-mini"), ("summarize", "gpt-4o"), ("chat", "gpt-4.1-nano")}
    new = rows[("summarize", "gpt-4o")]
    assert new["baseline"]["monthly_usd"] == 0 and new["candidate"]["monthly_usd"] == pytest.approx(27.0, abs=0.01)
    assert new["candidate"]["requests"] == 1000 and new["candidate"]["requests_monthly"] == pytest.approx(6000)
    assert new["candidate"]["tokens_monthly"] == pytest.approx(1200 * 6000, rel=1e-6)
    old = rows[("summarize", "gpt-4o-mini")]
    assert old["delta"]["monthly_usd"] == pytest.approx(-0.81, abs=0.01) and old["delta"]["pct"] == -100.0
    chat = rows[("chat", "gpt-4.1-nano")]
    assert chat["delta"]["monthly_usd"] == pytest.approx(0.0, abs=0.01)
    assert chat["baseline"]["requests_monthly"] == pytest.approx(chat["candidate"]["requests_monthly"])
    assert [(m["feature"], m["model"]) for m in data["compare"]["top_movers"][:2]] == [
        ("summarize", "gpt-4o"),
        ("summarize", "gpt-4o-mini"),
    ]
    assert data["delta"]["monthly_usd"] == pytest.approx(27.0 - 0.81, abs=0.02)
    assert (code, data["verdict"]) == (1, "block")
    assert any("policy.block.monthly_increase_usd" in r for r in data["reasons"])


def test_policy_passes_under_the_threshold(
    logs: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(logs.path)
    logs.write(".aiopt.yaml", "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 100\n")
    code, data = compare(logs, capsys)
    assert (code, data["verdict"]) == (0, "pass")
    assert data["risk"]["thresholds"][0]["probability"] == 0.0


def test_text_lists_top_movers_first(
    logs: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(logs.path)
    monkeypatch.setenv("COLUMNS", "200")  # one line a row (at 100 columns the change column wraps)
    assert main(["compare", "week.jsonl", "canary.jsonl", "--repo", str(logs.path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("aiopt compare: BLOCKED: the candidate log moves projected LLM spend by +$26.19/month")
    table = [line for line in out.splitlines() if " observed: " in line]
    assert "gpt-4o, 0 req/mo -> 6,000 req/mo" in table[0]
    assert "Risk (bootstrap" in out
    assert "history" not in out


def test_the_log_diff_is_recorded_in_the_history(
    logs: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(logs.path)
    compare(logs, capsys)
    lines = (logs.path / ".git" / "aiopt" / "history.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["command"] == "compare"


def test_a_missing_log_is_an_error(logs: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert (
        main(["compare", str(tmp_path / "nope.jsonl"), str(logs.path / "canary.jsonl"), "--repo", str(logs.path)]) == 2
    )
    assert "baseline log not found" in capsys.readouterr().err
