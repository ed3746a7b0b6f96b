"""Git workflows on real temporary repositories: pre-push (with and without refs, plain hook and the
pre-commit framework), the CI snippets of docs/ci.md run as CI runs them, merges, rebases,
amends and cherry-picks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiopt_hooks import cli
from tests.support.repos import ROOT, GitRepo, edit, swap_model
from tests.support.workflow import git

BIN = str(Path(sys.executable).parent)


@pytest.fixture
def origin(app: GitRepo, tmp_path: Path) -> Path:
    """An empty bare remote named `origin`."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    app.git("remote", "add", "origin", str(bare))
    return bare


def published(app: GitRepo) -> None:
    """main pushed to origin, with origin's default branch known here."""
    app.git("push", "-q", "origin", "main")
    app.git("remote", "set-head", "origin", "main")


def feature_with_swap(app: GitRepo, message: str = "Use gpt-4o") -> None:
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    app.git("commit", "-q", "--no-verify", "-m", message)


# -- pre-push under the pre-commit framework's environment ---------------------------------------


def test_pre_push_with_refs_checks_from_the_merge_base(app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    feature_with_swap(app)
    app.git("checkout", "-q", "main")
    edit(app, "config/llm.yaml", "model: gemini-2.5-flash", "model: gemini-2.5-pro")  # main moves on, dearer
    app.commit("main only")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "main")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "feature")
    data = run("--format", "json", entry=cli.guard_main).json()
    assert [(c["feature"], c["new"]) for c in data["changes"]] == [("summarize", "gpt-4o")]


@pytest.mark.parametrize(
    "known, needle",
    [
        pytest.param(True, "checking it against origin/main, the default branch of 'origin'", id="default-branch"),
        pytest.param(False, "checking it against its root commit", id="root"),
    ],
)
def test_pre_push_without_refs(
    app: GitRepo, run: Any, origin: Path, monkeypatch: pytest.MonkeyPatch, known: bool, needle: str
) -> None:
    if known:
        published(app)
    feature_with_swap(app)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/feature")
    result = run(entry=cli.guard_main)
    assert result.code == 1
    assert needle in result.err
    assert "summarize" in result.out


def test_first_push_of_a_single_commit_branch_passes(
    app: GitRepo, run: Any, origin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    result = run(entry=cli.guard_main)
    assert result.code == 0 and "root commit" in result.err


# -- pre-push with the plain git hook, through a real `git push` ---------------------------------


def test_plain_pre_push_hook(app: GitRepo, run: Any, origin: Path) -> None:
    assert run("install-hook", "--pre-push").code == 0
    first = git(app.path, "push", "-q", "origin", "main")  # nothing on the remote yet: the root
    assert first.returncode == 0, first.stderr
    assert "root commit" in first.stdout + first.stderr
    app.git("remote", "set-head", "origin", "main")

    feature_with_swap(app)
    blocked = git(app.path, "push", "-q", "origin", "feature")
    assert blocked.returncode != 0
    assert "against origin/main" in blocked.stdout + blocked.stderr and "BLOCKED" in blocked.stdout + blocked.stderr
    assert git(app.path, "push", "-q", "origin", "feature", env={"AIOPT_SKIP": "1"}).returncode == 0

    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")  # the update of a pushed branch:
    app.commit("cheaper")  # only what it adds is checked
    assert git(app.path, "push", "-q", "origin", "feature").returncode == 0


def test_plain_pre_push_hook_honours_an_approved_range(app: GitRepo, run: Any, origin: Path) -> None:
    published(app)
    assert run("install-hook", "--pre-push").code == 0
    feature_with_swap(app)
    assert git(app.path, "push", "-q", "origin", "feature").returncode != 0
    assert run("approve", "--from-ref", "origin/main", "--to-ref", "HEAD", "--reason", "reviewed in #12").code == 0
    app.commit("approve the LLM cost of this branch")
    pushed = git(app.path, "push", "-q", "origin", "feature")
    assert pushed.returncode == 0, pushed.stderr
    assert "APPROVED" in pushed.stdout + pushed.stderr


# -- the pre-commit framework itself: aiopt-guard-msg at commit-msg, aiopt-guard at pre-push --------


def _local_hooks() -> dict[str, Any]:
    """The manifest's hooks as `repo: local` hooks (language system: the installed console scripts)."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    by_id = {h["id"]: {**h, "language": "system"} for h in hooks}
    by_id["aiopt-guard"]["stages"] = ["pre-push"]  # commits are guarded by the msg hook here
    return {"repos": [{"repo": "local", "hooks": [by_id["aiopt-guard"], by_id["aiopt-guard-msg"]]}]}


@pytest.mark.skipif(shutil.which("pre-commit", path=BIN) is None, reason="pre-commit is not installed")
def test_pre_commit_framework_msg_hook_and_first_push(app: GitRepo, origin: Path, tmp_path: Path) -> None:
    env = {"PATH": BIN + os.pathsep + os.environ["PATH"], "PRE_COMMIT_HOME": str(tmp_path / "pc-home")}
    app.write(".pre-commit-config.yaml", yaml.safe_dump(_local_hooks(), sort_keys=False))
    app.stage()
    app.commit("hooks")
    installed = subprocess.run(
        [f"{BIN}/pre-commit", "install", "--hook-type", "commit-msg", "--hook-type", "pre-push"],
        cwd=app.path,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert installed.returncode == 0, installed.stderr

    swap_model(app)
    blocked = git(app.path, "commit", "-q", "-m", "Use gpt-4o", env=env)
    assert blocked.returncode != 0 and "BLOCKED" in blocked.stdout + blocked.stderr
    passed = git(app.path, "commit", "-q", "-m", "Use gpt-4o", "-m", "Cost-Approved: support asked for it", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    pushed = git(app.path, "push", "-q", "origin", "main", env=env)  # the whole history is new: no refs
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "root commit" in pushed.stdout + pushed.stderr

    edit(app, "config/llm.yaml", "max_tokens: 2048", "max_tokens: 16384")
    edit(app, "config/llm.yaml", "model: gemini-2.5-flash", "model: gemini-2.5-pro")
    app.git("commit", "-q", "--no-verify", "-m", "extract on pro, unapproved")
    refused = git(app.path, "push", "-q", "origin", "main", env=env)  # refs given: only the new commit
    assert refused.returncode != 0 and "BLOCKED" in refused.stdout + refused.stderr


# -- CI: the snippets of docs/ci.md, run as the CI services run them ----------------------------------


def _snippets() -> dict[str, Any]:
    text = (ROOT / "docs" / "ci.md").read_text()
    blocks = [yaml.safe_load(b.split("```", 1)[0]) for b in text.split("```yaml\n")[1:]]
    github = next(b for b in blocks if "jobs" in b)
    gitlab = next(b for b in blocks if "aiopt" in b and "script" in b["aiopt"])
    step = next(s for s in github["jobs"]["aiopt"]["steps"] if s.get("name") == "aiopt check")
    return {"github": step["run"], "gitlab": "\n".join(gitlab["aiopt"]["script"])}


@pytest.fixture
def pull_request(app: GitRepo, origin: Path, tmp_path: Path) -> Path:
    """A CI clone of `origin` checked out at a pull request branch that swaps the model."""
    published(app)
    feature_with_swap(app)
    app.git("push", "-q", "origin", "feature")
    clone = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=clone, check=True)
    return clone


@pytest.mark.parametrize(
    "service, env",
    [
        pytest.param("github", {"GITHUB_BASE_REF": "main"}, id="github-actions"),
        pytest.param("gitlab", {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, id="gitlab-ci"),
    ],
)
def test_ci_snippet(pull_request: Path, tmp_path: Path, service: str, env: dict[str, str]) -> None:
    summary = tmp_path / "step-summary.md"
    if service == "github":
        env = {**env, "GITHUB_STEP_SUMMARY": str(summary)}
    shell = {**os.environ, **env, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    shell.pop("AIOPT_BASELINE", None)
    result = subprocess.run(
        ["bash", "-e", "-c", _snippets()[service]], cwd=pull_request, env=shell, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stderr  # blocked: the job fails
    report = (pull_request / "aiopt-report.md").read_text()
    assert report.startswith("### aiopt-guard: BLOCKED: this change moves projected LLM spend by +$139.03/month")
    assert "| summarize | model: gpt-4o-mini -> gpt-4o |" in report
    if service == "github":
        assert summary.read_text().strip() == report.strip()


def test_step_summary_gets_markdown_whatever_the_format(
    app: GitRepo, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    swap_model(app)
    result = run("check", "--format", "json")
    assert result.json()["verdict"] == "block"
    assert summary.read_text().startswith("earlier step\n### aiopt-guard: BLOCKED")


# -- merges, rebases, amends, cherry-picks ---------------------------------------------------------


def test_a_merge_checks_only_what_the_merge_itself_changes(app: GitRepo, run: Any) -> None:
    assert run("install-hook", "--hook-type", "pre-merge-commit").code == 0
    assert run("install-hook").code == 0
    feature_with_swap(app)  # committed without the hook
    app.git("checkout", "-q", "main")
    edit(app, "README.md", "demo", "demonstration")
    app.commit("docs")
    merged = git(app.path, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    assert merged.returncode == 0, merged.stderr  # the file came unchanged from its branch


def test_a_conflict_resolution_is_checked(app: GitRepo, run: Any) -> None:
    assert run("install-hook").code == 0
    feature_with_swap(app)
    app.git("checkout", "-q", "main")
    swap_model(app, "gpt-4.1-nano")
    app.commit("nano on main")
    assert git(app.path, "merge", "-q", "feature").returncode != 0  # conflict on the model line
    conflicted = (app.path / "config/llm.yaml").read_text()
    for resolution, code in (("gpt-4o", 0), ("gpt-4.1", 1)):  # theirs as is: it was checked on its branch
        app.write("config/llm.yaml", _resolve(conflicted, resolution))
        app.stage("config/llm.yaml")
        assert run("check").code == code, resolution


def _resolve(conflicted: str, model: str) -> str:
    head, rest = conflicted.split("<<<<<<< HEAD\n", 1)
    _, tail = rest.split(">>>>>>> feature\n", 1)
    return head + f"    model: {model}\n" + tail


def test_a_clean_merge_of_an_approved_branch_passes(app: GitRepo, run: Any) -> None:
    assert run("install-hook", "--hook-type", "pre-merge-commit").code == 0
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    assert run("approve", "--reason", "approved on the branch").code == 0
    app.commit("swap, approved")
    app.git("checkout", "-q", "main")
    edit(app, "config/llm.yaml", "max_tokens: 16", "max_tokens: 8")  # both sides edit config/llm.yaml
    app.commit("smaller classify cap")
    merged = git(app.path, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "APPROVED" in merged.stderr


def test_rebase_exec_rechecks_each_commit(app: GitRepo) -> None:
    feature_with_swap(app)
    app.git("checkout", "-q", "main")
    edit(app, "README.md", "demo", "demonstration")
    app.commit("docs")
    env = {"PATH": BIN + os.pathsep + os.environ["PATH"]}
    result = git(
        app.path, "rebase", "-q", "-x", "aiopt check --from-ref HEAD~1 --to-ref HEAD", "main", "feature", env=env
    )
    assert result.returncode != 0
    assert "BLOCKED" in result.stdout + result.stderr
    git(app.path, "rebase", "--abort")


def test_amend_checks_what_it_adds(app: GitRepo, run: Any) -> None:
    assert run("install-hook").code == 0
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")
    assert git(app.path, "commit", "-q", "-m", "cheaper").returncode == 0
    assert git(app.path, "commit", "-q", "--amend", "-m", "cheaper summaries").returncode == 0  # nothing added
    swap_model(app)
    assert git(app.path, "commit", "-q", "--amend", "--no-edit").returncode == 1


def test_cherry_pick(app: GitRepo, run: Any) -> None:
    feature_with_swap(app)
    app.git("checkout", "-q", "main")
    assert run("install-hook").code == 0
    assert git(app.path, "cherry-pick", "-n", "feature").returncode == 0
    assert git(app.path, "commit", "-q", "-m", "picked").returncode == 1  # `-n` then commit: checked
    app.git("reset", "-q", "--hard")
    assert git(app.path, "cherry-pick", "feature").returncode == 0  # git runs no pre-commit hook here
