"""Where a command stands: its options, the repository and its config, and the baseline paths."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.config import Config, load_config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.repo.git import repo_paths, sparse_checkout


class CheckOptions(NamedTuple):
    repo: str = "."
    config: str | None = None
    baselines: tuple[str, ...] = ()
    from_ref: str | None = None
    to_ref: str | None = None
    paths: tuple[str, ...] = ()
    message_file: str | None = None  # commit-msg hook: honour its Cost-Approved trailer


class RepoContext(NamedTuple):
    root: Path
    git_dir: Path
    head: str | None
    config: Config


def load_repo_config(options: CheckOptions) -> RepoContext:
    root, gitdir, head = repo_paths(options.repo)
    path = Path(options.config) if options.config else root / ".aiopt.yaml"
    if options.config and not path.is_absolute() and not path.exists():
        path = root / options.config
    if options.config and not path.is_file():
        raise AioptError(
            "config file not found",
            file=str(options.config),
            hint="pass an existing file to --config, or drop the flag to use .aiopt.yaml",
        )
    if not options.config and path.is_symlink():
        if not path.exists():  # a dangling link must not quietly mean "the built-in defaults"
            raise AioptError(
                f"is a symlink to {os.readlink(path)}, which does not exist",
                file=".aiopt.yaml",
                hint=_dangling_hint(root),
            )
        from aiopt_hooks.repo.safepaths import confine

        confine(".aiopt.yaml", [str(path)], root)  # the repository's own config stays inside it
    return RepoContext(root, gitdir, head, load_config(path, gitdir / "aiopt"))


def _dangling_hint(root: Path) -> str:
    sparse = (
        " (this is a sparse checkout: `git sparse-checkout add DIR` brings the target's directory in)"
        if sparse_checkout(root)
        else ""
    )
    return f"restore the link's target{sparse}, point the link at the config, or pass --config PATH"


def baseline_patterns(options: CheckOptions, config: Config) -> tuple[str, ...]:
    if options.baselines:
        return options.baselines
    env = os.environ.get("AIOPT_BASELINE", "").strip()
    if env:
        return tuple(p for p in env.split(os.pathsep) if p)
    return config.baseline_paths
