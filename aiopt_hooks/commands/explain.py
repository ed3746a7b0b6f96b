"""`aiopt explain`: which files are watched, which features they map to, how many baseline requests
each matches, and what is unmatched.  Writes nothing."""

from __future__ import annotations

import argparse
import json
import sys

from aiopt_hooks.commands.check import add_source_options, options_from
from aiopt_hooks.context import load_repo_config
from aiopt_hooks.onboard.explain import explain, render_explain
from aiopt_hooks.redact import redact


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser, refs=False)
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    options = options_from(args)
    report = explain(options, load_repo_config(options))

    text = json.dumps(report, indent=2) + "\n" if args.format == "json" else render_explain(report)
    sys.stdout.write(redact(text))
    return 0
