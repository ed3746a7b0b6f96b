"""`aiopt guard-msg MSGFILE` (the `aiopt-guard-msg` hook, commit-msg stage): `aiopt check` of the staged
change that honours a `Cost-Approved: <reason>` trailer in the commit message being written."""

from __future__ import annotations

import argparse

from aiopt_hooks.commands import check


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("message_file", help="the commit message file (git and pre-commit pass it)")
    check.add_source_options(parser, refs=False)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    return check.run(args, settings)
