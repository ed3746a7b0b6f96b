"""`aiopt whatif`: price a change given by flags (no diff) with the same estimator and report as `check`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aiopt_hooks.commands.check import add_source_options
from aiopt_hooks.commands.common import emit
from aiopt_hooks.pipeline import price_changes
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.pricing.whatif import Knobs, whatif_changes, with_budget
from aiopt_hooks.render.audit import record
from aiopt_hooks.workspace import log_patterns, open_workspace, read_summary

if TYPE_CHECKING:
    from aiopt_hooks.pricing.whatif import Knobs
    from aiopt_hooks.records import Result
    from aiopt_hooks.workspace import Workspace

FORMATS = ("text", "json", "markdown")


def configure(parser: argparse.ArgumentParser) -> None:

    knobs = parser.add_argument_group("the change (AIOpt transform-mode knobs)")
    knobs.add_argument("--feature", help="only this feature (default: every feature of the log)")
    knobs.add_argument("--model", help="re-price the requests at this model")
    knobs.add_argument("--provider", help="... of this provider")
    knobs.add_argument("--max-output-tokens", type=int, metavar="N", help="cap the output at N tokens")
    knobs.add_argument("--context-mult", type=float, metavar="X", help="input tokens x X")
    knobs.add_argument("--output-mult", type=float, metavar="X", help="output tokens x X (before the cap)")
    knobs.add_argument("--retries-delta", type=int, metavar="N", help="N more (or, negative, fewer) retries")
    knobs.add_argument("--call-mult", type=float, metavar="X", help="requests x X")
    knobs.add_argument(
        "--budget-monthly",
        type=float,
        metavar="USD",
        help="block when the candidate's monthly cost is over USD (policy.block.monthly_total_usd)",
    )
    add_source_options(parser, refs=False)
    parser.add_argument("--format", choices=FORMATS, default="text")


def knobs_from(args: argparse.Namespace) -> Knobs:

    return Knobs(
        args.feature,
        args.model,
        args.provider,
        args.max_output_tokens,
        args.context_mult,
        args.output_mult,
        args.retries_delta,
        args.call_mult,
        args.budget_monthly,
    )


def compute(args: argparse.Namespace) -> tuple[Result, Workspace]:

    ws = open_workspace(args)
    knobs = knobs_from(args)
    config = with_budget(ws.config, knobs.budget_monthly)
    prices = PriceBook(config, ws.cache_dir)
    summary = read_summary(ws, log_patterns(args, ws), prices)
    changes = whatif_changes(knobs, summary, config)
    result = price_changes(changes, [], summary, config, prices)._replace(kind="whatif")
    return result, ws._replace(config=config)


def scope_of(args: argparse.Namespace) -> str:
    flags = [f"--{k.replace('_', '-')} {v}" for k, v in knobs_from(args)._asdict().items() if v is not None]
    return "what-if " + " ".join(flags)


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    result, ws = compute(args)
    emit(result, args.format)
    record(ws.git_dir, "whatif", scope_of(args), result, ws.config)
    return result.verdict.exit_code
