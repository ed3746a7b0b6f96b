"""Helpers shared by the workflow tests (approvals, lockfile, hooks, pre-push, CI, init/explain).

`Run` is what the `run` fixture (conftest) returns; `git` runs real git,
so installed hooks (plain or the pre-commit framework's) are exercised.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

from tests.support.repos import ENV_VARS, GitRepo


class Run(NamedTuple):
    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


def add_config(repo: GitRepo, text: str, commit: bool = True) -> None:
    """Append to `.aiopt.yaml` (policy keys go under the existing `policy:` block via `replace`)."""
    path = repo.path / ".aiopt.yaml"
    path.write_text(path.read_text() + text)
    if commit:
        repo.stage(".aiopt.yaml")
        repo.commit("config")


def git(
    repo: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run real git (hooks included); the environment keeps the venv's python first on PATH."""
    full = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, input=stdin, env={**full, **(env or {})}
    )


def state(repo: GitRepo) -> tuple[str, str]:
    """(git status, HEAD) to show that a check left the repository alone."""
    return (
        repo.git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all"),
        repo.git("rev-parse", "HEAD"),
    )
