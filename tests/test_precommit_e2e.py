"""End to end: the real `pre-commit` client installs this repository's hook and guards real commits.

The hook repository is a temp copy of this working tree (tracked and untracked files, uncommitted
edits included) committed into a fresh git repo, so the test checks what is on disk, not HEAD.
The hook environment is installed once per session (pip, from PyPI) under a temp PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.support.hookrepo import LEAKY, copy_working_tree
from tests.support.repos import SAMPLE_REPO, GitRepo


class Proc(NamedTuple):
    code: int
    output: str


class Hooked(NamedTuple):
    hook_repo: Path
    rev: str
    env: dict[str, str]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> Proc:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return Proc(proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Hooked:
    base = tmp_path_factory.mktemp("e2e")
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(PRE_COMMIT_HOME=str(base / "pre-commit-home"), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")

    hook_repo = GitRepo(base / "aiopt-hooks")
    copy_working_tree(hook_repo.path)
    hook_repo.stage()
    hook_repo.commit("working tree snapshot")
    rev = hook_repo.git("rev-parse", "HEAD").strip()

    # Install the hook environment once (the slow part); every app repo below reuses it.
    warm = _app(base / "warm", Hooked(hook_repo.path, rev, env))
    proc = _run([sys.executable, "-m", "pre_commit", "install-hooks"], warm.path, env, timeout=600)
    assert proc.code == 0, f"pre-commit could not install the hook environment:\n{proc.output}"
    return Hooked(hook_repo.path, rev, env)


def _app(path: Path, hooked: Hooked) -> GitRepo:
    """The sample app, committed, with `.pre-commit-config.yaml` pointing at the hook repo copy."""
    app = GitRepo(path)
    shutil.copytree(SAMPLE_REPO, app.path, dirs_exist_ok=True)
    config = (SAMPLE_REPO / ".pre-commit-config.yaml").read_text()
    assert "__AIOPT_REPO__" in config and "__AIOPT_REV__" in config
    app.write(
        ".pre-commit-config.yaml",
        config.replace("__AIOPT_REPO__", str(hooked.hook_repo)).replace("__AIOPT_REV__", hooked.rev),
    )
    app.stage()
    app.commit("sample app")
    return app


@pytest.fixture
def app(hooked: Hooked, tmp_path: Path) -> GitRepo:
    app = _app(tmp_path / "app", hooked)
    proc = _run(
        [sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-commit", "--hook-type", "pre-push"],
        app.path,
        hooked.env,
    )
    assert proc.code == 0, proc.output
    return app


def swap_model(app: GitRepo) -> None:
    path = app.path / "config/llm.yaml"
    path.write_text(path.read_text().replace("model: gpt-4o-mini", "model: gpt-4o", 1))
    app.stage("config/llm.yaml")


def head(app: GitRepo) -> str:
    return app.git("rev-parse", "HEAD").strip()


def commit(app: GitRepo, env: dict[str, str], message: str) -> Proc:
    return _run(["git", "commit", "-m", message], app.path, env)


def test_model_swap_commit_is_blocked_then_skip_lets_it_through(app: GitRepo, hooked: Hooked) -> None:
    swap_model(app)
    before = head(app)

    blocked = commit(app, hooked.env, "swap summarize to gpt-4o")

    assert blocked.code != 0, blocked.output
    assert head(app) == before
    assert "aiopt guard (LLM cost change)" in blocked.output
    assert "BLOCKED" in blocked.output
    assert "model: gpt-4o-mini -> gpt-4o" in blocked.output
    assert "SKIP=aiopt-guard git commit" in blocked.output
    assert "AIOPT_SKIP=1" not in blocked.output  # the framework's skip only: the advice of its stage
    assert app.git("diff", "--cached", "--name-only").split() == ["config/llm.yaml"]  # still staged

    skipped = commit(app, {**hooked.env, "SKIP": "aiopt-guard"}, "swap summarize to gpt-4o")

    assert skipped.code == 0, skipped.output
    assert head(app) != before
    assert "Skipped" in skipped.output
    assert "model: gpt-4o\n" in app.git("show", "HEAD:config/llm.yaml")


def test_commit_of_a_non_llm_file_passes(app: GitRepo, hooked: Hooked) -> None:
    before = head(app)
    readme = app.path / "README.md"
    readme.write_text(readme.read_text() + "\nMore words.\n")
    app.stage("README.md")

    proc = commit(app, hooked.env, "docs")

    assert proc.code == 0, proc.output
    assert head(app) != before
    assert "aiopt guard (LLM cost change)" in proc.output and "Passed" in proc.output
    assert "aiopt-guard:" not in proc.output  # a no-op commit: pre-commit's own lines only


def test_pre_push_stage_checks_the_pushed_range(app: GitRepo, hooked: Hooked) -> None:
    base = head(app)
    swap_model(app)
    app.commit("swap (hooks bypassed)")

    proc = _run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "run",
            "aiopt-guard",
            "--hook-stage",
            "pre-push",
            "--from-ref",
            base,
            "--to-ref",
            "HEAD",
        ],
        app.path,
        hooked.env,
    )

    assert proc.code != 0, proc.output
    assert "model: gpt-4o-mini -> gpt-4o" in proc.output
    assert "SKIP=aiopt-guard" in proc.output


def test_plain_git_hook_with_aiopt_skip(hooked: Hooked, tmp_path: Path) -> None:
    app = _app(tmp_path / "plain", hooked)
    aiopt = Path(sys.executable).parent / "aiopt"
    assert aiopt.is_file()
    hook = app.path / ".git/hooks/pre-commit"
    hook.write_text(f'#!/bin/sh\nexec "{aiopt}" check\n')
    hook.chmod(0o755)
    swap_model(app)
    before = head(app)

    direct = _run([str(aiopt), "check"], app.path, hooked.env)
    assert direct.code == 1, direct.output
    blocked = commit(app, hooked.env, "swap")
    assert blocked.code != 0 and head(app) == before, blocked.output
    assert "AIOPT_SKIP=1" in blocked.output

    skip_env = {**hooked.env, "AIOPT_SKIP": "1"}
    direct = _run([str(aiopt), "check"], app.path, skip_env)
    assert direct.code == 0, direct.output
    assert "skipped" in direct.output
    passed = commit(app, skip_env, "swap")
    assert passed.code == 0, passed.output
    assert head(app) != before
