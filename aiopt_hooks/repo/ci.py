"""What the hook checks when nothing is staged and no commit is being made (`pre-commit run --all-files`,
a CI job): a pull request's range from the CI service's variables, else the pushed commits, else the
branch against the remote's default branch, else the last commit; each said in one line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.errors import AioptError
from aiopt_hooks.repo.git import NULL_SHA, merge_base, remote_default_branch, resolve_ref, root_commit

# (variable naming the pull request's target branch, the condition variable and value, if any), first match wins.
PULL_REQUEST_VARS: tuple[tuple[str, str, str], ...] = (
    ("AIOPT_BASE_REF", "", ""),  # set by hand: any service
    ("GITHUB_BASE_REF", "", ""),  # GitHub Actions (and Gitea/Forgejo) pull_request
    ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "", ""),  # GitLab CI merge request pipelines
    ("BITBUCKET_PR_DESTINATION_BRANCH", "", ""),  # Bitbucket Pipelines
    ("SYSTEM_PULLREQUEST_TARGETBRANCH", "", ""),  # Azure Pipelines (refs/heads/main)
    ("CHANGE_TARGET", "", ""),  # Jenkins multibranch pull requests
    ("BUILDKITE_PULL_REQUEST_BASE_BRANCH", "", ""),  # Buildkite
    ("CI_COMMIT_TARGET_BRANCH", "CI_PIPELINE_EVENT", "pull_request"),  # Woodpecker
    ("DRONE_TARGET_BRANCH", "DRONE_BUILD_EVENT", "pull_request"),  # Drone
    ("TRAVIS_BRANCH", "TRAVIS_EVENT_TYPE", "pull_request"),  # Travis CI
)
CI_MARKERS = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "JENKINS_URL",
    "TF_BUILD",
    "BITBUCKET_BUILD_NUMBER",
    "TRAVIS",
    "DRONE",
    "CIRCLECI",
    "WOODPECKER",
)
HOW_TO_RANGE = "`aiopt check --from-ref <base> --to-ref HEAD` (or AIOPT_BASE_REF=<base>) checks a range"


class AutoRange(NamedTuple):
    from_ref: str
    to_ref: str
    note: str  # the one line that says what was checked
    ci: bool  # a CI job (the advice is the pull request's)


def in_ci(env: Mapping[str, str]) -> bool:
    return any(env.get(name, "").strip().lower() not in ("", "0", "false") for name in CI_MARKERS)


def pull_request_base(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(target branch, the variable that named it) in a pull-request job, else None."""
    for name, condition, value in PULL_REQUEST_VARS:
        branch = env.get(name, "").strip()
        if branch and (not condition or env.get(condition, "").strip() == value):
            return branch.removeprefix("refs/heads/"), name
    return None


def _base_ref(root: Path, branch: str) -> str | None:
    """The target branch as this clone knows it: the remote-tracking ref first (CI clones have no local one)."""
    for ref in (f"refs/remotes/origin/{branch}", f"refs/remotes/{branch}", f"refs/heads/{branch}", branch):
        if resolve_ref(root, ref):
            return ref.removeprefix("refs/remotes/").removeprefix("refs/heads/")
    return None


def _pushed_from(root: Path, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(the tip before a CI push event, its source), when the service names it and it is in the clone."""
    before = env.get("CI_COMMIT_BEFORE_SHA", "").strip()
    source = "CI_COMMIT_BEFORE_SHA"
    event_path = env.get("GITHUB_EVENT_PATH", "")
    if not before and env.get("GITHUB_EVENT_NAME") == "push" and event_path:
        try:
            before = str(json.loads(Path(event_path).read_text(encoding="utf-8")).get("before") or "")
        except (OSError, ValueError, AttributeError):
            before = ""
        source = "the push event's `before`"
    if before and before != NULL_SHA and resolve_ref(root, before):
        return before, source
    return None


def unstaged_range(root: Path, head: str, env: Mapping[str, str]) -> AutoRange | None:
    """The range to check when nothing is staged; None when there is none (a single root commit)."""
    ci = in_ci(env)
    found = pull_request_base(env)
    if found:
        branch, var = found
        base = _base_ref(root, branch)
        if base is None:
            raise AioptError(
                f"the pull request's target branch {branch!r} ({var}) is not in this clone, so its range "
                "cannot be checked",
                hint=f"fetch it first: `git fetch origin {branch}` (GitHub: actions/checkout with "
                'fetch-depth: 0; GitLab: GIT_DEPTH: "0")',
            )
        return AutoRange(
            base,
            "HEAD",
            f"nothing staged: checking the pull request, from its merge base with {base} ({var}={branch}) to HEAD",
            True,
        )
    pushed = _pushed_from(root, env) if ci else None
    if pushed:
        return AutoRange(
            pushed[0],
            "HEAD",
            f"nothing staged: checking the pushed commits {pushed[0][:12]}..HEAD (from {pushed[1]}); {HOW_TO_RANGE}",
            True,
        )
    default = remote_default_branch(root, "origin")
    if default and resolve_ref(root, default) and _ahead(root, default, head):
        return AutoRange(
            default,
            "HEAD",
            f"nothing staged: checking this branch against {default} (from their merge base); {HOW_TO_RANGE}",
            ci,
        )
    parent = resolve_ref(root, f"{head}^")
    if parent:
        return AutoRange(parent, head, f"nothing staged: checking the last commit (HEAD~1..HEAD); {HOW_TO_RANGE}", ci)
    return None


def _ahead(root: Path, base: str, head: str) -> bool:
    """Whether `head` has commits `base` lacks (else the branch range is empty)."""
    return merge_base(root, base, head) != head and root_commit(root, head) is not None
