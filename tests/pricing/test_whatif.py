"""`aiopt whatif`: the change given by flags, priced by the check's estimator (hand-checked numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from tests.support.repos import GitRepo, usage_rows, write_log

# 1,000 gpt-4o-mini requests of 1,000 input and 200 output tokens over exactly 10 days: a month is
# 3 windows.  gpt-4o-mini: $0.15 / $0.60 per 1M tokens; gpt-4o: $2.50 / $10.00.
# One request: 1000 * 0.15e-6 + 200 * 0.60e-6 = $0.00027, so the baseline is 1000 * 0.00027 * 3 = $0.81/month.
BASE = 0.81
NO_THRESHOLDS = "version: 1\npolicy: {}\n"


@pytest.fixture
def app(repo: GitRepo) -> GitRepo:
    write_log(repo.path / "usage.jsonl", usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10))
    repo.write(".aiopt.yaml", NO_THRESHOLDS)
    repo.stage()
    repo.commit("app")
    return repo


def whatif(app: GitRepo, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict[str, Any]]:
    code = main(["whatif", "--repo", str(app.path), "--format", "json", *flags])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


@pytest.mark.parametrize(
    ("flags", "candidate"),
    [
        # 1000 * (1000 * 2.5e-6 + 200 * 10e-6) * 3 = $13.50
        pytest.param(["--model", "gpt-4o"], 13.50, id="model"),
        # input x2: 1000 * (2000 * 0.15e-6 + 200 * 0.6e-6) * 3 = $1.26
        pytest.param(["--context-mult", "2"], 1.26, id="context-mult"),
        # output x1.5: 1000 * (1000 * 0.15e-6 + 300 * 0.6e-6) * 3 = $0.99
        pytest.param(["--output-mult", "1.5"], 0.99, id="output-mult"),
        pytest.param(["--call-mult", "3"], 2.43, id="call-mult"),
        # cap 100: 1000 * (1000 * 0.15e-6 + 100 * 0.6e-6) * 3 = $0.63
        pytest.param(["--max-output-tokens", "100"], 0.63, id="lower-cap"),
        # output x2 = 400, then capped at 300: the cap applies after the multiplier -> $0.99
        pytest.param(["--output-mult", "2", "--max-output-tokens", "300"], 0.99, id="mult-then-cap"),
        # both: gpt-4o with input x2: 1000 * (2000 * 2.5e-6 + 200 * 10e-6) * 3 = $21.00
        pytest.param(["--model", "gpt-4o", "--context-mult", "2"], 21.00, id="composed"),
    ],
)
def test_whatif_matches_hand_checked_numbers(
    app: GitRepo, capsys: pytest.CaptureFixture[str], flags: list[str], candidate: float
) -> None:
    code, data = whatif(app, capsys, "--feature", "summarize", *flags)
    assert code == 0
    assert data["baseline"]["monthly_usd"] == pytest.approx(BASE, abs=0.005)
    assert data["candidate"]["monthly_usd"] == pytest.approx(candidate, abs=0.005)
    assert data["delta"]["monthly_usd"] == pytest.approx(candidate - BASE, abs=0.01)
    assert {c["file"] for c in data["changes"]} == {"(what-if)"}


def test_retries_delta_uses_the_logs_failure_rate(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10)
    for row in rows[::10]:
        row["status"] = "error"  # a 10% failure rate per attempt
    write_log(repo.path / "usage.jsonl", rows)
    repo.write(".aiopt.yaml", NO_THRESHOLDS)
    code, data = whatif(repo, capsys, "--retries-delta", "1")
    # one more attempt for the 10% that fail: x1.1, so +$0.081; low/high at p/2 and 2p
    (change,) = data["changes"]
    assert code == 0 and change["field"] == "retries"
    assert change["delta_monthly_usd"] == pytest.approx(0.08, abs=0.005)
    assert change["delta_monthly_usd_low"] == pytest.approx(0.04, abs=0.005)
    assert change["delta_monthly_usd_high"] == pytest.approx(0.16, abs=0.005)


@pytest.mark.parametrize(
    ("budget", "verdict", "code"),
    [
        pytest.param("5", "block", 1, id="over-budget-blocks"),
        pytest.param("20", "pass", 0, id="under-budget-passes"),
    ],
)
def test_budget_monthly_is_a_blocking_budget(
    app: GitRepo, capsys: pytest.CaptureFixture[str], budget: str, verdict: str, code: int
) -> None:
    got, data = whatif(app, capsys, "--model", "gpt-4o", "--budget-monthly", budget)
    assert (got, data["verdict"]) == (code, verdict)
    if verdict == "block":
        assert any("policy.block.monthly_total_usd" in r for r in data["reasons"])
        assert any(r["threshold"] == "monthly_total_usd" for r in data["risk"]["thresholds"])


def test_every_feature_gets_the_change_without_feature(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 500, 1000, 200) + usage_rows("chat", "gpt-4o-mini", 500, 500, 100)
    write_log(repo.path / "usage.jsonl", rows)
    code, data = whatif(repo, capsys, "--call-mult", "2")
    assert code in (0, 1)
    assert sorted(c["feature"] for c in data["changes"]) == ["chat", "summarize"]
    assert data["delta"]["monthly_usd"] == pytest.approx(data["baseline"]["monthly_usd"], abs=0.01)


def test_text_report_is_the_checks_table(
    app: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # the table at its default width, whatever the terminal
    assert main(["whatif", "--repo", str(app.path), "--feature", "summarize", "--model", "gpt-4o"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("aiopt whatif: PASS: this what-if moves projected LLM spend by +$12.69/month")
    assert "summarize  model: gpt-4o-mini -> gpt-4o" in out


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param(["--feature", "nope", "--model", "gpt-4o"], id="unknown-feature"),
        pytest.param([], id="no-knob"),
        pytest.param(["--context-mult", "-1"], id="negative-multiplier"),
        pytest.param(["--model", "gpt-4o", "--baseline", "missing.jsonl"], id="missing-log"),
    ],
)
def test_errors_are_one_line_and_exit_2(app: GitRepo, capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    assert main(["whatif", "--repo", str(app.path), *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aiopt: error: ") and "Traceback" not in err


def test_unknown_model_blocks_as_in_check(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = whatif(app, capsys, "--model", "gpt-4o-mnii")
    assert (code, data["verdict"]) == (1, "block")
    assert any(f["code"] == "unknown_model" for f in data["findings"])


def test_runs_outside_a_repository_on_a_named_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write_log(tmp_path / "usage.jsonl", usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10))
    code = main(["whatif", "--repo", str(tmp_path), "--baseline", str(log), "--model", "gpt-4o", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1  # without a config the defaults apply: +1,567% is over increase_pct (50%)
    assert data["candidate"]["monthly_usd"] == pytest.approx(13.50, abs=0.005)
    assert not (tmp_path / ".git").exists()
