"""Real temporary git repositories and the sample app's edits, shared by the tests."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from aiopt_hooks.repo.ci import CI_MARKERS, PULL_REQUEST_VARS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_REPO = ROOT / "sample_repo"


class GitRepo:
    """A throwaway git repository with helpers to write, stage and commit files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)  # `git init` runs inside it, so it must exist first
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        import os

        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True, env=full_env)
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, rel: str, text: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text)
        return target

    def stage(self, *paths: str) -> None:
        self.git("add", "-A", *paths)

    def commit(self, message: str = "commit") -> None:
        self.git("commit", "-q", "--no-verify", "-m", message)


def usage_rows(
    feature: str,
    model: str,
    n: int,
    input_tokens: int | Callable[[int], int],
    output_tokens: int | Callable[[int], int],
    provider: str = "openai",
    days: float = 10.0,
    **extra: Any,
) -> list[dict[str, Any]]:
    """n aggregated-dialect rows spread evenly over `days` days starting 2026-03-01."""
    from datetime import datetime, timedelta, timezone

    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(n):
        ts = start + timedelta(seconds=i * days * 86400 / max(n - 1, 1))
        rows.append(
            {
                "ts": ts.isoformat().replace("+00:00", "Z"),
                "provider": provider,
                "model": model,
                "input_tokens": input_tokens(i) if callable(input_tokens) else input_tokens,
                "output_tokens": output_tokens(i) if callable(output_tokens) else output_tokens,
                "feature_tag": feature,
                "retries": 0,
                "status": "ok",
                **extra,
            }
        )
    return rows


def write_log(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# Environment a developer's shell may carry that would change what `aiopt` does.
ENV_VARS = (
    (
        "AIOPT_SKIP",
        "AIOPT_BASELINE",
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "PRE_COMMIT_REMOTE_NAME",
        "PRE_COMMIT_LOCAL_BRANCH",
        "SKIP",
        "GIT_INDEX_FILE",
        "GITHUB_STEP_SUMMARY",
        "COLUMNS",
    )
    + CI_MARKERS
    + tuple(name for name, _, _ in PULL_REQUEST_VARS)
)  # a CI job's variables: the tests set their own


def edit(repo: GitRepo, rel: str, old: str, new: str, stage: bool = True) -> None:
    """Replace `old` with `new` once in a repo file (it must be there), and stage it."""
    path = repo.path / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))
    if stage:
        repo.stage(rel)


def swap_model(repo: GitRepo, new: str = "gpt-4o", stage: bool = True) -> None:
    """The sample app's model swap: summarize gpt-4o-mini -> `new`."""
    edit(repo, "config/llm.yaml", "model: gpt-4o-mini", f"model: {new}", stage)
