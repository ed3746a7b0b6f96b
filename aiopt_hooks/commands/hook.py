"""`aiopt hook TYPE [ARGS...]`: what the plain git hooks written by `aiopt install-hook` run.

pre-commit and pre-merge-commit check the staged change; commit-msg also honours a
`Cost-Approved:` trailer; pre-push checks every pushed ref's range (git passes the refs on stdin;
under the pre-commit framework without refs, `--from-env` takes the branch from PRE_COMMIT_*).
"""

from __future__ import annotations

import argparse
import os
import sys

from aiopt_hooks.commands import check
from aiopt_hooks.commands.common import HelpFormatter, skip_requested
from aiopt_hooks.commands.install_hook import HOOK_TYPES


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hook_type", choices=HOOK_TYPES)
    parser.add_argument("hook_args", nargs="*", help="the arguments git passes to the hook")
    parser.add_argument(
        "--from-env",
        action="store_true",
        help="pre-push under the pre-commit framework: the branch and remote from PRE_COMMIT_*",
    )
    check.add_source_options(parser, refs=False)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def _check_args(args: argparse.Namespace, *refs: str) -> argparse.Namespace:
    """The namespace `aiopt check` would parse, with this command's options and the given refs."""
    parser = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
    check.configure(parser)
    ns = parser.parse_args(["--format", args.format, "--repo", args.repo, *refs])
    ns.config, ns.baseline, ns.message_file = args.config, args.baseline, None
    ns.hook_type = args.hook_type
    return ns


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from pathlib import Path

    from aiopt_hooks.repo.pushrange import new_branch_range, push_ranges

    if args.hook_type != "pre-push":
        ns = _check_args(args)
        if args.hook_type == "commit-msg":
            ns.message_file = args.hook_args[0] if args.hook_args else None
        return check.run(ns, settings)
    if skip_requested():
        return check.run(_check_args(args), settings)
    root = Path(args.repo)
    if args.from_env:
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
        ranges = [new_branch_range(root, remote, os.environ.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD")]
    else:
        remote = args.hook_args[0] if args.hook_args else "origin"
        ranges = push_ranges(root, remote, sys.stdin.read().splitlines())
    code = 0
    for rng in ranges:
        if rng.note:
            print(f"aiopt-guard: {rng.note}", file=sys.stderr)
        refs = (f"--from-ref={rng.from_ref}", f"--to-ref={rng.to_ref}")  # `=`: a ref is never read as an option
        code = max(code, check.run(_check_args(args, *refs), settings))
    return code
