"""Command line: the only layer that prints or exits.

Errors are values at the edges: `AioptError` -> one line and exit 2; anything else is a bug ->
one line asking for a report, exit 3 (blocks the commit unless `on_internal_error: warn`).
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from aiopt_hooks.commands.common import HelpFormatter
from aiopt_hooks.errors import AioptError
from aiopt_hooks.redact import one_line

if TYPE_CHECKING:
    from aiopt_hooks.records import VerdictName

SKIP_HELP = "To commit anyway: SKIP=aiopt-guard git commit ... (pre-commit) or AIOPT_SKIP=1 git commit ... (git hook)"
# name -> (module under aiopt_hooks.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "estimate the staged change (or a ref range) and decide pass / warn / block"),
    "baseline": ("baseline", "baseline summaries: `summarize` logs, `import-rows` from a warehouse, `thresholds`"),
    "approve": ("approve", "record a reviewed approval of the staged change in .aiopt/approvals.yaml"),
    "lock": ("lock", "write aiopt.lock, the creep guard's reference: the config and its monthly cost"),
    "init": ("init", "scan the repository and write a commented .aiopt.yaml"),
    "explain": ("explain", "show which files are watched, their features and the baseline traffic they match"),
    "install-hook": ("install_hook", "install the guard as a plain git hook (no pre-commit framework)"),
    "uninstall-hook": ("uninstall_hook", "remove the plain git hook written by install-hook"),
    "guard-msg": ("guard_msg", "check at commit-msg, honouring a Cost-Approved: trailer (hook aiopt-guard-msg)"),
    "hook": ("hook", "run as a git hook (what install-hook writes)"),
    "whatif": ("whatif", "price a change given by flags (model, cap, multipliers) against the usage log"),
    "compare": ("compare", "diff two usage logs (e.g. last week vs a canary): cost per feature and model"),
    "scan": ("scan", "where the money goes in a usage log, and what could be saved"),
    "report": ("report", "write an HTML report of a check, a scan or a log diff (--html FILE)"),
    "history": ("history", "list the audit trail of checks, what-ifs and log diffs"),
}


HOOK_COMMANDS = ("check", "guard-msg", "hook")  # bounded by max_seconds
HARD_STOP_GRACE = 2.0  # seconds past max_seconds before a check that ignores the alarm is ended


class _Timeout(BaseException):  # not an Exception: no `except Exception` on the way may swallow it
    pass


def _version() -> str:
    """The installed distribution's version (`aiopt-hooks`), as pip, pipx and uv record it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aiopt-hooks")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed; run from a source tree)"


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked (the metadata import costs ~20 ms on every commit otherwise)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the installed version and exit"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(f"aiopt {_version()}\n")
        parser.exit()


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiopt", description="Guard against LLM cost accidents on git commit.", formatter_class=HelpFormatter
    )
    parser.add_argument("--version", action=_VersionAction)
    # `prog` given: argparse would otherwise format the parent's usage to find it (the terminal's width)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", prog="aiopt")
    # The chosen command's parser alone (argparse builds each in ~0.5 ms, on every commit); all of them
    # for `aiopt`, `aiopt --help` or an unknown command, which list them.
    for name, (module, text) in COMMANDS.items() if chosen is None else [(chosen, COMMANDS[chosen])]:
        command = sub.add_parser(name, help=text, description=text, formatter_class=HelpFormatter)
        if name == chosen:  # only the chosen command's module is imported
            importlib.import_module(f"aiopt_hooks.commands.{module}").configure(command)
            command.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return parser


def _error_result(message: str, code: int, fmt: str, verdict: VerdictName = "error") -> int:
    if fmt in ("json", "sarif"):
        from aiopt_hooks.commands.common import emit
        from aiopt_hooks.records import Finding, Result
        from aiopt_hooks.verdict.decide import not_decided

        finding = Finding("block", "error" if code == 2 else "internal_error", message)
        emit(Result(not_decided(verdict, code, message), findings=[finding]), fmt)
    return code


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


def _timeout_message(settings: dict[str, object]) -> str:
    from aiopt_hooks.commands.unfinished import notice

    return (
        f"the check took longer than max_seconds ({settings['max_seconds']} s) and was stopped; "
        f"outcome per on_timeout: {settings['on_timeout']}{notice(settings)}"
    )


def _watchdog(settings: dict[str, object], started: float, done: threading.Event) -> None:
    """Ends the process when a check overruns max_seconds and the alarm cannot stop it (a long call
    inside C code, or a platform without SIGALRM): a hook must never hang a commit."""
    while not done.is_set():
        left = started + float(str(settings["max_seconds"])) + HARD_STOP_GRACE - time.monotonic()
        if left <= 0:
            block = settings["on_timeout"] == "block"
            text = f"aiopt: {_timeout_message(settings)}\n" + (f"aiopt: {SKIP_HELP}\n" if block else "")
            os.write(2, text.encode())
            os._exit(1 if block else 0)
        done.wait(min(left, 0.5))


def _start_watchdog(command: str, settings: dict[str, object]) -> threading.Event:
    done = threading.Event()
    if command in HOOK_COMMANDS:
        threading.Thread(
            target=_watchdog, args=(settings, time.monotonic(), done), daemon=True, name="aiopt-watchdog"
        ).start()
    return done


def _survive_the_locale() -> None:
    """Under a locale whose encoding cannot show every character (LC_ALL=C without UTF-8 mode), a
    feature name or path with other characters is printed escaped (\\xe9) instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _survive_the_locale()
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = _parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    fmt = getattr(args, "format", "text")
    settings: dict[str, object] = {"max_seconds": 20.0, "on_timeout": "warn", "on_internal_error": "block"}
    started = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, _on_alarm) if hasattr(signal, "SIGALRM") else None
    done = _start_watchdog(args.command, settings)
    try:
        module = importlib.import_module(f"aiopt_hooks.commands.{COMMANDS[args.command][0]}")
        code: int = module.run(args, settings)
        return code
    except AioptError as exc:
        print(f"aiopt: error: {one_line(str(exc))}", file=sys.stderr)
        if args.command in HOOK_COMMANDS:
            print(f"aiopt: {SKIP_HELP}", file=sys.stderr)
        return _error_result(one_line(str(exc)), 2, fmt)
    except _Timeout:
        return _timed_out(settings, fmt)
    except KeyboardInterrupt:
        # A query in C code (DuckDB) turns the alarm's exception into an interrupt: past the
        # deadline of a hook command, that interrupt was the alarm.
        if args.command in HOOK_COMMANDS and time.monotonic() - started >= float(str(settings["max_seconds"])):
            return _timed_out(settings, fmt)
        print("aiopt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug must not show a traceback
        if _from_timeout(exc):
            return _timed_out(settings, fmt)
        return _internal_error(exc, args, settings, fmt)
    finally:
        done.set()
        if old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)


def _from_timeout(exc: BaseException) -> bool:
    """The alarm, wrapped by Python on its way out: raised while a class was being created (an import
    of DuckDB's Python module, say), it arrives as `RuntimeError: Error calling __set_name__`."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, _Timeout):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _timed_out(settings: dict[str, object], fmt: str) -> int:
    block = settings["on_timeout"] == "block"
    message = _timeout_message(settings)
    print(f"aiopt: {message}", file=sys.stderr)
    if block:
        print(f"aiopt: {SKIP_HELP}", file=sys.stderr)
    return _error_result(message, 1 if block else 0, fmt, "block" if block else "warn")


def _internal_error(exc: Exception, args: argparse.Namespace, settings: dict[str, object], fmt: str) -> int:
    """A bug: one line asking for a report (the traceback with --debug), then exit 3, which blocks the
    commit (a broken guard must not let a costly change through), or 0 with `on_internal_error: warn`."""
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exc()
    warn = settings["on_internal_error"] == "warn"
    what = one_line(f"{type(exc).__name__}: {exc}", 200)
    print(
        f"aiopt: internal error ({what}). This is a bug: please report it with "
        f"the output of `aiopt {args.command} --debug`.",
        file=sys.stderr,
    )
    if not warn:
        print(f"aiopt: {SKIP_HELP}", file=sys.stderr)
    return _error_result(f"internal error: {type(exc).__name__}", 0 if warn else 3, fmt, "warn" if warn else "error")


def guard_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aiopt-guard` hook: `aiopt check`, with pre-push refs when pre-commit gives them."""
    args = list(sys.argv[1:] if argv is None else argv)
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref and "--from-ref" not in args:
        bad = next(
            (
                (name, value)
                for name, value in (("PRE_COMMIT_FROM_REF", from_ref), ("PRE_COMMIT_TO_REF", to_ref))
                if not _ref_like(value)
            ),
            None,
        )
        if bad:
            message = (
                f"{bad[0]}={bad[1]!r} is not a git ref or commit (pre-commit sets it at the pre-push "
                "stage); unset it, or set it to a branch, tag or commit id"
            )
            print(f"aiopt: error: {one_line(message)}", file=sys.stderr)
            fmt = next((a.split("=", 1)[1] for a in args if a.startswith("--format=")), None) or (
                args[args.index("--format") + 1] if "--format" in args[:-1] else "text"
            )
            return _error_result(one_line(message), 2, fmt)
        args = [f"--from-ref={from_ref}", f"--to-ref={to_ref}", *args]
    elif os.environ.get("PRE_COMMIT_REMOTE_NAME") and "--from-ref" not in args:
        # pre-push without refs: pre-commit pushes a branch whose root is new to the remote
        return main(["hook", "pre-push", "--from-env", *args])
    return main(["check", "--guard", *[_as_path(a) for a in args]])


def _ref_like(value: str) -> bool:
    """A value git could read as a revision, not an option (`--all`) or several words."""
    return bool(value) and not value.startswith("-") and value.isprintable() and not any(c.isspace() for c in value)


def _as_path(arg: str) -> str:
    """A file name starting with a dash, as pre-commit passes it (`-llm.yaml`), is a path, not an option."""
    return f"./{arg}" if arg.startswith("-") and os.path.lexists(arg) else arg


def guard_msg_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `aiopt-guard-msg` hook (commit-msg stage): pre-commit passes the message file."""
    return main(["guard-msg", *(sys.argv[1:] if argv is None else argv)])


def _exit_now(code: int) -> NoReturn:
    """End the process once the output is flushed, without the interpreter's teardown: after a large
    log's read, freeing the price data and DuckDB's module one object at a time took ~0.08 s of every
    such check.  Everything the check keeps is already written (caches atomically, the audit line);
    the watchdog is a daemon thread.  An output pipe closed early (`| head`) is not an error here."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


# The installed commands (`aiopt`, `aiopt-guard`, `aiopt-guard-msg`): the functions above, then a quick exit.
def entry() -> NoReturn:
    _exit_now(main())


def guard_entry() -> NoReturn:
    _exit_now(guard_main())


def guard_msg_entry() -> NoReturn:
    _exit_now(guard_msg_main())


if __name__ == "__main__":
    entry()
