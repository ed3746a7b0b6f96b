"""Where a check runs (pre-commit, commit-msg, pre-push, CI, or a person's `aiopt check`), and what the
`aiopt-guard` hook checks when nothing is staged outside a commit (a CI job, `pre-commit run --all-files`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiopt_hooks.context import CheckOptions, RepoContext
    from aiopt_hooks.records import Stage

# Commits and pushes made by a git hook: their stage comes from the hook, not from the environment.
HOOK_STAGES = {
    "pre-commit": "pre-commit",
    "pre-merge-commit": "pre-commit",
    "commit-msg": "commit-msg",
    "pre-push": "pre-push",
}


def stage_of(options: CheckOptions, hook_type: str | None, guard: bool, env: Mapping[str, str]) -> Stage:
    """The stage a check runs at, from how it was started and the environment git, pre-commit or CI give it."""
    from aiopt_hooks.records import Stage

    framework = env.get("PRE_COMMIT") == "1"
    refs = (options.from_ref, options.to_ref)
    if options.message_file:
        return Stage("commit-msg", framework)
    if hook_type in HOOK_STAGES:
        return Stage(HOOK_STAGES[hook_type], framework, *refs)
    if options.from_ref or options.to_ref:
        if guard and framework and env.get("PRE_COMMIT_REMOTE_NAME"):  # a push, even inside a CI job
            return Stage("pre-push", True, *refs)
        from aiopt_hooks.repo.ci import in_ci  # a range only: a commit's check does not need it

        if in_ci(env):
            return Stage("ci", framework, *refs)
        if guard and framework:  # the framework's pre-push (PRE_COMMIT_FROM_REF / _TO_REF)
            return Stage("pre-push", True, *refs)
        return Stage("command", False, *refs)
    if guard and (framework or env.get("GIT_INDEX_FILE")):
        return Stage("pre-commit", framework)
    return Stage("command")


def in_a_commit(env: Mapping[str, str]) -> bool:
    """git gives its commit hooks GIT_INDEX_FILE; `pre-commit run` and a CI job have none."""
    return bool(env.get("GIT_INDEX_FILE"))


def guard_range(options: CheckOptions, ctx: RepoContext, env: Mapping[str, str]) -> CheckOptions:
    """The options of the hook's check: the staged change, or, when nothing is staged outside a commit, the
    range `aiopt_hooks.repo.ci` finds (said in one line on stderr)."""
    from aiopt_hooks.repo.git import list_staged_changes

    if options.from_ref or options.to_ref or options.message_file or in_a_commit(env) or ctx.head is None:
        return options
    if list_staged_changes(ctx.root, ctx.head):
        return options
    from aiopt_hooks.repo.ci import unstaged_range

    found = unstaged_range(ctx.root, ctx.head, env)
    if found is None:
        print("aiopt-guard: nothing staged, and HEAD is the first commit: nothing to compare it with", file=sys.stderr)
        return options
    print(f"aiopt-guard: {found.note}", file=sys.stderr)
    return options._replace(from_ref=found.from_ref, to_ref=found.to_ref)
