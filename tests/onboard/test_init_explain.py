"""`aiopt init` and `aiopt explain` on `sample_repo/` and on a repository built from the real-world
configs copied from the real-world corpus into tests/data/configs/ (every format the extractors know)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiopt_hooks.config import parse_config_text
from aiopt_hooks.onboard.init import watch_globs
from tests.support.repos import ROOT, GitRepo, edit
from tests.support.workflow import state

REALWORLD = ROOT / "tests" / "data" / "configs"  # copies of the real-world corpus (tests/data/SOURCES.md)


@pytest.fixture
def fresh(app: GitRepo) -> GitRepo:
    """The sample app without its .aiopt.yaml (committed as such)."""
    app.git("rm", "-q", ".aiopt.yaml")
    app.commit("no guard config yet")
    return app


@pytest.fixture
def realworld(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo = GitRepo(tmp_path / "realworld")
    shutil.copytree(REALWORLD, repo.path / "configs")
    repo.stage()
    repo.commit("real-world configs")
    monkeypatch.chdir(repo.path)
    return repo


def test_init_on_the_sample_app(fresh: GitRepo, run: Any) -> None:
    result = run("init")
    assert result.code == 0, result.err
    assert "-   id: aiopt-guard" in result.out and "aiopt install-hook" in result.out
    text = (fresh.path / ".aiopt.yaml").read_text()
    raw = parse_config_text(text.encode(), ".aiopt.yaml")  # valid: unknown keys would be errors
    assert raw["baseline"]["path"] == "usage.jsonl"
    assert raw["watch"] == ["config/*.yaml", "prompts/**/*.txt"]  # the prompt files, not a README beside them
    assert raw["policy"]["block"]["monthly_increase_usd"] == pytest.approx(52.23 * 0.20, abs=0.01)
    assert raw["policy"]["warn"]["monthly_increase_usd"] == pytest.approx(52.23 * 0.05, abs=0.01)
    assert "# 20% of the current $52.23/month" in text
    assert "#   summarize: config/llm.yaml, prompts/summarize.txt -> 14,017 requests (45.3%), $8.87/month" in text
    assert raw["lockfile"] is False


def test_the_written_config_guards_commits(fresh: GitRepo, run: Any) -> None:
    run("init")
    edit(fresh, "config/llm.yaml", "max_tokens: 1024", "max_tokens: 4096")  # +$0.18: passes
    assert run("check").code == 0
    edit(fresh, "config/llm.yaml", "model: gpt-4.1-nano", "model: gpt-4.1")  # about +$8 more: over 5% -> warn
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "warn" and 2.61 < data["delta"]["monthly_usd"] < 10.45
    edit(fresh, "config/llm.yaml", "model: gpt-4o-mini", "model: gpt-4.1-mini")  # +$14.79 more: over 20%
    assert run("check").code == 1


def test_init_refuses_to_overwrite_without_force(app: GitRepo, run: Any) -> None:
    before = (app.path / ".aiopt.yaml").read_text()
    refused = run("init")
    assert refused.code == 2 and "already exists" in refused.err and "--force" in refused.err
    assert (app.path / ".aiopt.yaml").read_text() == before
    assert run("init", "--force", "--block-pct", "10").code == 0
    assert "# 10% of the current" in (app.path / ".aiopt.yaml").read_text()


def test_init_finds_an_ignored_log_and_flags_untagged_features(fresh: GitRepo, run: Any) -> None:
    fresh.git("mv", "usage.jsonl", "logs-usage.jsonl")
    fresh.write(".gitignore", "logs-usage.jsonl\n")
    fresh.git("rm", "-q", "--cached", "logs-usage.jsonl")
    fresh.write("prompts/translate.txt", "Translate the user's text into French.\n")
    fresh.stage()
    fresh.commit("log ignored, a new prompt")
    assert run("init").code == 0
    text = (fresh.path / ".aiopt.yaml").read_text()
    assert 'path: "logs-usage.jsonl"' in text
    assert "#   translate: prompts/translate.txt -> no tagged requests" in text
    assert "#   translate:\n#     match: {feature_tag: <its tag in the log>}" in text  # no tag names it


def test_init_offers_the_committed_summary_for_an_ignored_log(fresh: GitRepo, run: Any) -> None:
    fresh.git("mv", "usage.jsonl", "logs-usage.jsonl")
    fresh.write(".gitignore", "logs-usage.jsonl\n")
    fresh.git("rm", "-q", "--cached", "logs-usage.jsonl")
    fresh.stage()
    fresh.commit("log ignored")
    offered = run("init")
    assert offered.code == 0
    assert (
        "logs-usage.jsonl is ignored by git: teammates and CI will not have it. For a clone without the log, "
        "commit a summary: `aiopt init --write-summary`"
    ) in offered.out
    text = (fresh.path / ".aiopt.yaml").read_text()
    assert "  # logs-usage.jsonl is ignored by git, so teammates and CI will not have it" in text
    assert not (fresh.path / ".aiopt" / "baseline-summary.json").exists()
    written = run("init", "--force", "--write-summary")
    assert written.code == 0 and "aiopt: commit .aiopt/baseline-summary.json" in written.out
    fresh.git("add", ".aiopt.yaml", ".aiopt/baseline-summary.json")
    fresh.commit("guard config and the committed summary")
    clone = GitRepo(fresh.path.parent / "clone")
    clone.git("pull", "-q", str(fresh.path), "main")
    assert not (clone.path / "logs-usage.jsonl").exists()
    edit(clone, "config/llm.yaml", "model: gpt-4o-mini", "model: gpt-4.1-mini")
    from aiopt_hooks.cli import main

    assert main(["check", "--repo", str(clone.path)]) == 1  # priced from the committed summary: blocked


def test_init_without_any_log(fresh: GitRepo, run: Any) -> None:
    fresh.git("rm", "-q", "usage.jsonl")
    fresh.commit("no log")
    assert run("init").code == 0
    raw = yaml.safe_load((fresh.path / ".aiopt.yaml").read_text())
    assert raw["policy"]["block"]["monthly_increase_usd"] == 100
    assert "no usage log found" in (fresh.path / ".aiopt.yaml").read_text()


def test_init_on_real_world_configs(realworld: GitRepo, run: Any) -> None:
    result = run("init")
    assert result.code == 0, result.err
    text = (realworld.path / ".aiopt.yaml").read_text()
    raw = parse_config_text(text.encode(), ".aiopt.yaml")
    # one glob per kind of the folder's several files, a single file by its extension (rename-safe)
    assert raw["watch"] == [
        "configs/**/*.json",
        "configs/**/*.prompt",
        "configs/**/*.prompty",
        "configs/**/*.yaml",
        "configs/*.toml",
        "configs/*.yml",
    ]
    for fragment in (
        "prompty__microsoft_prompty__chat-basic.prompty",
        "dotprompt__firebase_genkit__hello.prompt",
        "litellm__ClickHouse_agentic-data-stack__litellm-config.yaml",
        "getIntent",
        "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml",
        "app-config-continue__continuedev_continue__agent.yaml",
    ):
        assert fragment in text, fragment


def test_explain_on_the_sample_app(app: GitRepo, run: Any) -> None:
    before = state(app)
    data = run("explain", "--format", "json").json()
    assert state(app) == before
    assert {f["path"]: f["features"] for f in data["files"]} == {
        "config/llm.yaml": ["classify", "extract", "summarize", "support_chat"],
        "prompts/classify.txt": ["classify"],
        "prompts/extract.txt": ["extract"],
        "prompts/summarize.txt": ["summarize"],
        "prompts/support_chat.txt": ["support_chat"],
    }
    summarize = next(f for f in data["features"] if f["feature"] == "summarize")
    assert (summarize["requests"], summarize["monthly_usd"]) == (14017, 8.87)
    assert summarize["fields"]["model"] == "gpt-4o-mini"
    assert data["baseline"]["requests"] == 30951
    assert data["unclaimed_traffic"] == [] and data["unwatched_llm_files"] == []
    text = run("explain").out
    assert "summarize: model gpt-4o-mini" in text and "14,017 baseline requests by feature tag 'summarize'" in text
    assert "(nothing: every feature has traffic)" in text


def test_explain_names_what_is_unmatched(app: GitRepo, run: Any) -> None:
    edit(app, "config/llm.yaml", "  classify:", "  triage:")
    app.write("llm_settings.json", '{"agents": {"writer": {"model": "gpt-4o", "max_tokens": 800}}}')
    app.write("prompts/empty-notes.txt", "")
    app.stage()
    text = run("explain").out
    assert "feature 'triage': no baseline request matches" in text
    assert "9,241 requests use gpt-4.1-nano" in text
    assert "traffic 'classify': 9,241 requests ($0.43/month) that no watched feature claims" in text
    assert "llm_settings.json: holds LLM settings but is not watched" in text


def test_explain_without_a_baseline_still_lists_files(app: GitRepo, run: Any) -> None:
    result = run("explain", "--baseline", "missing.jsonl")
    assert result.code == 0
    assert "baseline: missing.jsonl: baseline log not found" in result.out
    assert "config/llm.yaml: classify, extract, summarize, support_chat" in result.out


def test_explain_on_real_world_configs(realworld: GitRepo, run: Any) -> None:
    run("init")
    data = run("explain", "--format", "json").json()
    features = {f["feature"] for f in data["features"]}
    assert {"getIntent", "bedrock-claude", "llm", "gpt-5"} <= features
    assert "error" in data["baseline"]
    assert all(f["error"] is None for f in data["files"]), [f for f in data["files"] if f["error"]]


@pytest.mark.parametrize(
    "paths, globs",
    [
        pytest.param(["config/llm.yaml"], ["config/*.yaml"], id="one-file-by-extension-in-its-folder"),
        pytest.param(["prompts/a.txt", "prompts/b.txt", "llm.yaml"], ["llm.yaml", "prompts/**/*.txt"], id="folder"),
        pytest.param(
            ["prompts/a.txt", "prompts/b.txt", "prompts/c.prompty", "prompts/README.md"],
            ["**/*.prompty", "prompts/**/*.txt", "prompts/*.md"],
            id="one-glob-per-kind",
        ),
        pytest.param(["a.prompty", "b.prompty"], ["**/*.prompty"], id="prompty-anywhere"),
        pytest.param(["src/api/product/product.prompty"], ["**/*.prompty"], id="one-prompty-anywhere"),
        pytest.param([".env.example", ".aider.conf.yml"], [".aider.conf.yml", ".env.example"], id="root-tool-configs"),
        pytest.param(["deploy/.env.example"], ["deploy/.env.example"], id="dotfile-by-name"),
    ],
)
def test_watch_globs(paths: list[str], globs: list[str]) -> None:
    assert watch_globs(paths) == globs
