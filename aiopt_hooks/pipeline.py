"""The check, stage by stage: returns one `Result` for the report.

git -> changed files -> (nothing watched? stop here: the hot path) -> call specs -> changes;
baseline log -> summary; changes + summary + prices -> estimate -> verdict -> overrides.
`price_changes` is the shared tail of `check` and `whatif`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from aiopt_hooks.config import Config
from aiopt_hooks.context import CheckOptions, RepoContext, baseline_patterns, load_repo_config
from aiopt_hooks.records import Change, Finding, Result, Verdict
from aiopt_hooks.repo.git import (
    BlobReader,
    FileChange,
    list_range_changes,
    list_staged_changes,
    merge_base,
    without_merged_in,
)
from aiopt_hooks.repo.globs import match_any

if TYPE_CHECKING:   # the no-op path (nothing watched changed) stops before these stages load
    from aiopt_hooks.baseline.model import BaselineSummary
    from aiopt_hooks.pricing.prices import PriceBook


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
    if config.code:   # source files that import an LLM SDK (read in one git call; parsed only later)
        from aiopt_hooks.extract.source_watch import llm_source_changes

        watched += llm_source_changes(root, [f for f in files if f not in watched], config)
    paths = list(baseline_patterns(options, config))
    if watched and new_ref is None:
        watched = without_merged_in(root, ctx.git_dir, watched)
    if not watched:
        return Result(Verdict("pass", 0), summary_line=f"no watched LLM file changed ({len(files)} files checked)",
                      baseline_paths=paths)
    result = _estimate(root, config, options, watched, old_ref, new_ref, ctx.git_dir / "aiopt")
    from aiopt_hooks.verdict.overrides import Sides, apply_overrides  # after the verdict: lockfile, then approvals

    return apply_overrides(result, options, ctx, Sides(old_ref, new_ref, [f.path for f in watched]))


def _estimate(root: Path, config: Config, options: CheckOptions, watched: list[FileChange],
              old_ref: str | None, new_ref: str | None, cache_dir: Path) -> Result:
    from aiopt_hooks.baseline.read import read_baseline
    from aiopt_hooks.extract.diffing import Tree, derive_changes
    from aiopt_hooks.pricing.prices import PriceBook

    reader = BlobReader(root)
    try:
        changes, findings = derive_changes(watched, Tree(root, old_ref, reader, config),
                                           Tree(root, new_ref, reader, config), config)
    finally:
        reader.close()
    paths = list(baseline_patterns(options, config))
    if not changes:
        from aiopt_hooks.verdict.policy import verdict_of

        return Result(verdict_of(findings), findings=findings, baseline_paths=paths,
                      summary_line=f"{len(watched)} watched file(s) changed, no cost field changed")
    prices = PriceBook(config, cache_dir)
    summary = read_baseline(paths, root, config, prices.thresholds, cache_dir)
    return price_changes(changes, findings, summary, config, prices)


def price_changes(changes: list[Change], findings: list[Finding], summary: BaselineSummary, config: Config,
                  prices: PriceBook) -> Result:
    from aiopt_hooks.pricing.estimate import estimate_changes
    from aiopt_hooks.pricing.risk import risk_of_estimate
    from aiopt_hooks.verdict.feature_policy import decide

    estimate = estimate_changes(changes, summary, config, prices)
    prices.save()
    estimate.findings = findings + estimate.findings
    result = Result(decide(estimate, config), estimate=estimate,
                    risk=risk_of_estimate(estimate, summary, config, prices))
    if result.verdict.verdict == "block":
        from aiopt_hooks.pricing.suggest import what_would_pass

        result.suggestions = what_would_pass(estimate, changes, summary, config, prices)
        prices.save()
    return result
