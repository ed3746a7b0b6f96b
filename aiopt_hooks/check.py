"""`aiopt check`: runs the stages in order and returns one `Result` for the report.

git -> changed files -> (nothing watched? stop here: the hot path) -> call specs -> changes;
baseline log -> summary; changes + summary + prices -> estimate -> verdict.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.config import Config, load_config
from aiopt_hooks.globs import match_any
from aiopt_hooks.gitio import (BlobReader, FileChange, list_range_changes, list_staged_changes,
                               merge_base, repo_paths, without_merged_in)
from aiopt_hooks.records import Verdict
from aiopt_hooks.report import Result


class CheckOptions(NamedTuple):
    repo: str = "."
    config: str | None = None
    baselines: tuple[str, ...] = ()
    from_ref: str | None = None
    to_ref: str | None = None
    paths: tuple[str, ...] = ()
    message_file: str | None = None        # commit-msg hook: honour its Cost-Approved trailer


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
        from aiopt_hooks.errors import AioptError

        raise AioptError("config file not found", file=str(options.config),
                         hint="pass an existing file to --config, or drop the flag to use .aiopt.yaml")
    if not options.config and path.is_symlink():
        from aiopt_hooks.safepaths import confine

        confine(".aiopt.yaml", [str(path)], root)   # the repository's own config stays inside it
    return RepoContext(root, gitdir, head, load_config(path, gitdir / "aiopt"))


def baseline_patterns(options: CheckOptions, config: Config) -> tuple[str, ...]:
    if options.baselines:
        return options.baselines
    env = os.environ.get("AIOPT_BASELINE", "").strip()
    if env:
        return tuple(p for p in env.split(os.pathsep) if p)
    return config.baseline_paths


def _changed_files(ctx: RepoContext, options: CheckOptions) -> tuple[list[FileChange], str | None, str | None]:
    """(file changes, old side ref, new side ref); "" as the old ref means no commit, None as
    the new ref means the index."""
    if options.from_ref or options.to_ref:
        from_ref = options.from_ref or "HEAD"
        to_ref = options.to_ref or "HEAD"
        return (list_range_changes(ctx.root, from_ref, to_ref), merge_base(ctx.root, from_ref, to_ref),
                to_ref)
    return list_staged_changes(ctx.root, ctx.head), ctx.head or "", None


def run_check(options: CheckOptions, ctx: RepoContext | None = None) -> Result:
    ctx = ctx or load_repo_config(options)
    root, config = ctx.root, ctx.config
    files, old_ref, new_ref = _changed_files(ctx, options)
    if options.paths:
        wanted = {os.path.normpath(p) for p in options.paths}
        files = [f for f in files if f.path in wanted or f.old_path in wanted]
    patterns = config.watch_patterns()
    watched = [f for f in files if match_any(f.path, patterns) or (f.old_path and match_any(f.old_path, patterns))]
    paths = list(baseline_patterns(options, config))
    if watched and new_ref is None:
        watched = without_merged_in(root, ctx.git_dir, watched)
    if not watched:
        return Result(Verdict("pass", 0), summary_line=f"no watched LLM file changed ({len(files)} files checked)",
                      baseline_paths=paths)
    result = _estimate(root, config, options, watched, old_ref, new_ref, ctx.git_dir / "aiopt")
    from aiopt_hooks.overrides import Sides, apply_overrides   # after the verdict: lockfile, then approvals

    return apply_overrides(result, options, ctx, Sides(old_ref, new_ref, [f.path for f in watched]))


def _estimate(root: Path, config: Config, options: CheckOptions, watched: list[FileChange],
              old_ref: str | None, new_ref: str | None, cache_dir: Path) -> Result:
    from aiopt_hooks.baseline.summary import read_baseline
    from aiopt_hooks.diffing import Tree, derive_changes
    from aiopt_hooks.prices import PriceBook
    from aiopt_hooks.pricing import price_changes

    reader = BlobReader(root)
    try:
        changes, findings = derive_changes(watched, Tree(root, old_ref, reader, config),
                                           Tree(root, new_ref, reader, config), config)
    finally:
        reader.close()
    paths = list(baseline_patterns(options, config))
    if not changes:
        from aiopt_hooks.policy import verdict_of

        return Result(verdict_of(findings), findings=findings, baseline_paths=paths,
                      summary_line=f"{len(watched)} watched file(s) changed, no cost field changed")
    prices = PriceBook(config, cache_dir)
    summary = read_baseline(paths, root, config, prices.thresholds, cache_dir)
    return price_changes(changes, findings, summary, config, prices)
