"""Helpers shared by the reliability tests (fuzz, hostile input, no network, tree safety, paths,
timeouts, secrets): `aiopt` in a child process, snapshots of what a command must leave alone,
generated logs, and a bound on how long a protected operation may take."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from tests.support.repos import ENV_VARS, GitRepo

ROOT = Path(__file__).resolve().parents[2]
OPENAI_ROW = (
    '{{"id": "chatcmpl-{i}", "object": "chat.completion", "created": {ts}, "model": "{model}", '
    '"feature_tag": "{feature}", "usage": {{"prompt_tokens": {inp}, "completion_tokens": {out}}}{pad}}}\n'
)


class Proc(NamedTuple):
    code: int
    out: str
    err: str
    seconds: float

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.out)
        return data


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS and not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def aiopt_code(patch: str = "", after: str = "") -> str:
    """Python source that runs `aiopt` with sys.argv, after `patch` (e.g. sockets that raise)."""
    return (
        f"import sys\n{patch}\nfrom aiopt_hooks.cli import main\n"
        f"rc = main(sys.argv[1:])\n{after}\nraise SystemExit(rc)\n"
    )


def start_aiopt(cwd: Path, *args: str, patch: str = "", after: str = "", **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", aiopt_code(patch, after), *args],
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(**env),
    )


def run_aiopt(cwd: Path, *args: str, patch: str = "", after: str = "", timeout: float = 120, **env: str) -> Proc:
    """`aiopt ARGS` in a child Python, as the hook runs it."""
    started = time.monotonic()
    proc = start_aiopt(cwd, *args, patch=patch, after=after, **env)
    out, err = proc.communicate(timeout=timeout)
    return Proc(proc.returncode, out, err, time.monotonic() - started)


def git_dir(repo: GitRepo) -> Path:
    return Path(repo.git("rev-parse", "--absolute-git-dir").strip())


def snapshot(repo: GitRepo) -> tuple[bytes, str, dict[str, str]]:
    """The index bytes, `git status` and every work-tree file's hash (a worktree's too)."""
    index = (git_dir(repo) / "index").read_bytes()
    status = repo.git("--no-optional-locks", "status", "--porcelain", "--untracked-files=all")
    files = {
        str(p.relative_to(repo.path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo.path).parts
    }
    return index, status, files


def cache_files(repo: GitRepo) -> dict[str, bytes]:
    cache = git_dir(repo) / "aiopt"
    return {p.name: p.read_bytes() for p in sorted(cache.iterdir())} if cache.is_dir() else {}


def assert_cache_sound(repo: GitRepo) -> None:
    """No temp file left behind, and every cache file is complete JSON."""
    for name, data in cache_files(repo).items():
        assert not name.endswith(".tmp"), f"partial write left behind: {name}"
        if name.endswith(".json"):
            json.loads(data)


class TreeGuard:
    """Snapshot of the index bytes, `git status` and every work-tree file; `check()` compares."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self.before = snapshot(repo)

    def check(self) -> None:
        after = snapshot(self.repo)
        assert after[0] == self.before[0], "the index was modified"
        assert after[1] == self.before[1], "git status changed"
        assert after[2] == self.before[2], "a work-tree file was modified"
        assert_cache_sound(self.repo)


def write_openai_log(
    path: Path,
    rows: int,
    pad: int = 0,
    start: int = 1_772_323_200,
    span: int = 21 * 86400,
    model: str = "gpt-4o-mini",
    feature: str = "summarize",
) -> Path:
    """`rows` OpenAI chat-completion bodies (the streaming reader's path: no DuckDB), evenly spread,
    each optionally carrying `pad` bytes of message text as real logs do."""
    padding = f', "messages": "{"x" * pad}"' if pad else ""
    with open(path, "w") as fh:
        for i in range(rows):
            fh.write(
                OPENAI_ROW.format(
                    i=i,
                    ts=start + i * span // max(rows, 1),
                    model=model,
                    feature=feature,
                    inp=200 + i % 1500,
                    out=20 + i % 480,
                    pad=padding,
                )
            )
    return path


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail (rather than hang the suite) when the block runs longer than `seconds`."""

    def expire(signum: int, frame: Any) -> None:
        raise AssertionError(f"took longer than {seconds} s: a protection against hangs is missing")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
