"""`aiopt install-hook`: the guard as a plain git hook, for teams without the pre-commit framework."""

from __future__ import annotations

import argparse

from aiopt_hooks.repo.git import hooks_dir, repo_paths
from aiopt_hooks.repo.hooks import install

HOOK_TYPES = ("pre-commit", "pre-push", "commit-msg", "pre-merge-commit")


def add_hook_type(parser: argparse.ArgumentParser) -> None:
    """`--hook-type TYPE`, with `--pre-push` as its short form: shared by install-hook and uninstall-hook."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--hook-type",
        choices=HOOK_TYPES,
        default="pre-commit",
        help="which git hook (default: pre-commit; commit-msg also honours a Cost-Approved: trailer)",
    )
    group.add_argument(
        "--pre-push",
        dest="hook_type",
        action="store_const",
        const="pre-push",
        help="the pre-push hook: checks what each push adds",
    )
    parser.add_argument("--repo", default=".", help="repository directory (default: current)")


def configure(parser: argparse.ArgumentParser) -> None:
    add_hook_type(parser)
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--force", action="store_true", help="replace a hook aiopt did not write (a backup is kept)")
    how.add_argument("--chain", action="store_true", help="keep a hook aiopt did not write and run it first")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    root = repo_paths(args.repo)[0]
    print(
        f"aiopt: {install(hooks_dir(root), args.hook_type, force=args.force, chain=args.chain)}. "
        "Skip it once with AIOPT_SKIP=1."
    )
    return 0
