"""Command line: the only layer that prints or exits.

Errors are values at the edges: `AioptError` -> one line and exit 2; anything else is a bug ->
one line asking for a report, exit 3 (blocks the commit unless `on_internal_error: warn`).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from aiopt_hooks.errors import AioptError

SKIP_HELP = "To commit anyway: SKIP=aiopt-guard git commit ... (pre-commit) or AIOPT_SKIP=1 git commit ... (git hook)"


class _Timeout(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aiopt", description="Guard against LLM cost accidents on git commit.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="estimate the staged change (or a ref range) and decide")
    check.add_argument("filenames", nargs="*", help="narrow the check to these paths (as pre-commit passes them)")
    check.add_argument("--from-ref", help="check the range from the merge base of this ref ...")
    check.add_argument("--to-ref", help="... to this ref (default HEAD)")
    check.add_argument("--config", help="config file (default: .aiopt.yaml at the repo root)")
    check.add_argument("--baseline", action="append", default=[], metavar="PATH",
                       help="usage log (repeatable; overrides the config and AIOPT_BASELINE)")
    check.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    check.add_argument("--repo", default=".", help="repository directory (default: current)")
    check.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return parser


def _skip_requested() -> bool:
    return os.environ.get("AIOPT_SKIP", "").strip().lower() not in ("", "0", "false", "no")


def _emit(result: object, fmt: str) -> None:
    from aiopt_hooks.report import RENDERERS, Result

    assert isinstance(result, Result)
    sys.stdout.write(RENDERERS[fmt](result))


def _error_result(message: str, code: int, fmt: str, verdict: str = "error") -> int:
    from aiopt_hooks.records import Finding, Verdict
    from aiopt_hooks.report import Result

    if fmt == "json":
        finding = Finding("block", "error" if code == 2 else "internal_error", message)
        _emit(Result(Verdict(verdict, code, (message,)), findings=[finding]), fmt)
    return code


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


def cmd_check(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from aiopt_hooks.check import CheckOptions, load_repo_config, run_check
    from aiopt_hooks.records import Verdict
    from aiopt_hooks.report import Result

    if _skip_requested():
        print("aiopt-guard: skipped (AIOPT_SKIP is set); no cost check was made", file=sys.stderr)
        if args.format == "json":
            _emit(Result(Verdict("pass", 0, ("skipped: AIOPT_SKIP is set",))), args.format)
        return 0
    options = CheckOptions(repo=args.repo, config=args.config, baselines=tuple(args.baseline),
                           from_ref=args.from_ref, to_ref=args.to_ref, paths=tuple(args.filenames))
    ctx = load_repo_config(options)
    settings.update(max_seconds=ctx.config.max_seconds, on_timeout=ctx.config.on_timeout,
                    on_internal_error=ctx.config.on_internal_error)
    if hasattr(signal, "SIGALRM"):
        signal.setitimer(signal.ITIMER_REAL, ctx.config.max_seconds)
    result = run_check(options, ctx)
    _emit(result, args.format)
    return result.verdict.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    fmt = getattr(args, "format", "text")
    settings: dict[str, object] = {"max_seconds": 20.0, "on_timeout": "warn", "on_internal_error": "block"}
    old_handler = signal.signal(signal.SIGALRM, _on_alarm) if hasattr(signal, "SIGALRM") else None
    try:
        return cmd_check(args, settings)
    except AioptError as exc:
        print(f"aiopt: error: {exc}", file=sys.stderr)
        print(f"aiopt: {SKIP_HELP}", file=sys.stderr)
        return _error_result(str(exc), 2, fmt)
    except _Timeout:
        block = settings["on_timeout"] == "block"
        message = (f"the check took longer than max_seconds ({settings['max_seconds']} s) and was stopped; "
                   f"outcome per on_timeout: {settings['on_timeout']}")
        print(f"aiopt: {message}", file=sys.stderr)
        if block:
            print(f"aiopt: {SKIP_HELP}", file=sys.stderr)
        return _error_result(message, 1 if block else 0, fmt, "block" if block else "warn")
    except KeyboardInterrupt:
        print("aiopt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug must not show a traceback
        if getattr(args, "debug", False):
            import traceback

            traceback.print_exc()
        warn = settings["on_internal_error"] == "warn"
        print(f"aiopt: internal error ({type(exc).__name__}: {exc}). This is a bug: please report it with "
              f"the output of `aiopt check --debug`.", file=sys.stderr)
        if not warn:
            print(f"aiopt: {SKIP_HELP}", file=sys.stderr)
        return _error_result(f"internal error: {type(exc).__name__}", 0 if warn else 3, fmt,
                             "warn" if warn else "error")
    finally:
        if old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)


def guard_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aiopt-guard` hook: `aiopt check`, with pre-push refs when pre-commit gives them."""
    args = list(sys.argv[1:] if argv is None else argv)
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref and "--from-ref" not in args:
        args = ["--from-ref", from_ref, "--to-ref", to_ref, *args]
    return main(["check", *args])


if __name__ == "__main__":
    raise SystemExit(main())
