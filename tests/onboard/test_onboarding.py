"""`aiopt init` on a CrewAI-style repository: the log's real tags for `match:`, LLM files watched but
not docs or samples, a real mkdocs.yml (with `!!python/name:` tags) not called invalid, and a
`.pre-commit-config.yaml` entry whose `rev:` resolves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.config import parse_config_text
from aiopt_hooks.onboard.hookrev import PLACEHOLDER_REPO, HookSource, hook_source, pre_commit_snippet
from aiopt_hooks.onboard.init import closest_tag, is_doc_or_sample
from tests.support.repos import ROOT, GitRepo

MKDOCS = ROOT / "tests" / "data" / "docs" / "mkdocs__crewAIInc_crewAI__mkdocs.yml"  # tests/data/SOURCES.md
AGENTS = """\
financial_researcher:
  role: >
    Senior Financial Researcher
  goal: >
    Uncover cutting-edge developments in {company}
  backstory: >
    You're a seasoned researcher.
  llm: openai/gpt-4o-mini
report_writer:
  role: >
    Report Writer
  goal: >
    Write the report
  backstory: >
    A writer.
  llm: openai/gpt-4o-mini
"""
SAMPLE_PROMPT = "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  maxOutputTokens: 400\n---\nHello {{name}}\n"


def _log_rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(600):
        ts = f"2026-10-{1 + i // 40:02d}T{(i % 24):02d}:{(i * 7) % 60:02d}:00Z"
        tag = ("Senior Financial Researcher", "Report Writer")[i % 2]
        rows.append(
            {
                "ts": ts,
                "provider": "openai",
                "model": "gpt-4o-mini",
                "input_tokens": 2000,
                "output_tokens": 500,
                "feature_tag": tag,
            }
        )
    return rows


@pytest.fixture
def crew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo = GitRepo(tmp_path / "crew")
    repo.write("src/fin/config/agents.yaml", AGENTS)
    repo.write("mkdocs.yml", MKDOCS.read_text())
    for path in ("docs/prompts/a.prompt", "docs/prompts/b.prompt", "examples/basic/hello.prompt"):
        repo.write(path, SAMPLE_PROMPT)
    repo.write("usage.jsonl", "".join(json.dumps(r) + "\n" for r in _log_rows()))
    repo.stage()
    repo.commit("crew")
    monkeypatch.chdir(repo.path)
    return repo


def test_init_maps_features_to_the_log_s_real_tags(crew: GitRepo, run: Any) -> None:
    result = run("init")
    assert result.code == 0, result.err
    text = (crew.path / ".aiopt.yaml").read_text()
    raw = parse_config_text(text.encode(), ".aiopt.yaml")
    assert raw["features"] == {
        "financial_researcher": {"match": {"feature_tag": "Senior Financial Researcher"}},
        "report_writer": {"match": {"feature_tag": "Report Writer"}},
    }
    explained = run("explain", "--format", "json").json()
    traffic = {f["feature"]: f["requests"] for f in explained["features"]}
    assert traffic == {"financial_researcher": 300, "report_writer": 300}
    assert explained["unwatched_llm_files"] == []  # the docs' samples are not the app's settings


def test_init_watches_llm_files_not_docs_or_samples(crew: GitRepo, run: Any) -> None:
    result = run("init")
    raw = parse_config_text((crew.path / ".aiopt.yaml").read_bytes(), ".aiopt.yaml")
    assert raw["watch"] == ["src/fin/config/*.yaml"]  # rename-safe: the app's config folder, not the docs
    assert "not watched: 3 LLM-looking file(s) of docs and samples" in result.out
    assert "mkdocs.yml" not in result.out + result.err  # a valid file is never reported as invalid YAML
    crew.write("docs/prompts/a.prompt", SAMPLE_PROMPT.replace("400", "4000"))
    crew.stage()
    checked = run("check")  # a doc-only edit: nothing to warn about
    assert checked.code == 0 and checked.out.startswith("aiopt-guard: PASS: no watched LLM file changed")


@pytest.mark.parametrize(
    "path, expected",
    [
        pytest.param("docs/prompts/a.prompt", True, id="docs"),
        pytest.param("examples/x/config.yaml", True, id="examples"),
        pytest.param("src/samples/llm.yaml", True, id="nested-samples"),
        pytest.param("src/app/prompts/summarize.txt", False, id="app"),
        pytest.param("docs.yaml", False, id="a-file-named-docs"),
    ],
)
def test_is_doc_or_sample(path: str, expected: bool) -> None:
    assert is_doc_or_sample(path) is expected


@pytest.mark.parametrize(
    "feature, tags, expected",
    [
        pytest.param(
            "financial_researcher",
            ["Report Writer", "Senior Financial Researcher"],
            "Senior Financial Researcher",
            id="role",
        ),
        pytest.param(
            "report_writer", ["Report Writer", "Senior Report Writer"], "Report Writer", id="fewest-extra-words"
        ),
        pytest.param("summarize", ["summarize-v2", "classify"], "summarize-v2", id="suffix"),
        pytest.param("translate", ["Report Writer"], None, id="none"),
        pytest.param("writer", [], None, id="no-tags"),
    ],
)
def test_closest_tag(feature: str, tags: list[str], expected: str | None) -> None:
    assert closest_tag(feature, tags) == expected


@pytest.mark.parametrize(
    "direct, expected",
    [
        pytest.param(
            {
                "url": "https://github.com/acme/aiopt-hooks",
                "vcs_info": {"vcs": "git", "commit_id": "a" * 40, "requested_revision": "v0.1.0"},
            },
            HookSource("https://github.com/acme/aiopt-hooks", "a" * 40, "the commit this aiopt was installed from"),
            id="git-url",
        ),
        pytest.param(
            {"url": "https://example.com/aiopt_hooks-0.1.0.tar.gz", "archive_info": {}},
            HookSource(PLACEHOLDER_REPO, None, "this aiopt was not installed from a git repository"),
            id="archive",
        ),
        pytest.param(
            {}, HookSource(PLACEHOLDER_REPO, None, "this aiopt was not installed from a git repository"), id="index"
        ),
    ],
)
def test_hook_source(direct: dict[str, Any], expected: HookSource) -> None:
    assert hook_source(direct) == expected


def test_hook_source_of_a_local_checkout(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "aiopt-hooks")
    repo.write("setup.cfg", "[metadata]\nname = aiopt-hooks\n")
    repo.stage()
    repo.commit("x")
    source = hook_source({"url": (tmp_path / "aiopt-hooks").as_uri(), "dir_info": {"editable": True}})
    assert (source.repo, source.rev) == (str(repo.path), repo.git("rev-parse", "HEAD").strip())
    assert "v0.1.0" not in pre_commit_snippet(source)


def test_init_prints_a_rev_that_resolves(crew: GitRepo) -> None:
    """The installed `aiopt` (this checkout, editable) names its repository and a commit that exists there."""
    aiopt = Path(sys.executable).parent / "aiopt"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(aiopt), "init"], cwd=crew.path, capture_output=True, text=True, env=env).stdout
    repo_line = next(line for line in out.splitlines() if line.startswith("-   repo: "))
    rev = next(line for line in out.splitlines() if line.strip().startswith("rev: ")).split()[1]
    repo = Path(repo_line.split(": ", 1)[1])
    assert repo.resolve() == ROOT.resolve()
    assert (
        subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=repo, capture_output=True
        ).returncode
        == 0
    )
    assert shutil.which("git") and "v0.1.0" not in out


@pytest.mark.parametrize(
    "old, new, expected",
    [
        pytest.param("", "  max_retry_limit: 5\n", (2, 5), id="added-over-the-default"),
        pytest.param("  max_retry_limit: 5\n", "", (5, 2), id="removed-back-to-the-default"),
        pytest.param("", "  max_retry_limit: 2\n", None, id="the-default-written-out"),
    ],
)
def test_crewai_retries_default_to_two(
    crew: GitRepo, run: Any, old: str, new: str, expected: tuple[int, int] | None
) -> None:
    agents = crew.path / "src/fin/config/agents.yaml"
    mark = "  llm: openai/gpt-4o-mini\nreport_writer"
    agents.write_text(AGENTS.replace(mark, mark.replace("report_writer", old + "report_writer")))
    crew.write(
        ".aiopt.yaml",
        "version: 1\nbaseline:\n  path: usage.jsonl\nwatch: ['src/**/agents.yaml']\n"
        "features:\n  financial_researcher:\n    match: {feature_tag: Senior Financial Researcher}\n",
    )
    crew.stage()
    crew.commit("agents")
    agents.write_text(AGENTS.replace(mark, mark.replace("report_writer", new + "report_writer")))
    crew.stage()
    data = run("check", "--format", "json").json()
    retries = [(c["old"], c["new"]) for c in data["changes"] if c["field"] == "retries"]
    assert retries == ([expected] if expected else [])
