"""`aiopt baseline summarize LOG... -o FILE`: write the baseline summary (a few KB to MB) that
`baseline.path` can point at instead of the raw logs, e.g. one produced by a nightly job.
`aiopt baseline import-rows ROWS... -o FILE`: the same summary from the rows a warehouse query
(docs/warehouse/*.sql) produced; `aiopt baseline thresholds [--sql]`: the tier thresholds that SQL embeds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aiopt_hooks.baseline.model import summary_to_dict
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.baseline.rollup import summary_from_rows, tier_case_sql
from aiopt_hooks.errors import AioptError
from aiopt_hooks.pricing.prices import tier_thresholds

if TYPE_CHECKING:
    from aiopt_hooks.baseline.model import BaselineSummary


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    summarize = sub.add_parser(
        "summarize",
        help="summarize usage logs into one summary file (no LOG: the "
        "configured baseline, into the cache the check reads)",
    )
    summarize.add_argument("logs", nargs="*", metavar="LOG", help="usage logs (JSONL/CSV, .gz) or summaries")
    summarize.add_argument("-o", "--output", help="the summary file to write (JSON); required with LOG")
    summarize.add_argument("--repo", default=".", help="repository directory, without LOG (default: current)")
    summarize.add_argument("--format", dest="log_format", default=None, help="force the log dialect")
    rows = sub.add_parser("import-rows", help="turn a warehouse query's exported rows into a summary file")
    rows.add_argument("rows", nargs="+", metavar="ROWS", help="rows of docs/warehouse/*.sql (CSV or JSON lines, .gz)")
    rows.add_argument("-o", "--output", required=True, help="the summary file to write (JSON)")
    rows.add_argument(
        "--thresholds",
        default=None,
        metavar="N,N,...",
        help="the tier thresholds the SQL embeds (default: the installed price data's)",
    )
    thresholds = sub.add_parser("thresholds", help="print the price data's input-token tier thresholds")
    thresholds.add_argument("--sql", action="store_true", help="print the tier_class CASE the warehouse SQL embeds")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    if args.action == "thresholds":
        return _print_thresholds(tier_thresholds(), args.sql)
    if args.action == "import-rows":
        return _write(_import_rows(args.rows, args.thresholds or None), Path(args.output))
    if not args.logs:
        if args.output:
            raise AioptError("-o needs the logs to summarize", hint="aiopt baseline summarize LOG... -o FILE")
        return _warm_cache(args.repo)
    if not args.output:
        raise AioptError(
            "-o FILE is required with LOG",
            hint="aiopt baseline summarize LOG... -o FILE, or no "
            "LOG to summarize the configured baseline for the check",
        )
    paths = [Path(p) for p in args.logs]
    for path in paths:
        if not path.is_file():
            raise AioptError("usage log not found", file=str(path))
    return _write(summarize_baseline(paths, tier_thresholds(), args.log_format), Path(args.output))


def _warm_cache(repo: str) -> int:
    """The configured baseline, summarised into the cache the check reads (what a check stopped at
    max_seconds left unfinished): the next check reads it from there."""
    import os

    from aiopt_hooks.baseline.read import read_baseline
    from aiopt_hooks.commands.unfinished import PID_FILE
    from aiopt_hooks.context import CheckOptions, baseline_patterns, load_repo_config
    from aiopt_hooks.pricing.prices import PriceBook

    options = CheckOptions(repo=repo)
    ctx = load_repo_config(options)
    cache_dir = ctx.git_dir / "aiopt"
    try:
        prices = PriceBook(ctx.config, cache_dir)
        summary = read_baseline(
            baseline_patterns(options, ctx.config), ctx.root, ctx.config, prices.thresholds, cache_dir
        )
        prices.save()
    finally:
        pid_file = cache_dir / PID_FILE
        try:
            if pid_file.read_text().strip() == str(os.getpid()):
                pid_file.unlink()
        except OSError:
            pass
    print(
        f"aiopt: baseline summarized for the check: {summary.requests:,} requests, {len(summary.groups)} "
        f"feature/model groups, {summary.span_days:.1f} days",
        file=sys.stderr,
    )
    return 0


def _write(summary: BaselineSummary, output: Path) -> int:

    try:
        output.parent.mkdir(parents=True, exist_ok=True)  # e.g. the committed summary's `.aiopt/`
        output.write_text(json.dumps(summary_to_dict(summary), separators=(",", ":")) + "\n")
    except OSError as exc:
        raise AioptError(f"cannot write the summary: {exc.strerror}", file=str(output)) from None
    groups = len(summary.groups)
    print(
        f"aiopt: wrote {output} ({output.stat().st_size:,} bytes): {summary.requests:,} requests, "
        f"{groups} feature/model groups, {summary.span_days:.1f} days"
        + (f"; {summary.bad_rows:,} malformed rows skipped" if summary.bad_rows else ""),
        file=sys.stderr,
    )
    return 0


def _import_rows(files: list[str], given: str | None) -> BaselineSummary:

    paths = [Path(p) for p in files]
    for path in paths:
        if not path.is_file():
            raise AioptError("warehouse rows not found", file=str(path))
    try:
        thresholds = (
            tuple(sorted(int(t) for t in given.replace(" ", "").split(",") if t)) if given else tier_thresholds()
        )
    except ValueError:
        raise AioptError(
            f"--thresholds {given!r} is not a list of token counts",
            hint="e.g. --thresholds 32000,128000,200000 (`aiopt baseline thresholds`)",
        ) from None
    return summary_from_rows(paths, thresholds)


def _print_thresholds(thresholds: tuple[int, ...], sql: bool) -> int:

    print(tier_case_sql(thresholds) if sql else ",".join(map(str, thresholds)))
    return 0
