"""Tests for aiopt_hooks.cli: `main([...])` in temp repos built from `sample_repo/`.

Money is checked against an oracle computed here from `sample_repo/usage.jsonl` and list prices
(USD per 1M tokens), so a wrong estimate fails even when the verdict happens to be right.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks import cli
from aiopt_hooks.cli import main
from tests.support.cli import (
    MODEL_LINE,
    SAMPLE_ROWS,
    SUMMARIZE_ROWS,
    add_config,
    assert_one_error_line,
    finding,
    set_config,
)
from tests.support.repos import ENV_VARS, SAMPLE_REPO, GitRepo, edit, swap_model, usage_rows, write_log

# (input, output) USD per 1M tokens: public list prices of the models the tests use.
PRICES = {"gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1-nano": (0.10, 0.40)}


@functools.lru_cache(maxsize=1)
def _sample_log() -> tuple[list[dict[str, Any]], float]:
    rows = [json.loads(line) for line in (SAMPLE_REPO / "usage.jsonl").read_text().splitlines() if line.strip()]
    stamps = [datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).timestamp() for r in rows]
    return rows, (max(stamps) - min(stamps)) / 86400


def oracle_monthly(feature: str, model: str, cap: int | None = None, extra_input: int = 0) -> float:
    """What the feature's sample traffic costs per 30-day month at `model`, each request priced alone."""
    rows, window = _sample_log()
    price_in, price_out = PRICES[model]
    total = 0.0
    for row in rows:
        if row["feature_tag"] != feature:
            continue
        out = row["output_tokens"] if cap is None else min(row["output_tokens"], cap)
        total += (row["input_tokens"] + extra_input) * price_in + out * price_out
    return total / 1e6 * 30 / window


# -- helpers -----------------------------------------------------------------------------------


APPEND_300_WORDS = "\n" + " ".join(["Additionally, weigh every stakeholder's concern carefully before answering."] * 40)


# -- the headline: a model swap ----------------------------------------------------------------


def test_model_swap_blocks_with_a_text_report(app: GitRepo, run: Any) -> None:
    swap_model(app)

    result = run()

    assert result.code == 1
    assert "Traceback" not in result.err
    out = result.out
    assert out.startswith("aiopt-guard: BLOCKED")
    assert "summarize" in out
    assert "model: gpt-4o-mini -> gpt-4o" in out
    assert "SKIP=aiopt-guard" in out
    assert "AIOPT_SKIP=1" in out
    assert "Possible mitigations" in out
    assert f"+${oracle_monthly('summarize', 'gpt-4o') - oracle_monthly('summarize', 'gpt-4o-mini'):,.2f}" in out


def test_model_swap_json_values(app: GitRepo, run: Any) -> None:
    swap_model(app)

    result = run("--format", "json")

    assert result.code == 1
    data = result.json()
    old, new = oracle_monthly("summarize", "gpt-4o-mini"), oracle_monthly("summarize", "gpt-4o")
    _, window = _sample_log()
    assert (data["verdict"], data["exit_code"]) == ("block", 1)
    assert data["baseline"]["paths"] == ["usage.jsonl"]
    assert data["baseline"]["requests"] == SAMPLE_ROWS
    assert data["baseline"]["window_days"] == pytest.approx(window, abs=1e-3)
    assert data["delta"]["monthly_usd"] == pytest.approx(new - old, abs=0.01)
    assert data["delta"]["monthly_usd_low"] <= data["delta"]["monthly_usd"] <= data["delta"]["monthly_usd_high"]
    assert data["candidate"]["monthly_usd"] == pytest.approx(
        data["baseline"]["monthly_usd"] + data["delta"]["monthly_usd"], abs=0.011
    )
    assert data["delta"]["pct"] == pytest.approx(
        100 * data["delta"]["monthly_usd"] / data["baseline"]["monthly_usd"], rel=1e-3
    )
    [change] = data["changes"]
    assert {k: change[k] for k in ("file", "feature", "field", "old", "new", "requests_matched")} == {
        "file": "config/llm.yaml",
        "feature": "summarize",
        "field": "model",
        "old": "gpt-4o-mini",
        "new": "gpt-4o",
        "requests_matched": SUMMARIZE_ROWS,
    }
    assert change["baseline_monthly_usd"] == pytest.approx(old, abs=0.01)
    assert change["candidate_monthly_usd"] == pytest.approx(new, abs=0.01)
    assert change["delta_monthly_usd"] == pytest.approx(new - old, abs=0.01)
    assert change["confidence"] == "high"
    assert any("monthly_increase_usd" in r for r in data["reasons"])
    assert any("increase_pct" in r for r in data["reasons"])


JSON_TOP = {"verdict", "exit_code", "baseline", "candidate", "delta", "changes", "findings", "reasons"}
JSON_BASELINE = {"paths", "requests", "window_days", "monthly_usd"}
JSON_DELTA = {"monthly_usd", "monthly_usd_low", "monthly_usd_high", "pct"}
JSON_CHANGE = {
    "file",
    "feature",
    "field",
    "old",
    "new",
    "requests_matched",
    "baseline_monthly_usd",
    "candidate_monthly_usd",
    "delta_monthly_usd",
    "delta_monthly_usd_low",
    "delta_monthly_usd_high",
    "confidence",
    "notes",
}
JSON_FINDING = {"level", "code", "message", "file", "line"}


def test_json_nested_keys_are_exactly_the_contract(app: GitRepo, run: Any) -> None:
    swap_model(app, "gpt-4o-mnii")  # an unknown model: one change and one finding
    data = run("--format", "json").json()

    assert set(data["baseline"]) == JSON_BASELINE
    assert set(data["candidate"]) == {"monthly_usd"}
    # An unpriced change (docs/contract-extensions.md): the money is null, with the reason, never $0.
    assert set(data["delta"]) == JSON_DELTA | {"unpriced", "unpriced_reason"}
    assert data["delta"]["monthly_usd"] is None and "unknown model" in data["delta"]["unpriced_reason"]
    assert data["changes"] and all(set(c) == JSON_CHANGE | {"unpriced_reason"} for c in data["changes"])
    assert all(c["delta_monthly_usd"] is None for c in data["changes"])
    assert data["findings"] and all(set(f) == JSON_FINDING for f in data["findings"])
    assert isinstance(data["exit_code"], int) and isinstance(data["reasons"], list)
    assert all(isinstance(n, str) for c in data["changes"] for n in c["notes"])


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param("swap", id="block"),
        pytest.param("readme", id="nothing-watched"),
        pytest.param("skip", id="skipped"),
    ],
)
def test_json_top_level_keys_include_the_contract(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, setup: str
) -> None:
    if setup == "readme":
        edit(app, "README.md", "# Sample", "# The sample")
    else:
        swap_model(app)
    if setup == "skip":
        monkeypatch.setenv("AIOPT_SKIP", "1")
    data = run("--format", "json").json()
    # DESIGN.md's keys must exist; additions (notes, suggestions) extend the contract.
    assert JSON_TOP <= set(data)
    assert set(data) - JSON_TOP <= {"notes", "suggestions", "risk"}


def test_markdown_renders_a_table(app: GitRepo, run: Any) -> None:
    swap_model(app)

    result = run("--format", "markdown")

    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("### aiopt-guard: BLOCKED")
    header = next(i for i, line in enumerate(lines) if line.startswith("| feature | change |"))
    assert set(lines[header + 1].replace("|", "").strip()) == {"-"}
    assert lines[header + 1].count("|") == lines[header].count("|")
    row = lines[header + 2]
    assert row.startswith("| summarize | model: gpt-4o-mini -> gpt-4o |")
    assert row.count("|") == lines[header].count("|")


# -- other changes -----------------------------------------------------------------------------


def test_model_downgrade_passes(app: GitRepo, run: Any) -> None:
    swap_model(app, "gpt-4.1-nano")

    result = run("--format", "json")

    assert result.code == 0
    data = result.json()
    assert data["verdict"] == "pass"
    expected = oracle_monthly("summarize", "gpt-4.1-nano") - oracle_monthly("summarize", "gpt-4o-mini")
    assert expected < 0
    assert data["delta"]["monthly_usd"] == pytest.approx(expected, abs=0.01)


def test_typo_model_blocks_with_a_suggestion(app: GitRepo, run: Any) -> None:
    swap_model(app, "gpt-4o-mnii")

    result = run("--format", "json")

    assert result.code == 1
    data = result.json()
    assert data["verdict"] == "block"
    unknown = finding(data, "unknown_model")
    assert unknown["level"] == "block"
    assert "gpt-4o-mnii" in unknown["message"]
    assert "gpt-4o-mini" in unknown["message"].split("gpt-4o-mnii", 1)[1]  # the suggestion
    assert (unknown["file"], unknown["line"]) == ("config/llm.yaml", MODEL_LINE)
    assert (app.path / "config/llm.yaml").read_text().splitlines()[MODEL_LINE - 1].strip() == "model: gpt-4o-mnii"


def test_typo_model_text_report_points_at_the_line(app: GitRepo, run: Any) -> None:
    swap_model(app, "gpt-4o-mnii")
    result = run()
    assert result.code == 1
    assert f"[block] config/llm.yaml:{MODEL_LINE}: " in result.out
    assert "SKIP=aiopt-guard" in result.out


def test_lower_max_tokens_passes_with_a_negative_delta(app: GitRepo, run: Any) -> None:
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")

    result = run("--format", "json")

    assert result.code == 0
    data = result.json()
    assert data["verdict"] == "pass"
    [change] = data["changes"]
    assert (change["feature"], change["field"], change["old"], change["new"]) == (
        "summarize",
        "max_output_tokens",
        512,
        256,
    )
    expected = oracle_monthly("summarize", "gpt-4o-mini", cap=256) - oracle_monthly("summarize", "gpt-4o-mini")
    assert expected < 0
    assert data["delta"]["monthly_usd"] == pytest.approx(expected, abs=0.01)


def test_prompt_growth_is_priced(app: GitRepo, run: Any) -> None:
    path = app.path / "prompts/summarize.txt"
    path.write_text(path.read_text() + APPEND_300_WORDS + "\n")
    app.stage("prompts/summarize.txt")

    result = run("--format", "json")

    assert result.code == 0
    data = result.json()
    [change] = data["changes"]
    assert (change["file"], change["feature"], change["field"]) == ("prompts/summarize.txt", "summarize", "prompt")
    added = change["new"] - change["old"]
    assert 300 <= added <= 700  # ~320 words added
    assert change["requests_matched"] == SUMMARIZE_ROWS
    expected = oracle_monthly("summarize", "gpt-4o-mini", extra_input=added) - oracle_monthly(
        "summarize", "gpt-4o-mini"
    )
    assert change["delta_monthly_usd"] == pytest.approx(expected, abs=0.01)
    assert data["delta"]["monthly_usd"] > 0


def test_switching_to_a_new_longer_prompt_file_is_counted_once(app: GitRepo, run: Any) -> None:
    old_text = (app.path / "prompts/summarize.txt").read_text()
    app.write("prompts/summarize_v2.txt", old_text + APPEND_300_WORDS + "\n")
    edit(app, "config/llm.yaml", "prompt: prompts/summarize.txt", "prompt: prompts/summarize_v2.txt")
    app.stage()

    data = run("--format", "json").json()

    prompt_changes = [c for c in data["changes"] if c["field"] == "prompt"]
    assert len(prompt_changes) == 1, prompt_changes
    added = prompt_changes[0]["new"] - prompt_changes[0]["old"]
    assert 300 <= added <= 600
    expected = oracle_monthly("summarize", "gpt-4o-mini", extra_input=added) - oracle_monthly(
        "summarize", "gpt-4o-mini"
    )
    assert data["delta"]["monthly_usd"] == pytest.approx(expected, abs=0.01)


NEW_FEATURE = "  translate:\n    provider: openai\n    model: gpt-4o\n    max_tokens: 300\n"
TRANSLATE_RULE = (
    "features:\n  translate:\n    files: ['config/llm.yaml#features.translate']\n"
    "    expected_requests_per_day: 1000\n    expected_input_tokens: 500\n"
    "    expected_output_tokens: 100\n"
)


@pytest.mark.parametrize(
    ("config_edit", "code", "level"),
    [
        pytest.param(None, 0, "warn", id="warn-by-default"),
        pytest.param(("unmatched_change: warn", "unmatched_change: block"), 1, "block", id="block-by-policy"),
        pytest.param(("unmatched_change: warn", "unmatched_change: info"), 0, "info", id="info-by-policy"),
    ],
)
def test_new_feature_without_traffic_is_unmatched(
    app: GitRepo, run: Any, config_edit: tuple[str, str] | None, code: int, level: str
) -> None:
    llm = app.path / "config/llm.yaml"
    llm.write_text(llm.read_text() + NEW_FEATURE)
    app.stage()
    if config_edit:
        set_config(app, *config_edit)

    result = run("--format", "json")

    assert result.code == code
    data = result.json()
    unmatched = finding(data, "unmatched_change")
    assert unmatched["level"] == level
    assert "translate" in unmatched["message"]
    assert unmatched["file"] == "config/llm.yaml"
    assert llm.read_text().splitlines()[unmatched["line"] - 1].strip() == "model: gpt-4o"
    assert data["delta"]["monthly_usd"] is None and "unmatched_change" in data["delta"]["unpriced_reason"]


def test_new_feature_with_expected_requests_per_day_is_priced(app: GitRepo, run: Any) -> None:
    llm = app.path / "config/llm.yaml"
    llm.write_text(llm.read_text() + NEW_FEATURE)
    app.stage()
    add_config(app, TRANSLATE_RULE)

    data = run("--format", "json").json()

    assert not [f for f in data["findings"] if f["code"] == "unmatched_change"]
    # 1000 requests/day x 30 days x (500 in x $2.50 + 100 out x $10.00) / 1M = +$67.50/month, all new.
    assert data["delta"]["monthly_usd"] == pytest.approx(67.50, abs=0.01)
    assert data["verdict"] == "block"  # +129% of the app's $52/month is over increase_pct 50


def test_repo_with_no_commit_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    fresh = GitRepo(tmp_path / "fresh")
    shutil.copytree(SAMPLE_REPO, fresh.path, dirs_exist_ok=True)
    fresh.stage()
    monkeypatch.chdir(fresh.path)
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)

    code = main(["check", "--format", "json"])

    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err
    data = json.loads(captured.out)
    assert data["baseline"]["requests"] == SAMPLE_ROWS
    keys = [(c["feature"], c["field"]) for c in data["changes"]]
    assert {f for f, _ in keys} == {"summarize", "classify", "support_chat", "extract"}
    assert len(keys) == len(set(keys)), f"a change is listed (and priced) twice: {sorted(keys)}"


# -- the hot path: nothing watched -------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    [
        pytest.param("flag", id="baseline-flag"),
        pytest.param("env", id="baseline-env"),
        pytest.param("config", id="baseline-config"),
    ],
)
def test_non_llm_commit_passes_without_reading_the_baseline(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    edit(app, "README.md", "# Sample", "# The sample")
    swap_model(app, stage=False)  # an unstaged swap must not count either
    args: tuple[str, ...] = ()
    if how == "flag":
        args = ("--baseline", "missing.jsonl")
    elif how == "env":
        monkeypatch.setenv("AIOPT_BASELINE", "missing.jsonl")
    else:
        set_config(app, "path: usage.jsonl", "path: missing.jsonl")

    result = run(*args)

    assert result.code == 0
    assert result.err == ""
    assert result.out.startswith("aiopt-guard: PASS")


def test_non_llm_commit_does_not_import_yaml_prices_or_tokenizer(app: GitRepo) -> None:
    """Nor the stdlib modules that the no-op path has no use for (`dataclasses` imports `inspect`)."""
    edit(app, "README.md", "# Sample", "# The sample")
    probe = (
        "import sys\nfrom aiopt_hooks.cli import main\ncode = main(['check'])\n"
        "heavy = [m for m in ('yaml', 'genai_prices', 'bpe_openai', 'git', 'aiopt_hooks.pricing.prices',"
        " 'aiopt_hooks.extract.tokens', 'aiopt_hooks.pricing.estimate', 'dataclasses', 'inspect', 'hashlib',"
        " 'datetime', 'shutil') if m in sys.modules]\n"
        "print('RESULT', code, heavy)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    outputs = []
    for _ in range(2):  # the first run may parse .aiopt.yaml; the second reads the cached config
        proc = subprocess.run([sys.executable, "-c", probe], cwd=app.path, capture_output=True, text=True, env=env)
        outputs.append(proc.stdout.strip().splitlines()[-1])
    assert outputs[1] == "RESULT 0 []"
    assert outputs[0].startswith("RESULT 0 ")


# -- skipping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "skipped", "broken_config"),
    [
        pytest.param("1", True, False, id="1"),
        pytest.param("true", True, False, id="true"),
        pytest.param("1", True, True, id="1-even-with-a-broken-config"),
        pytest.param("0", False, False, id="0"),
        pytest.param("", False, False, id="empty"),
    ],
)
def test_aiopt_skip(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, value: str, skipped: bool, broken_config: bool
) -> None:
    swap_model(app)
    monkeypatch.setenv("AIOPT_SKIP", value)
    if broken_config:
        set_config(app, "policy:", "polcy:")
    if skipped:
        monkeypatch.setattr("aiopt_hooks.pipeline.run_check", lambda *a, **k: pytest.fail("the check ran"))

    result = run()

    if skipped:
        assert result.code == 0
        assert result.out == ""
        assert len(result.err.splitlines()) == 1
        assert "skipped" in result.err and "AIOPT_SKIP" in result.err
    else:
        assert result.code == 1
        assert "SKIP=aiopt-guard" in result.out


# -- options -----------------------------------------------------------------------------------


@pytest.fixture
def alt_logs(app: GitRepo) -> GitRepo:
    write_log(app.path / "logs/alt.jsonl", usage_rows("summarize", "gpt-4o-mini", 50, 1000, 200, days=10))
    write_log(app.path / "logs/alt2.jsonl", usage_rows("summarize", "gpt-4o-mini", 30, 1000, 200, days=10))
    return app


# 50 rows over 10 days, 1000 in / 200 out each, gpt-4o-mini -> gpt-4o, per 30-day month:
ALT_DELTA = 50 * (1000 * (2.50 - 0.15) + 200 * (10.00 - 0.60)) / 1e6 * 30 / 10


@pytest.mark.parametrize(
    ("args", "env", "paths", "requests"),
    [
        pytest.param(("--baseline", "logs/alt.jsonl"), None, ["logs/alt.jsonl"], 50, id="flag"),
        pytest.param((), "logs/alt.jsonl", ["logs/alt.jsonl"], 50, id="env"),
        pytest.param(("--baseline", "logs/alt.jsonl"), "missing.jsonl", ["logs/alt.jsonl"], 50, id="flag-beats-env"),
        pytest.param(
            ("--baseline", "logs/alt.jsonl", "--baseline", "logs/alt2.jsonl"),
            None,
            ["logs/alt.jsonl", "logs/alt2.jsonl"],
            80,
            id="flag-repeated",
        ),
        pytest.param(
            (),
            os.pathsep.join(["logs/alt.jsonl", "logs/alt2.jsonl"]),
            ["logs/alt.jsonl", "logs/alt2.jsonl"],
            80,
            id="env-list",
        ),
        pytest.param(("--baseline", "logs/*.jsonl"), None, ["logs/alt.jsonl", "logs/alt2.jsonl"], 80, id="flag-glob"),
    ],
)
def test_baseline_overrides_the_config(
    alt_logs: GitRepo,
    run: Any,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: str | None,
    paths: list[str],
    requests: int,
) -> None:
    swap_model(alt_logs)
    if env is not None:
        monkeypatch.setenv("AIOPT_BASELINE", env)

    data = run(*args, "--format", "json").json()

    assert data["baseline"]["paths"] == paths
    assert data["baseline"]["requests"] == requests
    assert data["changes"][0]["requests_matched"] == requests
    if requests == 50:
        assert data["baseline"]["window_days"] == pytest.approx(10.0)
        assert data["delta"]["monthly_usd"] == pytest.approx(ALT_DELTA, abs=0.01)


LOOSE = "version: 1\nbaseline:\n  path: usage.jsonl\npolicy:\n  block:\n    monthly_increase_usd: 1000\n"
STRICT = "version: 1\nbaseline:\n  path: usage.jsonl\npolicy:\n  block:\n    monthly_increase_usd: 1\n"


@pytest.mark.parametrize(
    ("config_text", "change", "code", "verdict"),
    [
        pytest.param(LOOSE, "swap", 0, "pass", id="loose-lets-the-swap-pass"),
        pytest.param(STRICT, "prompt", 1, "block", id="strict-blocks-a-prompt-growth"),
        pytest.param(None, "prompt", 0, "pass", id="default-config-lets-the-prompt-pass"),
    ],
)
def test_config_flag_uses_another_file(
    app: GitRepo, run: Any, config_text: str | None, change: str, code: int, verdict: str
) -> None:
    if change == "swap":
        swap_model(app)
    else:
        path = app.path / "prompts/summarize.txt"
        path.write_text(path.read_text() + APPEND_300_WORDS + "\n")
        app.stage()
    args: tuple[str, ...] = ()
    if config_text is not None:
        app.write("ci/aiopt.yaml", config_text)
        args = ("--config", "ci/aiopt.yaml")

    result = run(*args, "--format", "json")

    assert result.code == code
    assert result.json()["verdict"] == verdict


def test_config_flag_with_a_missing_file(app: GitRepo, run: Any) -> None:
    swap_model(app)
    result = run("--config", "ci/nope.yaml")
    assert result.code == 2
    assert_one_error_line(result.err, "ci/nope.yaml")


def test_repo_flag_from_another_directory(
    app: GitRepo, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    swap_model(app)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = run("--repo", str(app.path), "--format", "json")

    assert result.code == 1
    assert result.json()["changes"][0]["new"] == "gpt-4o"


@pytest.mark.parametrize(
    ("names", "code", "features"),
    [
        pytest.param(("prompts/classify.txt",), 0, {"classify"}, id="only-the-prompt"),
        pytest.param(("config/llm.yaml",), 1, {"summarize"}, id="only-the-config"),
        pytest.param(("./config/llm.yaml",), 1, {"summarize"}, id="dot-slash-path"),
        pytest.param(("README.md",), 0, set(), id="an-unchanged-file"),
        pytest.param(("config/llm.yaml", "prompts/classify.txt"), 1, {"summarize", "classify"}, id="both"),
        pytest.param((), 1, {"summarize", "classify"}, id="no-names-means-everything"),
    ],
)
def test_positional_filenames_narrow_the_check(
    app: GitRepo, run: Any, names: tuple[str, ...], code: int, features: set[str]
) -> None:
    swap_model(app)
    path = app.path / "prompts/classify.txt"
    path.write_text(path.read_text() + "Answer with the label only.\n")
    app.stage()

    result = run(*names, "--format", "json")

    assert result.code == code
    assert {c["feature"] for c in result.json()["changes"]} == features


@pytest.fixture
def branched(app: GitRepo) -> GitRepo:
    """`feature` (from main's first commit) commits the swap; main then commits a huge unrelated change."""
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    app.commit("swap summarize to gpt-4o")
    app.git("checkout", "-q", "main")
    edit(app, "config/llm.yaml", "model: gemini-2.5-flash", "model: gpt-4.1-nano")
    app.commit("main-only change after the branch point")
    return app


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param("flags", id="from-to-flags"),
        pytest.param("pre-push-env", id="guard-with-pre-commit-refs"),
    ],
)
def test_ref_range(branched: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, entry: str) -> None:
    if entry == "flags":
        result = run("--from-ref", "main", "--to-ref", "feature", "--format", "json")
    else:
        monkeypatch.setenv("PRE_COMMIT_FROM_REF", "main")
        monkeypatch.setenv("PRE_COMMIT_TO_REF", "feature")
        result = run("--format", "json", entry=cli.guard_main)

    assert result.code == 1
    data = result.json()
    assert [(c["feature"], c["field"], c["old"], c["new"]) for c in data["changes"]] == [
        ("summarize", "model", "gpt-4o-mini", "gpt-4o")
    ]


def test_ref_range_without_changes_passes(branched: GitRepo, run: Any) -> None:
    result = run("--from-ref", "feature", "--to-ref", "feature")
    assert result.code == 0
    assert "PASS" in result.out


def test_ref_range_with_an_unknown_ref(branched: GitRepo, run: Any) -> None:
    result = run("--from-ref", "origin/nope", "--to-ref", "feature")
    assert result.code == 2
    assert_one_error_line(result.err, "origin/nope")


# -- errors: exit 2, one line naming the file, no traceback ------------------------------------


def _bad_yaml(app: GitRepo) -> None:
    edit(app, "config/llm.yaml", "temperature: 0.2", "temperature: 0.2: x")


def _non_utf8(app: GitRepo) -> None:
    app.write("prompts/summarize.txt", b"Summarize.\nBe brief.\nCaf\xe9 \xff\xfe rules.\n")
    app.stage()


def _log(text: str) -> Any:
    def setup(app: GitRepo) -> None:
        swap_model(app)
        (app.path / "usage.jsonl").write_text(text)

    return setup


def _config(old: str, new: str) -> Any:
    def setup(app: GitRepo) -> None:
        swap_model(app)
        set_config(app, old, new)

    return setup


ERROR_CASES = [
    pytest.param(_config("policy:", "polcy:"), (".aiopt.yaml", "polcy"), id="unknown-config-key"),
    pytest.param(
        _config("  unknown_model: block", "  unknown_modle: block"),
        (".aiopt.yaml", "policy.unknown_modle"),
        id="unknown-nested-config-key",
    ),
    pytest.param(
        _config("monthly_increase_usd: 100", "monthly_increase_usd: lots"),
        (".aiopt.yaml", "policy.block.monthly_increase_usd"),
        id="threshold-not-a-number",
    ),
    pytest.param(
        _config("monthly_increase_usd: 100", "monthly_increase_usd: true"),
        (".aiopt.yaml", "policy.block.monthly_increase_usd"),
        id="threshold-a-bool",
    ),
    pytest.param(
        _config("policy:", "policy: [1, 2]\nold_policy:"), (".aiopt.yaml", "policy"), id="config-section-not-a-mapping"
    ),
    pytest.param(_config("watch:", "watch: [\nx:"), (".aiopt.yaml:",), id="config-invalid-yaml"),
    pytest.param(_bad_yaml, ("config/llm.yaml:6:", "invalid YAML"), id="watched-invalid-yaml"),
    pytest.param(_non_utf8, ("prompts/summarize.txt:3:", "UTF-8"), id="watched-not-utf8"),
    pytest.param(
        _config("path: usage.jsonl", "path: logs/missing.jsonl"),
        ("logs/missing.jsonl", "not found"),
        id="baseline-missing",
    ),
    pytest.param(_log(""), ("usage.jsonl", "no usable request rows"), id="baseline-empty"),
    pytest.param(_log("\n\n  \n"), ("usage.jsonl", "no usable request rows"), id="baseline-blank-lines"),
    pytest.param(_log('not json\n{"ts": \n[1, 2]\n'), ("usage.jsonl", "usage.jsonl:1"), id="baseline-all-malformed"),
]


@pytest.mark.parametrize(("setup", "needles"), ERROR_CASES)
def test_errors_exit_2_with_one_line(app: GitRepo, run: Any, setup: Any, needles: tuple[str, ...]) -> None:
    setup(app)

    result = run()

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result.err, *needles)


def test_error_as_json(app: GitRepo, run: Any) -> None:
    _bad_yaml(app)
    result = run("--format", "json")
    assert result.code == 2
    data = result.json()
    assert (data["verdict"], data["exit_code"]) == ("error", 2)
    assert "config/llm.yaml:6" in finding(data, "error")["message"]


def test_not_a_git_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["check"]) == 2
    assert_one_error_line(capsys.readouterr().err, "not inside a git repository")


def test_a_few_malformed_log_lines_are_a_finding(app: GitRepo, run: Any) -> None:
    swap_model(app)
    log = app.path / "usage.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    lines[2] = "not json at all\n"
    lines[9] = '{"ts": "2026-10-01T01:00:00Z", "model": \n'
    lines[19] = "[1, 2, 3]\n"
    log.write_text("".join(lines))

    result = run("--format", "json")

    assert result.code == 1  # still blocked: the rest of the log is enough
    data = result.json()
    assert data["baseline"]["requests"] == SAMPLE_ROWS - 3
    bad = finding(data, "bad_log_rows")
    assert bad["level"] == "warn"
    assert bad["file"] == "usage.jsonl"
    for needle in ("3 log rows", "usage.jsonl:3", "usage.jsonl:10", "usage.jsonl:20"):
        assert needle in bad["message"]


# -- internal errors and timeouts --------------------------------------------------------------


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("policy", "code"),
    [
        pytest.param(None, 3, id="default-blocks"),
        pytest.param("on_internal_error: block\n", 3, id="block"),
        pytest.param("on_internal_error: warn\n", 0, id="warn"),
    ],
)
def test_internal_error(app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, policy: str | None, code: int) -> None:
    swap_model(app)
    if policy:
        add_config(app, policy)
    monkeypatch.setattr("aiopt_hooks.pipeline.run_check", _boom)

    result = run()

    assert result.code == code
    assert "Traceback" not in result.err
    reports = [line for line in result.err.splitlines() if "internal error" in line]
    assert len(reports) == 1
    assert "bug" in reports[0] and "report" in reports[0] and "RuntimeError" in reports[0]
    assert all(line.startswith("aiopt:") for line in result.err.splitlines())


def test_internal_error_with_debug_shows_the_traceback(app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    swap_model(app)
    monkeypatch.setattr("aiopt_hooks.pipeline.run_check", _boom)

    result = run("--debug")

    assert result.code == 3
    assert "Traceback (most recent call last)" in result.err
    assert "RuntimeError: boom" in result.err


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGALRM"), reason="needs SIGALRM")
@pytest.mark.parametrize(
    ("on_timeout", "code"),
    [
        pytest.param("warn", 0, id="warn"),
        pytest.param("block", 1, id="block"),
    ],
)
def test_timeout(app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, on_timeout: str, code: int) -> None:
    swap_model(app)
    add_config(app, f"max_seconds: 0.2\non_timeout: {on_timeout}\n")
    monkeypatch.setattr("aiopt_hooks.pipeline.run_check", lambda *a, **k: time.sleep(5))

    started = time.monotonic()
    result = run()

    assert time.monotonic() - started < 3
    assert result.code == code
    assert "max_seconds" in result.err
    assert ("SKIP=aiopt-guard" in result.err) is (code == 1)


# -- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["50", "120"])
@pytest.mark.parametrize("argv", [pytest.param([], id="aiopt"), pytest.param(["check"], id="check")])
def test_help_fits_the_terminal_like_argparse(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: str, argv: list[str]
) -> None:
    """The formatter asks the terminal's width only when it prints (not for each argument, which costs
    every commit ~2 ms of imports), and wraps exactly as argparse's own."""
    import argparse

    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setattr(cli, "HelpFormatter", argparse.HelpFormatter)
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    expected = capsys.readouterr().out
    monkeypatch.undo()
    monkeypatch.setenv("COLUMNS", columns)

    with pytest.raises(SystemExit):
        main([*argv, "--help"])

    assert capsys.readouterr().out == expected


def test_the_installed_command_ends_quickly_with_its_output_whole(app: GitRepo) -> None:
    """`aiopt` (the console script) skips the interpreter's teardown after `main`: the exit code and the
    whole report still arrive, and a reader that stops early costs no traceback."""
    script = Path(sys.executable).parent / "aiopt"
    swap_model(app)
    done = subprocess.run([str(script), "check", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and json.loads(done.stdout)["verdict"] == "block"
    with subprocess.Popen([str(script), "check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(1)
        proc.stdout.close()  # the reader is gone before the report is written
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "Exception ignored" not in err
