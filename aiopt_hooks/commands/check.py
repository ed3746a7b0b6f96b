"""`aiopt check`: estimate the staged change (or a ref range) and decide pass / warn / block."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING

from aiopt_hooks.commands.common import emit, skip_requested

if TYPE_CHECKING:
    from aiopt_hooks.context import CheckOptions, RepoContext
    from aiopt_hooks.records import Result


def add_source_options(parser: argparse.ArgumentParser, refs: bool = True, baseline: bool = True) -> None:
    """Where the change and the baseline come from: shared by check, approve, lock, explain, whatif and compare."""
    if refs:
        parser.add_argument("--from-ref", help="check the range from the merge base of this ref ...")
        parser.add_argument("--to-ref", help="... to this ref (default HEAD)")
    parser.add_argument("--config", help="config file (default: .aiopt.yaml at the repo root)")
    if baseline:
        parser.add_argument(
            "--baseline",
            action="append",
            default=[],
            metavar="PATH",
            help="usage log (repeatable; overrides the config and AIOPT_BASELINE)",
        )
    parser.add_argument("--repo", default=".", help="repository directory (default: current)")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("filenames", nargs="*", help="narrow the check to these paths (as pre-commit passes them)")
    add_source_options(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown", "sarif"),
        default="text",
        help="sarif: for GitHub code scanning (findings and blocking changes at their file and line)",
    )
    parser.add_argument(
        "--update-lock",
        action="store_true",
        help="first rewrite aiopt.lock for the staged config and stage it (an explicit update; the hook never does it)",
    )
    parser.add_argument("--guard", action="store_true", help=argparse.SUPPRESS)  # run as the aiopt-guard hook


def options_from(args: argparse.Namespace) -> CheckOptions:
    from aiopt_hooks.context import CheckOptions

    return CheckOptions(
        repo=args.repo,
        config=args.config,
        baselines=tuple(args.baseline),
        from_ref=getattr(args, "from_ref", None),
        to_ref=getattr(args, "to_ref", None),
        paths=tuple(getattr(args, "filenames", ())),
        message_file=getattr(args, "message_file", None),
    )


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from aiopt_hooks.context import load_repo_config
    from aiopt_hooks.pipeline import run_check
    from aiopt_hooks.records import Result
    from aiopt_hooks.verdict.decide import not_decided

    if skip_requested():
        print("aiopt-guard: skipped (AIOPT_SKIP is set); no cost check was made", file=sys.stderr)
        skipped = Result(not_decided("pass", 0, "skipped: AIOPT_SKIP is set"))
        if args.format == "json":
            emit(skipped, args.format)
        _record_skip(options_from(args), skipped)
        return 0
    options = options_from(args)
    ctx = load_repo_config(options)
    settings.update(
        max_seconds=ctx.config.max_seconds,
        on_timeout=ctx.config.on_timeout,
        on_internal_error=ctx.config.on_internal_error,
        repo=str(ctx.root),
        git_dir=str(ctx.git_dir),
    )
    if getattr(args, "update_lock", False):
        _update_lock(options, ctx)
    if hasattr(signal, "SIGALRM"):
        signal.setitimer(signal.ITIMER_REAL, ctx.config.max_seconds)
    from aiopt_hooks.commands.stage import guard_range, stage_of

    guard = bool(getattr(args, "guard", False))
    if guard:
        options = guard_range(options, ctx, os.environ)
    result = run_check(options, ctx)._replace(
        stage=stage_of(options, getattr(args, "hook_type", None), guard, os.environ)
    )
    if not _silent(result, args.format):
        emit(result, args.format)
    _step_summary(result)
    from aiopt_hooks.render.audit import record_check  # light: the hot path's modules are already loaded

    record_check(ctx.git_dir, options.from_ref, options.to_ref, result, ctx.config)
    return result.verdict.exit_code


def _silent(result: Result, fmt: str) -> bool:
    """A commit that changes no watched file adds nothing to the hook framework's own lines."""
    return (
        fmt == "text"
        and result.stage.name in ("pre-commit", "commit-msg")
        and result.estimate is None
        and result.verdict.verdict == "pass"
        and not result.all_findings
        and not result.verdict.reasons
    )


def _record_skip(options: CheckOptions, result: Result) -> None:
    """A skipped check still leaves a line in the audit trail (when the repository can be found)."""
    from aiopt_hooks.context import load_repo_config
    from aiopt_hooks.errors import AioptError
    from aiopt_hooks.render.audit import record_check

    try:
        ctx = load_repo_config(options)
    except AioptError:
        return
    record_check(ctx.git_dir, options.from_ref, options.to_ref, result, ctx.config)


def _update_lock(options: CheckOptions, ctx: RepoContext) -> None:
    from aiopt_hooks.errors import AioptError
    from aiopt_hooks.pipeline import staged_lock
    from aiopt_hooks.render.money import money
    from aiopt_hooks.verdict.lock import LOCK_PATH

    if options.from_ref or options.to_ref:
        raise AioptError(
            "--update-lock writes the lock of the staged config, not of a ref range",
            hint="drop --from-ref/--to-ref, or check the ref out and run `aiopt lock`",
        )
    lock = staged_lock(options, ctx)
    print(
        f"aiopt: {LOCK_PATH} updated and staged: {money(lock['monthly_usd'])}/month over "
        f"{len(lock['features'])} feature(s)",
        file=sys.stderr,
    )


def _step_summary(result: Result) -> None:
    """In GitHub Actions, append the Markdown report to the job summary too."""
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from aiopt_hooks.redact import redact
    from aiopt_hooks.render.text import render_markdown

    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(redact(render_markdown(result)) + "\n")
    except OSError as exc:
        print(f"aiopt: could not append to GITHUB_STEP_SUMMARY ({exc.strerror}); the report is above", file=sys.stderr)
