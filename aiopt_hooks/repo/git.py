"""The only module that talks to git: which files changed, and their old and new bytes.

Listing changed paths is on every commit's hot path, so it is one plain `git` call; blob contents
come from one long-lived `git cat-file --batch` process.  Contents come from git objects (the index
the commit will use, honouring GIT_INDEX_FILE, or a ref), never the working tree.  Every call runs
`git` itself with the caller's environment (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE mean what they
mean to git), and git's output is decoded like a file name (os.fsdecode), so a repository path that
is not valid in the locale's encoding, or holds `$`, `[` or spaces, round-trips unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO, NamedTuple

from aiopt_hooks.errors import AioptError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40
# Symlinks and submodules: their "content" is a path or a commit id, never a file to read (a link
# to /etc/passwd is not followed), so that side of a change counts as absent.
NOT_CONTENT = ("120000", "160000")


class FileChange(NamedTuple):
    status: str  # A, M, D or R
    path: str  # the new path (the old one for D)
    old_path: str | None  # None when added
    old_sha: str | None  # blob ids; None for the missing side
    new_sha: str | None


def _run(root: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    """`git ARGS` in `root`; output decoded as file names are (the locale's encoding may not be UTF-8)."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            text=True,
            encoding=sys.getfilesystemencoding(),
            errors="surrogateescape",
        )
    except FileNotFoundError:
        raise AioptError("git is not installed or not on PATH") from None


def _git(root: Path | str, *args: str) -> str:
    proc = _run(root, *args)
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        raise AioptError(f"git {args[0]}: {message}")
    return proc.stdout


def repo_paths(cwd: str | Path = ".") -> tuple[Path, Path, str | None]:
    """(work tree root, per-worktree git dir, HEAD commit or None) in one call on the hot path."""
    if not Path(cwd).is_dir():
        raise AioptError("no such directory", file=str(cwd), hint="pass an existing repository to --repo")
    proc = _run(cwd, "rev-parse", "--show-toplevel", "--absolute-git-dir", "HEAD")
    out = proc.stdout.splitlines()
    if proc.returncode == 0 and len(out) == 3:
        root, git_dir, head = Path(out[0]), Path(out[1]), out[2]
    else:  # no commit yet (HEAD does not resolve), or not a repository at all
        proc = _run(cwd, "rev-parse", "--show-toplevel", "--absolute-git-dir")
        out = proc.stdout.splitlines()
        if proc.returncode != 0 or len(out) != 2:
            raise _not_a_repository(cwd, proc.stderr)
        root, git_dir, head = Path(out[0]), Path(out[1]), None
    top = _git_dir_parent(root, git_dir)
    if top is not None:  # every later git call (and any hook it runs) sees the same work tree
        os.environ["GIT_DIR"], os.environ["GIT_WORK_TREE"] = str(git_dir), str(top)
        root = top
    return root, git_dir, head


def _not_a_repository(cwd: str | Path, stderr: str) -> AioptError:
    """git's own reason when it is not the plain "not a git repository" (a repository owned by another
    user, a broken .git file, a bad GIT_DIR): its first line, and its advice as the fix."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    if not lines or "not a git repository" in lines[0]:
        named = f" (GIT_DIR={os.environ['GIT_DIR']!r} names none)" if os.environ.get("GIT_DIR") else ""
        return AioptError(
            f"not inside a git repository (or a bare one){named}",
            file=str(cwd),
            hint="run it from your repository, or pass --repo DIR" + (", or fix GIT_DIR" if named else ""),
        )
    message = lines[0].removeprefix("fatal: ")
    advice = [line for line in lines[1:] if line.startswith("git ")]
    if "dubious ownership" in message:
        fix = advice[0] if advice else "git config --global --add safe.directory DIR"
        return AioptError(
            f"git refuses the repository: {message}",
            file=str(cwd),
            hint=f"git checks who owns a repository; if you trust this one, run: {fix}",
        )
    return AioptError(
        f"git: {message}", file=str(cwd), hint=advice[0] if advice else "check the repository with `git status`"
    )


def _git_dir_parent(root: Path, git_dir: Path) -> Path | None:
    """GIT_DIR set without GIT_WORK_TREE (or core.worktree) makes git take the current directory as the
    top of the work tree.  Run from a subdirectory of the repository that GIT_DIR names (its `.git`), that
    would read the config and logs from the wrong place: the repository's real top is GIT_DIR's parent."""
    if not os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE") or git_dir.name != ".git":
        return None
    top, root = git_dir.parent.resolve(), root.resolve()
    if root == top or not root.is_relative_to(top) or _run(top, "config", "core.worktree").stdout.strip():
        return None
    return top


def resolve_ref(root: Path, ref: str) -> str | None:
    proc = _run(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
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
        old = None if old_sha == NULL_SHA or meta[0] in NOT_CONTENT else old_sha
        new = None if new_sha == NULL_SHA or meta[1] in NOT_CONTENT else new_sha
        if status in "RC":
            src, dst = parts[i + 1], parts[i + 2]
            i += 3
            changes.append(
                FileChange(
                    "R" if status == "R" else "A",
                    dst,
                    src if status == "R" else None,
                    old if status == "R" else None,
                    new,
                )
            )
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
    out = _git(root, "diff-index", "--cached", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", head or EMPTY_TREE)
    return _parse_raw(out)


def merge_base(root: Path, from_ref: str, to_ref: str) -> str:
    for ref in (from_ref, to_ref):
        if resolve_ref(root, ref) is None:
            raise AioptError(f"unknown git ref {ref!r}", hint="fetch it first, or check the name")
    proc = _run(root, "merge-base", from_ref, to_ref)
    if proc.returncode == 0 and proc.stdout.strip():
        return proc.stdout.strip()
    if _run(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        # The common history was cut off by the clone's depth: diffing against the old tip instead
        # would blame the other branch's own changes on this one.
        raise AioptError(
            f"no merge base of {from_ref} and {to_ref} in this shallow clone: the history they share was not fetched",
            hint="fetch it: `git fetch --deepen=100` (repeat as needed) or `git fetch --unshallow`; "
            "in GitHub Actions, `fetch-depth: 0` in actions/checkout",
        )
    # Unrelated histories have no merge base: compare against the old tip itself.
    return from_ref


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
        return {path: meta.split()[1] for meta, path in entries if meta.split()[0] not in NOT_CONTENT}
    out = _git(root, "ls-tree", "-r", "-z", "--full-tree", ref)
    entries = (line.split("\t", 1) for line in out.split("\0") if line)
    return {
        path: meta.split()[2]
        for meta, path in entries
        if meta.split()[1] == "blob" and meta.split()[0] not in NOT_CONTENT
    }


def read_blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    """Blob contents by id in one `git cat-file --batch` call: the hot path's reader (no GitPython)."""
    if not shas:
        return {}
    try:
        proc = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=root,
            capture_output=True,
            input="".join(f"{sha}\n" for sha in shas).encode(),
        )
    except FileNotFoundError:
        raise AioptError("git is not installed or not on PATH") from None
    out, blobs, at = proc.stdout, {}, 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].decode("ascii", "replace").split()
        at = end + 1
        if len(header) != 3:  # `<sha> missing`
            continue
        size = int(header[2])
        blobs[header[0]] = out[at : at + size]
        at += size + 1
    return blobs


class BlobReader:
    """Reads blob contents through long-lived `git cat-file --batch` (and `--batch-check` for sizes)
    processes, started on first use in the same directory and environment as every other git call."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    def _ask(self, mode: str, sha: str) -> tuple[IO[bytes], int]:
        """Send one object id to the `mode` process: (its stdout, the blob's size)."""
        proc = self._procs.get(mode)
        try:
            if proc is None:
                proc = self._procs[mode] = subprocess.Popen(
                    ["git", "cat-file", f"--{mode}"],
                    cwd=self.root,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(sha.encode("ascii") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
        except FileNotFoundError:
            raise AioptError("git is not installed or not on PATH") from None
        except OSError as exc:
            raise AioptError(f"git cat-file stopped while reading object {sha}: {exc.strerror}") from None
        if len(header) != 3 or header[1] != b"blob":
            raise AioptError(
                f"git cat-file: object {sha} is not a blob in this repository "
                f"({b' '.join(header[1:]).decode('ascii', 'replace') or 'no answer'})",
                hint="run `git fsck` to check the repository",
            )
        return proc.stdout, int(header[2])

    def read(self, sha: str, max_bytes: int | None = None) -> bytes | None:
        """The blob's bytes, or None when it is larger than max_bytes."""
        if max_bytes is not None and self._ask("batch-check", sha)[1] > max_bytes:
            return None
        out, size = self._ask("batch", sha)
        data = out.read(size)
        out.read(1)  # the newline after each object
        if len(data) != size:
            raise AioptError(f"git cat-file stopped while reading object {sha}")
        return data

    def close(self) -> None:
        for proc in self._procs.values():
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()


# -- workflow helpers (approvals, lockfile, hooks, pre-push, init) ------------------------------


def _git_ok(root: Path | str, *args: str) -> str | None:
    """stdout of a git command that may legitimately fail (a missing key, ref or file): None then."""
    proc = _run(root, *args)
    return proc.stdout if proc.returncode == 0 else None


def commit_before(root: Path, ref: str, when: float) -> str | None:
    """The last commit of `ref`'s history made at or before `when` (epoch seconds), or None."""
    out = _git_ok(root, "rev-list", "-1", f"--before={int(when)}", ref, "--")
    return (out or "").strip() or None


def read_path(root: Path, ref: str | None, path: str) -> bytes | None:
    """A file's bytes in `ref` (None = the index the commit will use), or None when it is not there."""
    spec = f":{path}" if ref is None else f"{ref}:{path}"
    try:
        proc = subprocess.run(["git", "cat-file", "blob", spec], cwd=root, capture_output=True)
    except FileNotFoundError:
        raise AioptError("git is not installed or not on PATH") from None
    return proc.stdout if proc.returncode == 0 else None


def stage_path(root: Path, path: str) -> None:
    """`git add` one file (the writing commands stage what they write, for the user to commit)."""
    _git(root, "add", "--", path)


def author_ident(root: Path) -> str:
    """`Name <email>` of whoever would author a commit here (git config, GIT_AUTHOR_* honoured)."""
    out = _git_ok(root, "var", "GIT_AUTHOR_IDENT")
    if not out:
        raise AioptError(
            "git does not know who you are, and an approval records its author",
            hint='run git config user.name "Your Name" and git config user.email you@example.com',
        )
    return out.strip().rsplit(" ", 2)[0]


def sparse_checkout(root: Path) -> bool:
    """True when the work tree is a sparse checkout (files outside its cone are not on disk)."""
    return (_git_ok(root, "config", "--bool", "core.sparseCheckout") or "").strip() == "true"


def hooks_dir(root: Path) -> Path:
    """Where git looks for hooks: core.hooksPath when set, else the common git dir's hooks (worktrees share it)."""
    out = _git(root, "rev-parse", "--git-path", "hooks").strip()
    return (root / out).resolve() if not Path(out).is_absolute() else Path(out)


def remote_default_branch(root: Path, remote: str) -> str | None:
    """`origin/main` when the remote's default branch is known locally (refs/remotes/<remote>/HEAD), else None."""
    out = _git_ok(root, "symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD")
    if out and out.strip().startswith("refs/remotes/"):
        return out.strip().removeprefix("refs/remotes/")
    return None


def root_commit(root: Path, ref: str) -> str | None:
    """The oldest root commit reachable from `ref` (None when `ref` does not resolve)."""
    out = _git_ok(root, "rev-list", "--max-parents=0", ref)
    return out.split()[-1] if out and out.split() else None


def merge_heads(root: Path, git_dir: Path) -> list[str]:
    """The commits being merged in: MERGE_HEAD while a merge waits for `git commit`; during git's
    pre-merge-commit hook (no MERGE_HEAD yet) the names git merge put in GIT_REFLOG_ACTION, or
    FETCH_HEAD's merge heads for `git pull`; [] when no merge is under way."""
    try:
        return (git_dir / "MERGE_HEAD").read_text().split()
    except OSError:
        pass
    action = os.environ.get("GIT_REFLOG_ACTION", "").split()
    if action[:1] == ["merge"]:
        return [sha for name in action[1:] if (sha := resolve_ref(root, name))]
    if action[:1] == ["pull"]:
        try:
            lines = (git_dir / "FETCH_HEAD").read_text().splitlines()
        except OSError:
            return []
        return [line.split()[0] for line in lines if line.strip() and "not-for-merge" not in line]
    return []


def message_trailers(root: Path, message_file: str) -> list[tuple[str, str]]:
    """(key, value) trailers of a commit message file, parsed by git itself."""
    out = _git(root, "interpret-trailers", "--parse", message_file)
    pairs = (line.partition(":") for line in out.splitlines())
    return [(key.strip(), value.strip()) for key, _, value in pairs if key.strip()]


def commits_with_trailer(root: Path, base: str, to_ref: str, paths: list[str], key: str) -> list[tuple[str, str]]:
    """(commit subject, trailer value or "") of each commit in base..to_ref touching `paths`."""
    fmt = f"%s%x1f%(trailers:key={key},valueonly,separator=%x1d)%x1e"
    out = _git(root, "log", f"--format={fmt}", f"{base}..{to_ref}", "--", *paths)
    rows = (entry.strip("\n").split("\x1f", 1) for entry in out.split("\x1e") if entry.strip())
    return [(subject, (value.split("\x1d")[0].strip() if value else "")) for subject, value in rows]


def list_repo_files(root: Path) -> tuple[list[str], list[str]]:
    """(tracked and untracked-but-not-ignored files, ignored files) of the work tree, for `aiopt init`."""
    visible = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    ignored = _git(root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard")
    return sorted(set(p for p in visible.split("\0") if p)), [p for p in ignored.split("\0") if p]


def without_merged_in(root: Path, git_dir: Path, changes: list[FileChange]) -> list[FileChange]:
    """During a merge, drop the files whose merged content is exactly a merged-in commit's version
    (they were checked on their own branch); conflict resolutions and files both sides changed stay."""
    heads = merge_heads(root, git_dir)
    if not heads:
        return changes
    theirs = [list_tree_files(root, head) for head in heads]
    return [c for c in changes if not any(tree.get(c.path) == c.new_sha for tree in theirs)]
