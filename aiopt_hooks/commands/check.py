"""`aiopt check`: estimate the staged change (or a ref range) and decide pass / warn / block."""
from __future__ import annotations

import argparse
import signal
import sys

from aiopt_hooks.commands.common import emit, skip_requested


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filenames", nargs="*", help="narrow the check to these paths (as pre-commit passes them)")
    parser.add_argument("--from-ref", help="check the range from the merge base of this ref ...")
    parser.add_argument("--to-ref", help="... to this ref (default HEAD)")
    parser.add_argument("--config", help="config file (default: .aiopt.yaml at the repo root)")
    parser.add_argument("--baseline", action="append", default=[], metavar="PATH",
                        help="usage log (repeatable; overrides the config and AIOPT_BASELINE)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--repo", default=".", help="repository directory (default: current)")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from aiopt_hooks.check import CheckOptions, load_repo_config, run_check
    from aiopt_hooks.records import Verdict
    from aiopt_hooks.report import Result

    if skip_requested():
        print("aiopt-guard: skipped (AIOPT_SKIP is set); no cost check was made", file=sys.stderr)
        if args.format == "json":
            emit(Result(Verdict("pass", 0, ("skipped: AIOPT_SKIP is set",))), args.format)
        return 0
    options = CheckOptions(repo=args.repo, config=args.config, baselines=tuple(args.baseline),
                           from_ref=args.from_ref, to_ref=args.to_ref, paths=tuple(args.filenames))
    ctx = load_repo_config(options)
    settings.update(max_seconds=ctx.config.max_seconds, on_timeout=ctx.config.on_timeout,
                    on_internal_error=ctx.config.on_internal_error)
    if hasattr(signal, "SIGALRM"):
        signal.setitimer(signal.ITIMER_REAL, ctx.config.max_seconds)
    result = run_check(options, ctx)
    emit(result, args.format)
    return result.verdict.exit_code
