"""Which range a push adds: from git's pre-push input, or, on the first push of a branch, against
the remote's default branch when it is known here, else against the branch's root commit."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.repo.git import NULL_SHA, remote_default_branch, resolve_ref, root_commit


class PushRange(NamedTuple):
    from_ref: str
    to_ref: str
    note: str | None = None  # said to the user: which base a first push was compared with


def new_branch_range(root: Path, remote: str, to_ref: str) -> PushRange:
    default = remote_default_branch(root, remote)
    if default and resolve_ref(root, default):
        return PushRange(
            default,
            to_ref,
            f"first push of this branch: checking it against {default}, the default branch of {remote!r}",
        )
    first = root_commit(root, to_ref) or to_ref
    return PushRange(
        first,
        to_ref,
        f"first push of this branch, and the default branch of {remote!r} is not known "
        f"here: checking it against its root commit {first[:12]} (`git remote set-head "
        f"{remote} --auto` makes the default branch known)",
    )


def push_ranges(root: Path, remote: str, lines: list[str]) -> list[PushRange]:
    """One range per pushed ref (`<local ref> <local sha> <remote ref> <remote sha>`); deletions skipped."""
    ranges = []
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or parts[1] == NULL_SHA:
            continue
        local_sha, remote_sha = parts[1], parts[3]
        if remote_sha != NULL_SHA and resolve_ref(root, remote_sha):
            ranges.append(PushRange(remote_sha, local_sha))
        else:
            ranges.append(new_branch_range(root, remote, local_sha))
    return ranges
