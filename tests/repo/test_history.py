"""Audit trail: `.git/aiopt/history.jsonl`, one line per check / whatif / compare; `aiopt history`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.config import Config
from aiopt_hooks.records import Grant, Result, Verdict
from aiopt_hooks.render import audit
from aiopt_hooks.repo import history
from tests.support.repos import GitRepo, usage_rows, write_log


@pytest.fixture
def app(repo: GitRepo) -> GitRepo:
    write_log(repo.path / "usage.jsonl", usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10))
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o-mini\n")
    repo.write(".aiopt.yaml", "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 5\n")
    repo.stage()
    repo.commit("app")
    return repo


def _lines(repo: GitRepo) -> list[dict[str, object]]:
    path = repo.path / ".git" / "aiopt" / "history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_check_appends_one_line_outside_the_work_tree(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o\n")
    app.stage()
    before = app.git("status", "--porcelain", "--ignored")
    assert main(["check", "--repo", str(app.path)]) == 1
    assert app.git("status", "--porcelain", "--ignored") == before  # nothing new in the work tree
    (entry,) = _lines(app)
    assert entry["command"] == "check" and entry["scope"] == "staged" and entry["verdict"] == "block"
    assert entry["delta_monthly_usd"] == pytest.approx(12.69, abs=0.01)
    assert entry["changes"] == ["summarize.model: gpt-4o-mini -> gpt-4o"]
    assert len(str(entry["config_sha256"])) == 16 and entry["approvals"] == []
    assert {"time", "exit_code", "candidate_monthly_usd", "reasons", "risk"} <= set(entry)


def test_every_check_is_recorded_even_with_nothing_watched(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write("README.md", "hello\n")
    app.stage()
    assert main(["check", "--repo", str(app.path)]) == 0
    (entry,) = _lines(app)
    assert entry["verdict"] == "pass" and entry["changes"] == [] and entry["delta_monthly_usd"] is None


def test_a_skipped_check_leaves_a_line(
    app: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIOPT_SKIP", "1")
    assert main(["check", "--repo", str(app.path)]) == 0
    (entry,) = _lines(app)
    assert entry["reasons"] == ["skipped: AIOPT_SKIP is set"]


def test_history_lists_whatif_and_check(
    app: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line a row (at 100 columns the table wraps its cells)
    main(["whatif", "--repo", str(app.path), "--model", "gpt-4o"])
    app.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4.1-nano\n")
    app.stage()
    main(["check", "--repo", str(app.path), "--from-ref", "HEAD", "--to-ref", "HEAD"])
    main(["check", "--repo", str(app.path)])
    capsys.readouterr()
    assert main(["history", "--repo", str(app.path), "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [(e["command"], e["verdict"], e["scope"]) for e in entries] == [
        ("whatif", "block", "what-if --model gpt-4o"),
        ("check", "pass", "HEAD..HEAD"),
        ("check", "pass", "staged"),
    ]
    assert entries[0]["scope"] == "what-if --model gpt-4o"
    assert main(["history", "--repo", str(app.path)]) == 0
    text = capsys.readouterr().out
    assert "time (UTC)" in text and "what-if --model gpt-4o" in text and "+$12.69" in text


def test_since_filters_and_a_bad_date_is_an_error(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    main(["whatif", "--repo", str(app.path), "--model", "gpt-4o"])
    capsys.readouterr()
    assert main(["history", "--repo", str(app.path), "--since", "2999-01-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["history", "--repo", str(app.path), "--since", "2000-01-01", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    assert main(["history", "--repo", str(app.path), "--since", "last tuesday"]) == 2
    assert "is not a date" in capsys.readouterr().err


def test_the_file_rotates_and_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "MAX_BYTES", 2000)
    result = Result(Verdict("pass", 0))
    for _ in range(40):
        audit.record(tmp_path, "check", "staged", result, Config())
    current = tmp_path / "aiopt" / "history.jsonl"
    rotated = tmp_path / "aiopt" / "history.1.jsonl"
    assert current.stat().st_size <= 2000 and rotated.stat().st_size <= 2000
    assert 0 < len(history.read_history(tmp_path)) < 40  # the oldest were dropped


def test_approvals_used_are_recorded() -> None:
    grant = Grant("approvals", "worth it", ".aiopt/approvals.yaml:3", "Dev", "2026-11-30")
    result = Result(Verdict("approved", 0, (grant,), overridden=("the estimate is over the policy",)))
    entry = audit.entry_for("check", "staged", result, Config())
    assert entry["approvals"] == ["approved at .aiopt/approvals.yaml:3: 'worth it' by Dev on 2026-11-30, no expiry"]
    assert entry["config_sha256"] == "defaults"


def test_an_unwritable_history_never_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "aiopt").write_text("a file where the folder should be")
    audit.record(tmp_path, "check", "staged", Result(Verdict("pass", 0)), Config())
    assert "could not append to the history" in capsys.readouterr().err
