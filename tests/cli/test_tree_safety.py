"""Never changes the user's tree or index, and never corrupts its own cache.

Every command but the explicit writers (`approve`, `lock`, `init`, `install-hook`) is run on a
passing, a blocking and several failing repositories, and the index bytes, `git status` and every
work-tree file are compared before and after; `.git/aiopt/` must hold no partial file.  Ctrl-C
mid-run, concurrent checks (two terminals, a worktree), stale temp files and a stale git lock.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.config import write_atomic
from tests.support.cli import add_config, set_config
from tests.support.reliability import (
    TreeGuard,
    cache_files,
    run_aiopt,
    start_aiopt,
    write_openai_log,
)
from tests.support.repos import GitRepo, edit, swap_model


def _blocking(repo: GitRepo) -> None:
    swap_model(repo)


def _unstaged_only(repo: GitRepo) -> None:
    swap_model(repo, stage=False)
    (repo.path / "scratch.txt").write_text("untracked\n")


def _bad_config(repo: GitRepo) -> None:
    swap_model(repo)
    add_config(repo, "polcy: {}\n")


def _unparsable(repo: GitRepo) -> None:
    edit(repo, "config/llm.yaml", "max_tokens: 512", "max_tokens: [512")


def _missing_baseline(repo: GitRepo) -> None:
    swap_model(repo)
    (repo.path / "usage.jsonl").unlink()


def _garbage_baseline(repo: GitRepo) -> None:
    swap_model(repo)
    (repo.path / "usage.jsonl").write_bytes(b"\x00\xff" * 1000)


SCENARIOS: dict[str, Callable[[GitRepo], None]] = {
    "pass": lambda repo: None,
    "block": _blocking,
    "unstaged": _unstaged_only,
    "bad-config": _bad_config,
    "unparsable": _unparsable,
    "missing-baseline": _missing_baseline,
    "garbage-baseline": _garbage_baseline,
}
COMMANDS: dict[str, list[str]] = {
    "check": ["check"],
    "check-json": ["check", "--format", "json"],
    "check-markdown": ["check", "--format", "markdown"],
    "check-range": ["check", "--from-ref", "HEAD", "--to-ref", "HEAD"],
    "check-files": ["check", "config/llm.yaml", "prompts/summarize.txt"],
    "explain": ["explain"],
    "guard-msg": ["guard-msg", "{msg}"],
    "hook-pre-commit": ["hook", "pre-commit"],
    "hook-commit-msg": ["hook", "commit-msg", "{msg}"],
    "uninstall-hook": ["uninstall-hook"],
}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_commands_leave_tree_and_index_alone(
    app: GitRepo, capsys: pytest.CaptureFixture[str], command: str, scenario: str
) -> None:
    SCENARIOS[scenario](app)
    msg = app.path / ".git" / "COMMIT_EDITMSG"
    msg.write_text("Use gpt-4o\n\nCost-Approved: reviewed\n")
    guard = TreeGuard(app)
    code = main([a.format(msg=msg) for a in COMMANDS[command]])
    err = capsys.readouterr().err
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    guard.check()


@pytest.mark.parametrize("command", ["check", "explain", "guard-msg"])
def test_internal_errors_leave_tree_and_index_alone(
    app: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    swap_model(app)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("aiopt_hooks.baseline.read.summarize_baseline", boom)
    monkeypatch.setattr("aiopt_hooks.onboard.explain.explain", boom)
    guard = TreeGuard(app)
    msg = app.path / ".git" / "COMMIT_EDITMSG"
    msg.write_text("x\n")
    assert main([command, str(msg)] if command == "guard-msg" else [command]) == 3
    assert "internal error" in capsys.readouterr().err
    guard.check()


def test_the_temporary_index_of_git_commit_a_is_left_alone(app: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    swap_model(app, stage=False)
    temp_index = app.path / ".git" / "next-index"
    temp_index.write_bytes((app.path / ".git" / "index").read_bytes())
    app.git("add", "config/llm.yaml", env={"GIT_INDEX_FILE": str(temp_index)})
    before = temp_index.read_bytes()
    monkeypatch.setenv("GIT_INDEX_FILE", str(temp_index))
    guard = TreeGuard(app)
    assert main(["check"]) == 1
    guard.check()
    assert temp_index.read_bytes() == before


def test_pre_push_hook_leaves_tree_and_index_alone(app: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    base = app.git("rev-parse", "HEAD").strip()
    swap_model(app)
    app.commit("swap")
    head = app.git("rev-parse", "HEAD").strip()
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(f"refs/heads/main {head} refs/heads/main {base}\n"))
    guard = TreeGuard(app)
    assert main(["hook", "pre-push", "origin", "file:///nowhere"]) == 1
    guard.check()


# -- Ctrl-C ------------------------------------------------------------------------------------


def _reading(pid: int, log: Path, timeout: float = 20) -> bool:
    """True once the process has the log open (mid-read), on Linux; else after a pause."""
    fds = Path(f"/proc/{pid}/fd")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not fds.is_dir():
            time.sleep(1.0)
            return True
        try:
            if any(os.readlink(fd) == str(log) for fd in fds.iterdir()):
                return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def test_ctrl_c_mid_run_exits_130_and_leaves_nothing_behind(app: GitRepo) -> None:
    log = write_openai_log(app.path / "big.jsonl", 400_000)
    set_config(app, "path: usage.jsonl", "path: big.jsonl")
    swap_model(app)
    guard = TreeGuard(app)
    proc = start_aiopt(app.path, "check")
    assert _reading(proc.pid, log.resolve()), "the check never started reading the log"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "aiopt: interrupted" and "Traceback" not in err
    assert not any(name.startswith("summary-") for name in cache_files(app)), "a partial summary was cached"
    guard.check()


def test_ctrl_c_during_a_cache_write_removes_the_temp_file(
    app: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    swap_model(app)
    real_replace = os.replace

    def interrupted(src: Any, dst: Any) -> None:
        if "summary-" in str(dst):
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", interrupted)
    guard = TreeGuard(app)
    assert main(["check"]) == 130
    assert "interrupted" in capsys.readouterr().err
    guard.check()
    assert not any(name.startswith(("summary-", ".summary-")) for name in cache_files(app))


# -- concurrency, stale files and locks --------------------------------------------------------


def test_concurrent_checks_never_corrupt_the_cache(app: GitRepo) -> None:
    """Four checks at once on a cold cache (four terminals): same verdict, sound cache, no temp files."""
    write_openai_log(app.path / "usage2.jsonl", 60_000)
    (app.path / ".aiopt.yaml").write_text(
        (app.path / ".aiopt.yaml").read_text().replace("path: usage.jsonl", "path: [usage.jsonl, usage2.jsonl]")
    )
    swap_model(app)
    guard = TreeGuard(app)
    procs = [start_aiopt(app.path, "check", "--format", "json") for _ in range(4)]
    results = [(p.wait(timeout=120), json.loads(p.stdout.read() if p.stdout else "")) for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert {code for code, _ in results} == {1}
    for _, data in results:
        for key in data:
            assert data[key] == results[0][1][key], key
    guard.check()
    assert sum(name.startswith("summary-") for name in cache_files(app)) == 2
    assert run_aiopt(app.path, "check", "--format", "json").json() == results[0][1]


def test_a_worktree_and_its_main_checkout_check_at_the_same_time(app: GitRepo, tmp_path: Path) -> None:
    app.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "other")
    worktree = GitRepo.__new__(GitRepo)
    worktree.path = tmp_path / "wt"
    (worktree.path / "usage.jsonl").write_bytes((app.path / "usage.jsonl").read_bytes())
    swap_model(app)
    swap_model(worktree, "gpt-4.1-nano")
    guards = [TreeGuard(app), TreeGuard(worktree)]
    procs = [start_aiopt(repo.path, "check", "--format", "json") for repo in (app, worktree)]
    outs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert [o["verdict"] for o in outs] == ["block", "pass"]
    assert outs[0]["changes"][0]["new"] == "gpt-4o" and outs[1]["changes"][0]["new"] == "gpt-4.1-nano"
    for guard in guards:
        guard.check()


def test_stale_temp_files_of_a_killed_check_are_swept(app: GitRepo) -> None:
    cache = app.path / ".git" / "aiopt"
    cache.mkdir(parents=True)
    stale, live = cache / ".summary-0123.4242-abcd.tmp", cache / ".summary-4567.4343-beef.tmp"
    for path in (stale, live):
        path.write_text('{"half a')
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    swap_model(app)
    assert main(["check"]) == 1
    assert not stale.exists(), "a dead writer's temp file was left behind"
    assert live.exists(), "a temp file that may belong to a running check was removed"


def test_a_stale_git_index_lock_does_not_stop_the_check(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """git's own lock, left by a crashed git: the check reads the index without it, and leaves it alone."""
    swap_model(app)
    lock = app.path / ".git" / "index.lock"
    lock.write_bytes(b"")
    assert main(["check"]) == 1, capsys.readouterr().err
    assert lock.exists()


def test_cache_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new content goes to a private temp file beside the target, then one rename: the target is
    never open for writing, so a reader sees the old file or the new one, never a mix."""
    target = tmp_path / "aiopt" / "summary-x.json"
    target.parent.mkdir()
    target.write_bytes(b"old")
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        assert Path(dst).read_bytes() == b"old", "the target was written in place"
        assert Path(src).parent == Path(dst).parent and Path(src).read_bytes() == b"new"
        renames.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    write_atomic(target, b"new")
    assert len(renames) == 1 and target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["summary-x.json"]


def test_concurrent_writers_never_show_a_reader_half_a_file(tmp_path: Path) -> None:
    import threading

    target = tmp_path / "summary-x.json"
    payloads = [json.dumps({"writer": w, "cells": list(range(60_000))}).encode() for w in range(4)]
    write_atomic(target, payloads[0])
    stop, seen, errors = threading.Event(), set(), []

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.add(json.loads(target.read_bytes())["writer"])
            except ValueError as exc:
                errors.append(exc)

    def writer(w: int) -> None:
        for _ in range(25):
            write_atomic(target, payloads[w])

    threads = [threading.Thread(target=reader)] + [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads[1:]:
        thread.join()
    stop.set()
    threads[0].join()
    assert errors == [], f"a reader saw a partial file {len(errors)} times"
    assert [p.name for p in tmp_path.iterdir()] == ["summary-x.json"]
