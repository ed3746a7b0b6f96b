"""`aiopt init`: scan the repository and write a commented `.aiopt.yaml`, then print the hook setup."""
from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="overwrite an existing .aiopt.yaml")
    parser.add_argument("--baseline", action="append", default=[], metavar="PATH",
                        help="the usage log (repeatable; default: every log found in the repository)")
    parser.add_argument("--warn-pct", type=float, default=5.0, help="warn threshold, %% of the current monthly cost")
    parser.add_argument("--block-pct", type=float, default=20.0,
                        help="block threshold, %% of the current monthly cost")
    parser.add_argument("--repo", default=".", help="repository directory (default: current)")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from aiopt_hooks.onboard.hookrev import pre_commit_snippet
    from aiopt_hooks.onboard.init import render_config, scan, write_config
    from aiopt_hooks.render.money import money
    from aiopt_hooks.repo.git import repo_paths

    root = repo_paths(args.repo)[0]
    found = scan(root, list(args.baseline))
    write_config(root, render_config(found, args.warn_pct, args.block_pct), args.force)
    cost = f", {money(found.monthly_usd)}/month" if found.monthly_usd is not None else ""
    print(f"aiopt: wrote .aiopt.yaml: {len(found.files)} LLM file(s), {len(found.features)} feature(s); "
          f"baseline: {', '.join(found.logs) or 'none found'}"
          + (f" ({found.requests:,} requests{cost})" if found.requests else "")
          + (f"; {found.baseline_error}" if found.baseline_error else ""))
    for path, why in found.unreadable.items():
        print(f"aiopt: skipped {path}: {why}")
    if found.left_out:
        print(f"aiopt: not watched: {len(found.left_out)} LLM-looking file(s) of docs and samples "
              f"({', '.join(found.left_out[:3])}{', ...' if len(found.left_out) > 3 else ''}); "
              "add them to `watch:` if the app reads them")
    print("\nWith the pre-commit framework, add to .pre-commit-config.yaml (then `pre-commit install`):\n")
    print(pre_commit_snippet())
    print("Without it: `aiopt install-hook`. Then `aiopt explain` shows what the guard sees.")
    return 0
