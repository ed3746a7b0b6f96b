"""`aiopt init`: scan the repository and write a commented `.aiopt.yaml`, then print the hook setup."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiopt_hooks.onboard.init import Scan

from aiopt_hooks.onboard.hookrev import pre_commit_snippet
from aiopt_hooks.onboard.init import render_config, scan, write_config
from aiopt_hooks.render.money import money
from aiopt_hooks.repo.git import repo_paths


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="overwrite an existing .aiopt.yaml")
    parser.add_argument(
        "--baseline",
        action="append",
        default=[],
        metavar="PATH",
        help="the usage log (repeatable; default: every log found in the repository)",
    )
    parser.add_argument("--warn-pct", type=float, default=5.0, help="warn threshold, %% of the current monthly cost")
    parser.add_argument("--block-pct", type=float, default=20.0, help="block threshold, %% of the current monthly cost")
    parser.add_argument("--repo", default=".", help="repository directory (default: current)")
    parser.add_argument(
        "--write-summary",
        action="store_true",
        help="also write .aiopt/baseline-summary.json from the logs found, to commit for teammates "
        "and CI that do not have the raw log",
    )


def _offer_summary(root: Path, found: Scan, write: bool) -> None:
    """Write the committable baseline summary (--write-summary), or say how, when a log was found."""
    from aiopt_hooks.baseline.read import COMMITTED_SUMMARY

    if not found.logs:
        return
    if not write:
        lead = (
            f"{', '.join(found.ignored_logs)} is ignored by git: teammates and CI will not have it. "
            if found.ignored_logs
            else ""
        )
        print(
            f"aiopt: {lead}For a clone without the log, commit a summary: `aiopt init --write-summary`, or "
            f"`aiopt baseline summarize {' '.join(found.logs)} -o {COMMITTED_SUMMARY}` (read when the log is absent)"
        )
        return
    from aiopt_hooks.baseline.read import summarize_baseline
    from aiopt_hooks.commands.baseline import _write
    from aiopt_hooks.pricing.prices import tier_thresholds

    _write(
        summarize_baseline([root / log for log in found.logs], tier_thresholds(), display_root=root),
        root / COMMITTED_SUMMARY,
    )
    print(f"aiopt: commit {COMMITTED_SUMMARY}: teammates and CI without the log read it instead")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    root = repo_paths(args.repo)[0]
    found = scan(root, list(args.baseline))
    write_config(root, render_config(found, args.warn_pct, args.block_pct), args.force)
    cost = f", {money(found.monthly_usd)}/month" if found.monthly_usd is not None else ""
    print(
        f"aiopt: wrote .aiopt.yaml: {len(found.files)} LLM file(s), {len(found.features)} feature(s); "
        f"baseline: {', '.join(found.logs) or 'none found'}"
        + (f" ({found.requests:,} requests{cost})" if found.requests else "")
        + (f"; {found.baseline_error}" if found.baseline_error else "")
    )
    for path, why in found.unreadable.items():
        print(f"aiopt: skipped {path}: {why}")
    if found.left_out:
        print(
            f"aiopt: not watched: {len(found.left_out)} LLM-looking file(s) of docs and samples "
            f"({', '.join(found.left_out[:3])}{', ...' if len(found.left_out) > 3 else ''}); "
            "add them to `watch:` if the app reads them"
        )
    _offer_summary(root, found, bool(args.write_summary))
    print("\nWith the pre-commit framework, add to .pre-commit-config.yaml (then `pre-commit install`):\n")
    print(pre_commit_snippet())
    print("Without it: `aiopt install-hook`. Then `aiopt explain` shows what the guard sees.")
    return 0
