"""`aiopt report --html FILE [check|whatif|compare|scan] [ARGS...]`: the same run as the command named
(default: `check` of the staged change), written as one self-contained HTML page.

Exit codes as the command named (a scan: 0).  A check, what-if or log diff made here is recorded
in the history like any other.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiopt_hooks.errors import AioptError
from aiopt_hooks.redact import redact

if TYPE_CHECKING:
    from aiopt_hooks.records import Result
    from aiopt_hooks.render.html import Side
    from aiopt_hooks.workspace import Workspace

SOURCES = ("check", "whatif", "compare", "scan")
Built = tuple[str, "Result | None", "list[Side]"]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html", metavar="FILE", help="the page to write (one file, no network needed to view it)")
    sub = parser.add_subparsers(dest="source", metavar="{" + ",".join(SOURCES) + "}")
    for name in SOURCES:
        command = sub.add_parser(name, help=f"report of `aiopt {name}` (its options follow)")
        importlib.import_module(f"aiopt_hooks.commands.{name}").configure(command)
        command.add_argument("--html", metavar="FILE", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _scan_side(label: str, ws: Workspace, summary: object) -> Side:
    from aiopt_hooks.baseline.model import BaselineSummary
    from aiopt_hooks.pricing.prices import PriceBook
    from aiopt_hooks.pricing.scan import scan_baseline
    from aiopt_hooks.render.html import Side

    assert isinstance(summary, BaselineSummary)
    prices = PriceBook(ws.config, ws.cache_dir)
    side = Side(label, scan_baseline(summary, ws.config, prices))
    prices.save()
    return side


def _check(args: argparse.Namespace) -> Built:
    from aiopt_hooks.commands.check import options_from
    from aiopt_hooks.context import baseline_patterns, load_repo_config
    from aiopt_hooks.pipeline import run_check
    from aiopt_hooks.pricing.prices import PriceBook
    from aiopt_hooks.render.audit import record_check
    from aiopt_hooks.workspace import Workspace, read_summary

    options = options_from(args)
    ctx = load_repo_config(options)
    result = run_check(options, ctx)
    record_check(ctx.git_dir, options.from_ref, options.to_ref, result, ctx.config)
    ws = Workspace(ctx.root, ctx.config, ctx.git_dir)
    try:
        summary = read_summary(ws, list(baseline_patterns(options, ctx.config)), PriceBook(ctx.config, ws.cache_dir))
    except AioptError:
        if result.estimate is not None:
            raise
        return "aiopt check", result, []  # nothing priced and no baseline to chart
    return "aiopt check", result, [_scan_side("baseline", ws, summary)]


def _whatif(args: argparse.Namespace) -> Built:
    from aiopt_hooks.commands.whatif import compute, scope_of
    from aiopt_hooks.pricing.prices import PriceBook
    from aiopt_hooks.render.audit import record
    from aiopt_hooks.workspace import log_patterns, read_summary

    result, ws = compute(args)
    record(ws.git_dir, "whatif", scope_of(args), result, ws.config)
    summary = read_summary(ws, log_patterns(args, ws), PriceBook(ws.config, ws.cache_dir))
    return f"aiopt {scope_of(args)}", result, [_scan_side("baseline", ws, summary)]


def _compare(args: argparse.Namespace) -> Built:
    from aiopt_hooks.commands.compare import compute
    from aiopt_hooks.render.audit import record

    result, ws, (base, cand) = compute(args)
    record(ws.git_dir, "compare", f"compare {args.baseline_log} {args.candidate_log}", result, ws.config)
    title = f"aiopt compare: {Path(args.baseline_log).name} vs {Path(args.candidate_log).name}"
    return title, result, [_scan_side("baseline", ws, base), _scan_side("candidate", ws, cand)]


def _scan(args: argparse.Namespace) -> Built:
    from aiopt_hooks.commands.scan import compute
    from aiopt_hooks.render.html import Side

    return "aiopt scan", None, [Side("baseline", compute(args))]


BUILDERS: dict[str, Callable[[argparse.Namespace], Built]] = {
    "check": _check,
    "whatif": _whatif,
    "compare": _compare,
    "scan": _scan,
}


def _default_check(args: argparse.Namespace) -> argparse.Namespace:
    """No command named: `check` of the staged change, with its defaults."""
    from aiopt_hooks.commands import check

    parser = argparse.ArgumentParser(add_help=False)
    check.configure(parser)
    ns = parser.parse_args([])
    ns.html, ns.source, ns.message_file = args.html, "check", None
    return ns


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from aiopt_hooks.render.html import render_html

    if not getattr(args, "html", None):
        raise AioptError("--html FILE is required", hint="e.g. aiopt report --html aiopt-report.html scan")
    if args.source is None:
        args = _default_check(args)
    title, result, sides = BUILDERS[args.source](args)
    target = Path(args.html)
    try:
        target.write_text(redact(render_html(title, result, sides)), encoding="utf-8")
    except OSError as exc:
        raise AioptError(f"cannot write the report: {exc.strerror}", file=str(target)) from None
    verdict = f": {result.verdict.verdict}" if result is not None else ""
    print(f"aiopt: wrote {target} ({target.stat().st_size:,} bytes){verdict}", file=sys.stderr)
    return result.verdict.exit_code if result is not None else 0
