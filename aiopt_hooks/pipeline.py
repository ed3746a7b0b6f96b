"""The check, stage by stage: returns one `Result` for the report.

git -> changed files -> (nothing watched? stop here: the hot path) -> call specs -> changes;
baseline log -> summary; changes + summary + prices -> estimate -> verdict -> overrides.
`price_changes` is the shared tail of `check` and `whatif`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from aiopt_hooks.config import Config
from aiopt_hooks.context import CheckOptions, RepoContext, baseline_patterns, load_repo_config
from aiopt_hooks.records import Change, Finding, Result
from aiopt_hooks.repo.argpaths import repository_paths, selects
from aiopt_hooks.repo.git import (
    BlobReader,
    FileChange,
    list_range_changes,
    list_staged_changes,
    merge_base,
    without_merged_in,
)
from aiopt_hooks.repo.globs import match_any

# Source files `code:` may read (aiopt_hooks.extract.source_watch.SOURCE_SUFFIXES; a test keeps them equal).
SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")

if TYPE_CHECKING:  # the no-op path (nothing watched changed) stops before these stages load
    from aiopt_hooks.baseline.model import BaselineSummary
    from aiopt_hooks.extract.inventory import CallSites
    from aiopt_hooks.pricing.prices import PriceBook
    from aiopt_hooks.verdict.overrides import Sides


def _changed_files(ctx: RepoContext, options: CheckOptions) -> tuple[list[FileChange], str | None, str | None]:
    """(file changes, old side ref, new side ref); "" as the old ref means no commit, None as
    the new ref means the index."""
    if options.from_ref or options.to_ref:
        from_ref = options.from_ref or "HEAD"
        to_ref = options.to_ref or "HEAD"
        return (list_range_changes(ctx.root, from_ref, to_ref), merge_base(ctx.root, from_ref, to_ref), to_ref)
    return list_staged_changes(ctx.root, ctx.head), ctx.head or "", None


class Run(NamedTuple):
    """One check: its result, and what later steps of the same run reuse (the lock, approvals)."""

    result: Result
    summary: BaselineSummary | None = None
    prices: PriceBook | None = None


def run_check(options: CheckOptions, ctx: RepoContext | None = None) -> Result:
    return check_run(options, ctx).result


def check_run(options: CheckOptions, ctx: RepoContext | None = None, lock: bool = True) -> Run:
    ctx = ctx or load_repo_config(options)
    root, config = ctx.root, ctx.config
    files, old_ref, new_ref = _changed_files(ctx, options)
    if options.paths:
        wanted = set(repository_paths(options.paths, root))  # relative to the cwd, or absolute
        files = [f for f in files if selects(f.path, wanted) or selects(f.old_path, wanted)]
    patterns = config.watch_patterns()
    watched = [f for f in files if match_any(f.path, patterns) or (f.old_path and match_any(f.old_path, patterns))]
    rest = [f for f in files if f not in watched]
    if config.code and any(f.path.endswith(SOURCE_SUFFIXES) for f in rest):
        # source files that import an LLM SDK (read in one git call; parsed only later)
        from aiopt_hooks.extract.source_watch import llm_source_changes

        watched += llm_source_changes(root, rest, config)
    paths = list(baseline_patterns(options, config))
    if watched and new_ref is None:
        watched = without_merged_in(root, ctx.git_dir, watched)
    if not watched:
        from aiopt_hooks.records import Verdict

        return Run(
            Result(
                Verdict("pass", 0),
                summary_line=f"no watched LLM file changed ({len(files)} files checked)",
                baseline_paths=paths,
            )
        )
    from aiopt_hooks.verdict.overrides import Sides

    run = _estimate(root, config, options, watched, old_ref, new_ref, ctx.git_dir / "aiopt")
    sides = Sides(old_ref, new_ref, [f.path for f in watched])
    return run._replace(result=_after_verdict(run, options, ctx, sides, lock and config.lockfile))


def _estimate(
    root: Path,
    config: Config,
    options: CheckOptions,
    watched: list[FileChange],
    old_ref: str | None,
    new_ref: str | None,
    cache_dir: Path,
) -> Run:
    from aiopt_hooks.baseline.read import read_baseline
    from aiopt_hooks.extract.diffing import Tree, derive_changes
    from aiopt_hooks.extract.logera import with_log_era_prompts  # HEAD's prompt vs the log era's
    from aiopt_hooks.pricing.prices import PriceBook
    from aiopt_hooks.verdict.decide import decide
    from aiopt_hooks.verdict.thresholds import findings_only

    reader = BlobReader(root)
    try:
        # each side keeps the call specs of the file versions it reads (a version is read once, ever)
        old, new = Tree(root, old_ref, reader, config, cache_dir), Tree(root, new_ref, reader, config, cache_dir)
        changes, findings = derive_changes(watched, old, new, config)
    finally:
        reader.close()
    paths = list(baseline_patterns(options, config))
    if not changes:
        reasons = findings_only(findings)
        return Run(
            Result(
                decide(reasons),
                findings=findings,
                baseline_paths=paths,
                considered=tuple(reasons),
                summary_line=f"{len(watched)} watched file(s) changed, no cost field changed",
            )
        )
    prices = PriceBook(config, cache_dir)
    summary = read_baseline(paths, root, config, prices.thresholds, cache_dir)
    changes = with_log_era_prompts(changes, root, config, old_ref, summary.last_ts)
    return Run(price_changes(changes, findings, summary, config, prices), summary, prices)


def price_changes(
    changes: list[Change], findings: list[Finding], summary: BaselineSummary, config: Config, prices: PriceBook
) -> Result:
    """Estimate -> verdict (global and per-feature policies) -> risk -> "what would pass"."""
    from aiopt_hooks.pricing.estimate import estimate_changes
    from aiopt_hooks.pricing.risk import risk_of_estimate
    from aiopt_hooks.verdict.decide import decide
    from aiopt_hooks.verdict.thresholds import judge

    estimate = estimate_changes(changes, summary, config, prices)
    prices.save()
    estimate.findings = findings + estimate.findings
    reasons = judge(estimate, config)
    result = Result(
        decide(reasons),
        estimate=estimate,
        considered=tuple(reasons),
        risk=risk_of_estimate(estimate, summary, config, prices),
    )
    if result.verdict.verdict == "block":
        from aiopt_hooks.pricing.suggest import what_would_pass

        result = result._replace(suggestions=what_would_pass(estimate, changes, summary, config, prices))
        prices.save()
    return result


def _after_verdict(run: Run, options: CheckOptions, ctx: RepoContext, sides: Sides, lock: bool) -> Result:
    """The lockfile creep guard (more reasons), then, for a block, the overrides (grants): decided again
    by the same `decide`, on the same estimate, summary and prices."""
    from aiopt_hooks.verdict.decide import decide
    from aiopt_hooks.verdict.overrides import find_overrides

    result = run.result
    est = result.estimate
    if est is None or not est.changes or run.summary is None or run.prices is None:
        return result
    reasons = list(result.considered)
    findings = list(result.findings)
    if lock:
        from aiopt_hooks.repo.git import read_path
        from aiopt_hooks.verdict.lock import LOCK_PATH, check_lock

        checked = check_lock(
            read_path(ctx.root, sides.new, LOCK_PATH), _sites(ctx, sides.new), run.summary, run.prices, ctx.config
        )
        reasons += checked.reasons
        reasons += checked.findings
        findings += checked.findings
        result = result._replace(lock=checked.status)
    verdict = decide(reasons)
    if verdict.verdict == "block":
        found = find_overrides(est, options, ctx, sides)
        findings += found.findings
        verdict = decide(reasons, found.grants, found.problems)
    suggestions = [] if verdict.verdict == "approved" else result.suggestions
    return result._replace(verdict=verdict, considered=tuple(reasons), findings=findings, suggestions=suggestions)


def _sites(ctx: RepoContext, ref: str | None) -> CallSites:
    from aiopt_hooks.extract.inventory import call_sites

    return call_sites(ctx.root, ctx.config, ref)[0]


def staged_lock(options: CheckOptions, ctx: RepoContext) -> dict[str, Any]:
    """The lock of the staged config, written and staged: its call sites, priced with the summary and
    prices of one check of the staged change (without the old lock, which may be what is broken)."""
    from aiopt_hooks.baseline.read import read_baseline
    from aiopt_hooks.pricing.prices import PriceBook
    from aiopt_hooks.repo.git import stage_path
    from aiopt_hooks.verdict.lock import LOCK_PATH, build_lock, write_lock

    run = check_run(options._replace(from_ref=None, to_ref=None, paths=()), ctx, lock=False)
    prices = run.prices
    summary = run.summary
    if prices is None or summary is None:
        cache_dir = ctx.git_dir / "aiopt"
        prices = PriceBook(ctx.config, cache_dir)
        summary = read_baseline(
            list(baseline_patterns(options, ctx.config)), ctx.root, ctx.config, prices.thresholds, cache_dir
        )
    lock = build_lock(_sites(ctx, None), summary, prices, ctx.config, run.result.estimate)
    prices.save()
    write_lock(ctx.root, lock)
    stage_path(ctx.root, LOCK_PATH)
    return lock


def diff_logs(base: BaselineSummary, cand: BaselineSummary, config: Config, prices: PriceBook) -> Result:
    """`aiopt compare`: two logs priced per (feature, model) and judged like a check."""
    from aiopt_hooks.pricing.compare import compare_logs
    from aiopt_hooks.verdict.decide import decide
    from aiopt_hooks.verdict.thresholds import judge

    diff = compare_logs(base, cand, config, prices)
    reasons = judge(diff.estimate, config, diff.feature_baselines)
    return Result(
        decide(reasons),
        estimate=diff.estimate,
        risk=diff.risk,
        compare_rows=diff.rows,
        considered=tuple(reasons),
        kind="compare",
    )
