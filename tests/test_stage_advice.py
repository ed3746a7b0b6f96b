"""Advice per stage (render/advice.py), and the hook with nothing staged outside a commit (repo/ci.py).

Each blocked message is produced by the real `pre-commit` client at its stage (pre-commit, commit-msg,
pre-push, a CI job's `pre-commit run --all-files`), and the override it names is then run as written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiopt_hooks.records import Result, Stage, Verdict
from aiopt_hooks.render.advice import blocked_advice
from aiopt_hooks.repo.ci import pull_request_base
from tests.support.repos import ROOT, GitRepo, edit, swap_model
from tests.support.workflow import git

BIN = str(Path(sys.executable).parent)
needs_pre_commit = pytest.mark.skipif(shutil.which("pre-commit", path=BIN) is None, reason="pre-commit missing")
SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    "stage, present, absent",
    [
        pytest.param(
            Stage("pre-commit", True),
            ["aiopt approve --reason", "SKIP=aiopt-guard git commit", "pipx install"],
            ["AIOPT_SKIP", "Cost-Approved", "--from-ref", "git push"],
            id="pre-commit-framework",
        ),
        pytest.param(
            Stage("pre-commit", False),
            ["aiopt approve --reason", "AIOPT_SKIP=1 git commit"],
            ["SKIP=aiopt-guard", "pipx"],
            id="pre-commit-plain-hook",
        ),
        pytest.param(
            Stage("commit-msg", True),
            ["Cost-Approved: why it is worth it", "SKIP=aiopt-guard-msg git commit"],
            ["AIOPT_SKIP", "SKIP=aiopt-guard git", "git push"],
            id="commit-msg",
        ),
        pytest.param(
            Stage("pre-push", True, SHA, "feature"),
            [
                f"aiopt approve --from-ref {SHA[:12]} --to-ref feature --reason",
                "SKIP=aiopt-guard git push",
                "git push --no-verify",
            ],
            ["git commit ...", "AIOPT_SKIP"],
            id="pre-push-framework",
        ),
        pytest.param(
            Stage("pre-push", False, "origin/main", SHA),
            ["--from-ref origin/main --to-ref 0123456789ab", "AIOPT_SKIP=1 git push"],
            ["SKIP=aiopt-guard"],
            id="pre-push-plain-hook",
        ),
        pytest.param(
            Stage("ci", False, "origin/main", "HEAD"),
            ["aiopt approve --from-ref origin/main --to-ref HEAD", "commit .aiopt/approvals.yaml to the branch"],
            ["SKIP=", "AIOPT_SKIP", "git commit ..."],
            id="ci",
        ),
        pytest.param(
            Stage(),
            ["aiopt approve --reason", "SKIP=aiopt-guard git commit", "AIOPT_SKIP=1 git commit"],
            ["--from-ref"],
            id="command",
        ),
    ],
)
def test_blocked_advice_names_the_override_of_its_stage(stage: Stage, present: list[str], absent: list[str]) -> None:
    text = "\n".join(blocked_advice(Result(Verdict("block", 1), stage=stage)))
    for needle in present:
        assert needle in text, text
    for needle in absent:
        assert needle not in text, text


@pytest.mark.parametrize(
    "env, expected",
    [
        pytest.param({"GITHUB_BASE_REF": "main"}, ("main", "GITHUB_BASE_REF"), id="github"),
        pytest.param(
            {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "develop"},
            ("develop", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
            id="gitlab",
        ),
        pytest.param(
            {"SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main"},
            ("main", "SYSTEM_PULLREQUEST_TARGETBRANCH"),
            id="azure",
        ),
        pytest.param(
            {"BITBUCKET_PR_DESTINATION_BRANCH": "main"}, ("main", "BITBUCKET_PR_DESTINATION_BRANCH"), id="bitbucket"
        ),
        pytest.param({"CHANGE_TARGET": "main"}, ("main", "CHANGE_TARGET"), id="jenkins"),
        pytest.param(
            {"BUILDKITE_PULL_REQUEST_BASE_BRANCH": "main"},
            ("main", "BUILDKITE_PULL_REQUEST_BASE_BRANCH"),
            id="buildkite",
        ),
        pytest.param(
            {"TRAVIS_BRANCH": "main", "TRAVIS_EVENT_TYPE": "pull_request"}, ("main", "TRAVIS_BRANCH"), id="travis"
        ),
        pytest.param({"TRAVIS_BRANCH": "main", "TRAVIS_EVENT_TYPE": "push"}, None, id="travis-push"),
        pytest.param({"DRONE_TARGET_BRANCH": "main", "DRONE_BUILD_EVENT": "push"}, None, id="drone-push"),
        pytest.param(
            {"AIOPT_BASE_REF": "release", "GITHUB_BASE_REF": "main"}, ("release", "AIOPT_BASE_REF"), id="explicit-first"
        ),
        pytest.param({"GITHUB_BASE_REF": ""}, None, id="github-push-job"),
    ],
)
def test_pull_request_base(env: dict[str, str], expected: tuple[str, str] | None) -> None:
    assert pull_request_base(env) == expected


# -- the real pre-commit client at each stage ----------------------------------------------------------------


def _hooks(**stages: list[str]) -> str:
    manifest = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hooks = [
        {**manifest[hook_id.replace("_", "-")], "language": "system", "stages": value}
        for hook_id, value in stages.items()
    ]
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": BIN + os.pathsep + os.environ["PATH"],
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "COLUMNS": "100",
        **extra,
    }


def _install(app: GitRepo, tmp_path: Path, config: str, *types: str) -> dict[str, str]:
    app.write(".pre-commit-config.yaml", config)
    app.stage()
    app.commit("hooks")
    env = _env(tmp_path)
    args = [a for t in types for a in ("--hook-type", t)]
    done = subprocess.run(
        [f"{BIN}/pre-commit", "install", *args], cwd=app.path, capture_output=True, text=True, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr
    return env


def _out(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


@needs_pre_commit
def test_pre_commit_stage(app: GitRepo, tmp_path: Path, run: Any) -> None:
    env = _install(app, tmp_path, _hooks(aiopt_guard=["pre-commit"]), "pre-commit")
    swap_model(app)
    blocked = git(app.path, "commit", "-q", "-m", "Use gpt-4o", env=env)
    out = _out(blocked)
    assert blocked.returncode != 0 and "BLOCKED" in out
    assert "SKIP=aiopt-guard git commit" in out and 'aiopt approve --reason "why it is worth it"' in out
    assert "AIOPT_SKIP" not in out and "Cost-Approved" not in out and "--from-ref" not in out
    assert out.count("over policy.block.monthly_increase_usd") == 1

    assert run("approve", "--reason", "reviewed").code == 0  # the line it names, as written
    assert git(app.path, "commit", "-q", "-m", "Use gpt-4o", env=env).returncode == 0


@needs_pre_commit
def test_pre_commit_stage_skip(app: GitRepo, tmp_path: Path) -> None:
    env = _install(app, tmp_path, _hooks(aiopt_guard=["pre-commit"]), "pre-commit")
    swap_model(app)
    skipped = git(app.path, "commit", "-q", "-m", "Use gpt-4o", env={**env, "SKIP": "aiopt-guard"})
    assert skipped.returncode == 0, _out(skipped)


@needs_pre_commit
def test_a_no_op_commit_adds_nothing_to_pre_commit_s_own_lines(app: GitRepo, tmp_path: Path) -> None:
    env = _install(
        app, tmp_path, _hooks(aiopt_guard=["pre-commit"], aiopt_guard_msg=["commit-msg"]), "pre-commit", "commit-msg"
    )
    edit(app, "README.md", "#", "# Notes\n\n#")
    done = git(app.path, "commit", "-m", "docs", env=env)
    assert done.returncode == 0, _out(done)
    own = re.compile(
        r"^(aiopt guard .*(Passed|Skipped)|- hook id: aiopt-guard(-msg)?|- duration: [\d.]+s|"
        r"\[main [0-9a-f]+\] docs| 1 file changed.*)$"
    )
    lines = [line for line in _out(done).splitlines() if line.strip()]
    assert lines and all(own.match(line) for line in lines), lines


@needs_pre_commit
def test_commit_msg_stage(app: GitRepo, tmp_path: Path) -> None:
    env = _install(app, tmp_path, _hooks(aiopt_guard_msg=["commit-msg"]), "commit-msg")
    swap_model(app)
    blocked = git(app.path, "commit", "-q", "-m", "Use gpt-4o", env=env)
    out = _out(blocked)
    assert blocked.returncode != 0 and "BLOCKED" in out
    assert 'git commit -m "..." -m "Cost-Approved: why it is worth it"' in out
    assert "SKIP=aiopt-guard-msg git commit" in out and "AIOPT_SKIP" not in out and "git push" not in out
    skipped = git(app.path, "commit", "-q", "-m", "Use gpt-4o", env={**env, "SKIP": "aiopt-guard-msg"})
    assert skipped.returncode == 0, _out(skipped)
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 8192")
    approved = git(app.path, "commit", "-q", "-m", "Longer", "-m", "Cost-Approved: why it is worth it", env=env)
    assert approved.returncode == 0, _out(approved)


@pytest.fixture
def origin(app: GitRepo, tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    app.git("remote", "add", "origin", str(bare))
    return bare


@needs_pre_commit
def test_pre_push_stage_names_the_pushed_range(app: GitRepo, tmp_path: Path, origin: Path) -> None:
    env = _install(app, tmp_path, _hooks(aiopt_guard=["pre-push"]), "pre-push")
    assert git(app.path, "push", "-q", "origin", "main", env=env).returncode == 0
    pushed = app.git("rev-parse", "HEAD").strip()
    swap_model(app)
    app.commit("Use gpt-4o (hooks bypassed)")
    blocked = git(app.path, "push", "-q", "origin", "main", env=env)
    out = _out(blocked)
    assert blocked.returncode != 0 and "BLOCKED" in out
    local = app.git("rev-parse", "HEAD").strip()
    line = f'aiopt approve --from-ref {pushed[:12]} --to-ref {local[:12]} --reason "why it is worth it"'
    assert line in out, out
    assert "SKIP=aiopt-guard git push" in out and "git push --no-verify" in out
    assert "git commit ..." not in out and "nothing to approve" not in out

    approve = subprocess.run(
        [f"{BIN}/aiopt", *line.split(" --reason ")[0].split()[1:], "--reason", "reviewed"],
        cwd=app.path,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert approve.returncode == 0, _out(approve)  # the refs it names work as written
    app.commit("Approve the LLM cost change")
    again = git(app.path, "push", "-q", "origin", "main", env=env)
    assert again.returncode == 0 and "APPROVED" in _out(again), _out(again)


@needs_pre_commit
def test_pre_push_skip(app: GitRepo, tmp_path: Path, origin: Path) -> None:
    env = _install(app, tmp_path, _hooks(aiopt_guard=["pre-push"]), "pre-push")
    assert git(app.path, "push", "-q", "origin", "main", env=env).returncode == 0
    swap_model(app)
    app.commit("Use gpt-4o (hooks bypassed)")
    assert git(app.path, "push", "-q", "origin", "main", env=env).returncode != 0
    assert git(app.path, "push", "-q", "origin", "main", env={**env, "SKIP": "aiopt-guard"}).returncode == 0


# -- nothing staged, outside a commit: `pre-commit run --all-files` locally and in CI ---------------------


@pytest.fixture
def pull_request(app: GitRepo, origin: Path, tmp_path: Path) -> Path:
    """A CI clone checked out at a pull-request branch that swaps the model (nothing staged)."""
    app.write(".pre-commit-config.yaml", _hooks(aiopt_guard=["pre-commit", "pre-push", "manual"]))
    app.stage()
    app.commit("hooks")
    app.git("push", "-q", "origin", "main")
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    app.commit("Use gpt-4o")
    app.git("push", "-q", "origin", "feature")
    clone = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(origin), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=clone, check=True)
    return clone


def _all_files(repo: Path, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI", "GITLAB", "AIOPT_"))}
    env.pop("GIT_INDEX_FILE", None)
    return subprocess.run(
        [f"{BIN}/pre-commit", "run", "--all-files", "aiopt-guard"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**env, **_env(tmp_path), **extra},
    )


@needs_pre_commit
@pytest.mark.parametrize(
    "ci_env",
    [
        pytest.param({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "main"}, id="github-actions"),
        pytest.param({"CI": "true", "GITLAB_CI": "true", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}, id="gitlab"),
    ],
)
def test_pre_commit_all_files_in_a_pull_request_job(pull_request: Path, tmp_path: Path, ci_env: dict[str, str]) -> None:
    proc = _all_files(pull_request, tmp_path, **ci_env)
    out = _out(proc)
    assert proc.returncode == 1, out
    var = next(k for k in ci_env if k.endswith(("BASE_REF", "BRANCH_NAME")))
    assert f"nothing staged: checking the pull request, from its merge base with origin/main ({var}=main)" in out
    assert "model: gpt-4o-mini -> gpt-4o" in out
    assert "aiopt approve --from-ref origin/main --to-ref HEAD" in out and "SKIP=" not in out
    assert "0 files checked" not in out


@needs_pre_commit
def test_pre_commit_all_files_without_ci_checks_the_branch(pull_request: Path, tmp_path: Path) -> None:
    proc = _all_files(pull_request, tmp_path)  # the clone knows origin/HEAD = origin/main
    out = _out(proc)
    assert proc.returncode == 1, out
    assert "nothing staged: checking this branch against origin/main (from their merge base)" in out
    assert "aiopt check --from-ref <base> --to-ref HEAD" in out


@needs_pre_commit
def test_pre_commit_all_files_without_a_remote_checks_the_last_commit(app: GitRepo, tmp_path: Path) -> None:
    app.write(".pre-commit-config.yaml", _hooks(aiopt_guard=["pre-commit", "manual"]))
    swap_model(app)
    app.commit("Use gpt-4o")
    proc = _all_files(app.path, tmp_path)
    assert proc.returncode == 1 and "nothing staged: checking the last commit (HEAD~1..HEAD)" in _out(proc)


def test_a_pull_request_base_missing_from_the_clone_is_an_error(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiopt_hooks import cli

    monkeypatch.setenv("GITHUB_BASE_REF", "release-9")
    result = run(entry=cli.guard_main)
    assert result.code == 2
    assert "the pull request's target branch 'release-9' (GITHUB_BASE_REF) is not in this clone" in result.err
    assert "git fetch origin release-9" in result.err


def test_a_commit_in_progress_checks_only_the_staged_change(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiopt_hooks import cli

    swap_model(app)
    app.commit("Use gpt-4o")
    monkeypatch.setenv("GIT_INDEX_FILE", str(app.path / ".git" / "index"))
    result = run(entry=cli.guard_main)
    assert result.code == 0 and result.out == "" and "nothing staged" not in result.err


@pytest.mark.parametrize(
    "stage",
    [
        Stage("pre-commit", True),
        Stage("commit-msg", True),
        Stage("pre-push", True, SHA, "HEAD"),
        Stage("ci", False, "origin/main", "HEAD"),
    ],
)
def test_a_blocking_finding_is_never_offered_an_approval(stage: Stage) -> None:
    from aiopt_hooks.records import Finding

    finding = Finding("block", "unknown_model", "summarize: unknown model 'gpt-9'", "config/llm.yaml", 4)
    text = "\n".join(blocked_advice(Result(Verdict("block", 1), findings=[finding], stage=stage)))
    assert "aiopt approve" not in text and "Cost-Approved" not in text, text
    assert text.startswith("A blocking finding above is not a cost an approval can accept")
