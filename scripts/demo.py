"""Demo of aiopt-hooks on the sample LLM app: a model swap is blocked, then overridden.

Run from the repository root: ``python scripts/demo.py [--keep] [--no-commit]``.

It copies ``sample_repo/`` into a fresh temporary git repository, points its
``.pre-commit-config.yaml`` at this repository's HEAD commit, installs the hook with
pre-commit, swaps the ``summarize`` feature from gpt-4o-mini to gpt-4o and commits:
the ``aiopt-guard`` hook must block that commit (hook exit code 1, the skip instruction
printed). Then it commits again with ``SKIP=aiopt-guard``, which must pass. The script
exits 0 only when both happen, so it doubles as an end-to-end check; 1 when they do not;
2 when the demo cannot be set up.

pre-commit installs the hook from this repository's last commit (HEAD), not from the work
tree. Its cache goes to a folder inside the temporary directory unless PRE_COMMIT_HOME is
set, so a run builds the hook's environment from scratch (pip needs the package index).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_repo"
HOOK_ID = "aiopt-guard"
SWAP_FROM, SWAP_TO = "model: gpt-4o-mini", "model: gpt-4o"
MESSAGE = "Use gpt-4o for summaries"


class DemoError(Exception):
    """The demo could not be set up (not a failed check)."""


def clean_env() -> dict[str, str]:
    """The environment without variables that would redirect git or skip the hook."""
    drop = ("SKIP", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
    return {k: v for k, v in os.environ.items() if k not in drop}


def git(cwd: Path, *args: str) -> str:
    """Run a git command quietly; return its stdout, or raise DemoError with its stderr."""
    proc = subprocess.run(["git", *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DemoError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr.strip()}")
    return proc.stdout.strip()


def shown(cmd: list[str], cwd: Path, env: dict[str, str], label: str = "") -> tuple[int, str]:
    """Run a command, echoing it and its combined output live; return (exit code, output)."""
    print(f"$ {label or ' '.join(cmd)}", flush=True)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        print(f"    {line}", end="", flush=True)
        lines.append(line)
    code = proc.wait()
    print(f"(exit code {code})\n")
    return code, "".join(lines)


def heading(text: str) -> None:
    print(f"\n{text}\n{'=' * len(text)}\n")


def setup(repo: Path, env: dict[str, str]) -> None:
    """Create the sample app's repository at ``repo`` with the hook installed."""
    try:
        rev = git(ROOT, "rev-parse", "--verify", "HEAD")
    except DemoError:
        raise DemoError(f"{ROOT} has no commit yet: pre-commit installs the hook from a commit") from None
    shutil.copytree(SAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    config = repo / ".pre-commit-config.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("__AIOPT_REPO__", json.dumps(ROOT.as_posix()))  # a quoted YAML scalar
    config.write_text(text.replace("__AIOPT_REV__", rev), encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    for key, value in [("user.name", "AIOpt Demo"), ("user.email", "demo@example.com"), ("commit.gpgsign", "false")]:
        git(repo, "config", key, value)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "Initial commit: sample LLM app")
    print(f"Sample app repository: {repo}")
    print(f"Hook source: {ROOT} at {rev[:12]}")
    code, _ = shown([sys.executable, "-m", "pre_commit", "install"], repo, env, label="pre-commit install")
    if code != 0:
        raise DemoError("pre-commit install failed (is pre-commit installed? pip install pre-commit)")


def swap_model(repo: Path) -> None:
    path = repo / "config" / "llm.yaml"
    text = path.read_text(encoding="utf-8")
    if text.count(SWAP_FROM) != 1:
        raise DemoError(f"{path}: expected exactly one '{SWAP_FROM}' line")
    path.write_text(text.replace(SWAP_FROM, SWAP_TO), encoding="utf-8")
    git(repo, "add", "config/llm.yaml")
    print("$ git diff --cached")
    print("    " + git(repo, "diff", "--cached").replace("\n", "\n    ") + "\n")


def blocked_problems(code: int, out: str) -> list[str]:
    """Why a commit's output does not show a policy block by the guard (empty: it does)."""
    problems = []
    if code == 0:
        problems.append("the commit went through")
    if f"- hook id: {HOOK_ID}" not in out or "- exit code: 1" not in out:
        problems.append(f"{HOOK_ID} did not fail with exit code 1 (blocked by policy)")
    if "Traceback" in out:
        problems.append("the hook printed a traceback")
    if f"SKIP={HOOK_ID}" not in out:
        problems.append(f"the blocking message does not say how to skip (SKIP={HOOK_ID})")
    return problems


def run(tmp: Path, no_commit: bool) -> int:
    if not (SAMPLE / "usage.jsonl").is_file():
        raise DemoError("sample_repo/usage.jsonl is missing: run python sample_repo/generate_usage.py")
    env = clean_env()
    env.setdefault("PRE_COMMIT_HOME", str(tmp / "pre-commit-cache"))
    repo = tmp / "llm-app"
    setup(repo, env)
    if no_commit:
        print("--no-commit: stopping before the guarded commits.")
        return 0

    heading("1. A model swap is committed — the guard blocks it")
    swap_model(repo)
    code, out = shown(["git", "commit", "-m", MESSAGE], repo, env, label=f'git commit -m "{MESSAGE}"')
    failures = [f"step 1: {p}" for p in blocked_problems(code, out)]

    heading(f"2. The documented override: SKIP={HOOK_ID}")
    skip_message = f"{MESSAGE} (cost reviewed)"
    code, _ = shown(
        ["git", "commit", "-m", skip_message],
        repo,
        {**env, "SKIP": HOOK_ID},
        label=f'SKIP={HOOK_ID} git commit -m "{skip_message}"',
    )
    if code != 0:
        failures.append(f"step 2: the commit with SKIP={HOOK_ID} did not pass")
    print("$ git log --oneline")
    print("    " + git(repo, "log", "--oneline").replace("\n", "\n    "))

    if failures:
        print("\nDemo FAILED:\n" + "\n".join(f"  - {f}" for f in failures))
        return 1
    print("\nDemo OK: the swap was blocked, and the override let it through.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--no-commit", action="store_true", help="stop after setting up the repository and installing the hook"
    )
    args = parser.parse_args(argv)

    try:
        if git(ROOT, "status", "--porcelain"):
            print(
                "warning: this repository has uncommitted changes; pre-commit installs the "
                "hook from the last commit (HEAD)."
            )
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="aiopt-demo-"))
    try:
        return run(tmp, args.no_commit)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"\nKept the temporary directory: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
