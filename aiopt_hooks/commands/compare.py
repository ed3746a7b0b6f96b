"""`aiopt compare BASELINE_LOG CANDIDATE_LOG`: diff two real usage logs per feature and model; the
policy applies to the whole app's delta (exit codes as `check`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aiopt_hooks.commands.check import add_source_options
from aiopt_hooks.commands.common import emit
from aiopt_hooks.pipeline import diff_logs
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.render.audit import record
from aiopt_hooks.workspace import log_patterns, open_workspace, read_summary

if TYPE_CHECKING:
    from aiopt_hooks.baseline.model import BaselineSummary
    from aiopt_hooks.records import Result
    from aiopt_hooks.workspace import Workspace


def configure(parser: argparse.ArgumentParser) -> None:

    parser.add_argument("baseline_log", metavar="BASELINE_LOG", help="the reference log (e.g. last week)")
    parser.add_argument("candidate_log", metavar="CANDIDATE_LOG", help="the log to compare (e.g. a canary)")
    add_source_options(parser, refs=False, baseline=False)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def compute(args: argparse.Namespace) -> tuple[Result, Workspace, list[BaselineSummary]]:
    """The log diff, the workspace, and the two logs' summaries (the HTML report charts them)."""

    ws = open_workspace(args)
    prices = PriceBook(ws.config, ws.cache_dir)
    base = read_summary(ws, log_patterns(args, ws, [args.baseline_log]), prices)
    cand = read_summary(ws, log_patterns(args, ws, [args.candidate_log]), prices)
    result = diff_logs(base, cand, ws.config, prices)
    prices.save()
    return result, ws, [base, cand]


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    result, ws, _ = compute(args)
    emit(result, args.format)
    record(ws.git_dir, "compare", f"compare {args.baseline_log} {args.candidate_log}", result, ws.config)
    return result.verdict.exit_code
