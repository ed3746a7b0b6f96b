"""`aiopt scan [LOG]`: where the money goes and what could be saved, from the usage log alone."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from aiopt_hooks.commands.check import add_source_options
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.pricing.scan import scan_baseline
from aiopt_hooks.redact import redact
from aiopt_hooks.render.scan import RENDERERS
from aiopt_hooks.workspace import log_patterns, open_workspace, read_summary

if TYPE_CHECKING:
    from aiopt_hooks.pricing.scan import ScanReport


def configure(parser: argparse.ArgumentParser) -> None:

    parser.add_argument("logs", nargs="*", metavar="LOG", help="usage logs (default: the baseline of .aiopt.yaml)")
    add_source_options(parser, refs=False)
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def compute(args: argparse.Namespace) -> ScanReport:

    ws = open_workspace(args)
    prices = PriceBook(ws.config, ws.cache_dir)
    summary = read_summary(ws, log_patterns(args, ws, list(args.logs)), prices)
    report = scan_baseline(summary, ws.config, prices)
    prices.save()
    return report


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    sys.stdout.write(redact(RENDERERS[args.format](compute(args))))
    return 0
