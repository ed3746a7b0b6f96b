"""The only module that talks to git: which files changed, and their old and new bytes.

Listing changed paths is on every commit's hot path, so it is one plain `git` call; GitPython
is imported only when a watched file's content must be read.  Contents come from git objects
(the index the commit will use, honouring GIT_INDEX_FILE, or a ref), never the working tree.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, NamedTuple

from aiopt_hooks.errors import AioptError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40


class FileChange(NamedTuple):
    status: str            # A, M, D or R
    path: str              # the new path (the old one for D)
    old_path: str | None   # None when added
    old_sha: str | None    # blob ids; None for the missing side
    new_sha: str | None


def _git(root: Path | str, *args: str) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise AioptError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        raise AioptError(f"git {args[0]}: {message}")
    return proc.stdout


def repo_paths(cwd: str | Path = ".") -> tuple[Path, Path, str | None]:
    """(work tree root, per-worktree git dir, HEAD commit or None) in one call on the hot path."""
    if not Path(cwd).is_dir():
        raise AioptError("no such directory", file=str(cwd), hint="pass an existing repository to --repo")
    proc = subprocess.run(["git", "rev-parse", "--show-toplevel", "--absolute-git-dir", "HEAD"],
                          cwd=cwd, capture_output=True, text=True)
    out = proc.stdout.splitlines()
    if proc.returncode == 0 and len(out) == 3:
        return Path(out[0]), Path(out[1]), out[2]
    try:   # no commit yet (HEAD does not resolve), or not a repository at all
        out = _git(cwd, "rev-parse", "--show-toplevel", "--absolute-git-dir").splitlines()
    except (AioptError, OSError):
        raise AioptError("not inside a git repository (or a bare one)", file=str(cwd),
                         hint="run it from your repository, or pass --repo DIR") from None
    return Path(out[0]), Path(out[1]), None


def resolve_ref(root: Path, ref: str) -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                          cwd=root, capture_output=True, text=True)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _parse_raw(out: str) -> list[FileChange]:
    """Parse `git diff --raw -z` output (with -M, renames carry two paths)."""
    changes = []
    parts = out.split("\0")
    i = 0
    while i < len(parts) - 1:
        meta = parts[i].lstrip(":").split()
        if len(meta) < 5:
            break
        old_sha, new_sha, status = meta[2], meta[3], meta[4][0]
        old = None if old_sha == NULL_SHA else old_sha
        new = None if new_sha == NULL_SHA else new_sha
        if status in "RC":
            src, dst = parts[i + 1], parts[i + 2]
            i += 3
            changes.append(FileChange("R" if status == "R" else "A", dst, src if status == "R" else None,
                                      old if status == "R" else None, new))
            continue
        path = parts[i + 1]
        i += 2
        if status == "A":
            changes.append(FileChange("A", path, None, None, new))
        elif status == "D":
            changes.append(FileChange("D", path, path, old, None))
        elif status in "MT":
            changes.append(FileChange("M", path, path, old, new))
    return changes


def list_staged_changes(root: Path, head: str | None) -> list[FileChange]:
    """Changes the commit will record: the index (GIT_INDEX_FILE) against HEAD, or the empty tree."""
    out = _git(root, "diff-index", "--cached", "--raw", "-z", "-M", "--no-abbrev",
               "--no-ext-diff", head or EMPTY_TREE)
    return _parse_raw(out)


def merge_base(root: Path, from_ref: str, to_ref: str) -> str:
    for ref in (from_ref, to_ref):
        if resolve_ref(root, ref) is None:
            raise AioptError(f"unknown git ref {ref!r}", hint="fetch it first, or check the name")
    proc = subprocess.run(["git", "merge-base", from_ref, to_ref], cwd=root, capture_output=True,
                          text=True)
    # Unrelated histories have no merge base: compare against the old tip itself.
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else from_ref


def list_range_changes(root: Path, from_ref: str, to_ref: str) -> list[FileChange]:
    """Changes from the merge base of the two refs to `to_ref` (what a push or PR adds)."""
    base = merge_base(root, from_ref, to_ref)
    out = _git(root, "diff", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", base, to_ref)
    return _parse_raw(out)


def list_tree_files(root: Path, ref: str | None) -> dict[str, str]:
    """path -> blob id of every file in `ref`, or in the index when ref is None."""
    if ref is None:
        out = _git(root, "ls-files", "-s", "-z")
        entries = (line.split("\t", 1) for line in out.split("\0") if line)
        return {path: meta.split()[1] for meta, path in entries}
    out = _git(root, "ls-tree", "-r", "-z", "--full-tree", ref)
    entries = (line.split("\t", 1) for line in out.split("\0") if line)
    return {path: meta.split()[2] for meta, path in entries if meta.split()[1] == "blob"}


class BlobReader:
    """Reads blob contents through GitPython's object database (one long-lived git process)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._repo: Any = None

    def read(self, sha: str, max_bytes: int | None = None) -> bytes | None:
        """The blob's bytes, or None when it is larger than max_bytes."""
        if self._repo is None:
            import git

            self._repo = git.Repo(self.root)
        info = self._repo.odb.info(bytes.fromhex(sha))
        if max_bytes is not None and info.size > max_bytes:
            return None
        data: bytes = self._repo.odb.stream(bytes.fromhex(sha)).read()
        return data

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None

