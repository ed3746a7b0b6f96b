"""Helpers of the command-line tests: snapshots of what a check must leave alone, config edits,
and the one-error-line and finding checks."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from typing import Any

from tests.support.repos import ENV_VARS, GitRepo, edit

SUMMARIZE_ROWS = 14017  # rows tagged `summarize` in sample_repo/usage.jsonl
SAMPLE_ROWS = 30951
MODEL_LINE = 4  # `model: gpt-4o-mini` of `summarize` in config/llm.yaml


def snapshot(repo: GitRepo) -> tuple[bytes, str, dict[str, str]]:
    """The index bytes, `git status` and every work-tree file's hash."""
    index = (repo.path / ".git" / "index").read_bytes()
    status = repo.git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all")
    files = {
        str(p.relative_to(repo.path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo.path).parts
    }
    return index, status, files


def set_config(repo: GitRepo, old: str, new: str) -> None:
    """Edit `.aiopt.yaml` in the work tree (the config is read from disk)."""
    edit(repo, ".aiopt.yaml", old, new, stage=False)


def add_config(repo: GitRepo, text: str) -> None:
    path = repo.path / ".aiopt.yaml"
    path.write_text(path.read_text() + text)


def assert_one_error_line(err: str, *needles: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(line.startswith("aiopt:") for line in lines), err
    errors = [line for line in lines if line.startswith("aiopt: error:")]
    assert len(errors) == 1, err
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


def finding(data: dict[str, Any], code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in data["findings"] if f["code"] == code]
    assert len(found) == 1, data["findings"]
    return found[0]


def warm_probe(repo: GitRepo, probe: str) -> str:
    """The last line `probe` (Python code) prints in a fresh interpreter in `repo`, run a second time:
    the first run fills the caches under the git dir, so the second shows what a warm check does."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe], cwd=repo.path, capture_output=True, text=True, env=env)
    return done.stdout.strip().splitlines()[-1]
