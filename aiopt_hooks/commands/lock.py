"""`aiopt lock`: write `aiopt.lock` for the staged config (the creep guard's reference) and stage it."""

from __future__ import annotations

import argparse
import sys

from aiopt_hooks.commands.check import add_source_options, options_from
from aiopt_hooks.context import load_repo_config
from aiopt_hooks.pipeline import staged_lock
from aiopt_hooks.render.money import money
from aiopt_hooks.verdict.lock import LOCK_PATH


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser, refs=False)


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    options = options_from(args)
    ctx = load_repo_config(options)
    lock = staged_lock(options, ctx)
    base = lock["baseline"]
    print(
        f"aiopt: wrote {LOCK_PATH} and staged it: {money(lock['monthly_usd'])}/month over "
        f"{len(lock['features'])} feature(s); prices {lock['prices']}; baseline {base['requests']:,} requests "
        f"from {base['from']} to {base['to']}. Commit it: reviewers see the cost reference move in its diff."
    )
    if not ctx.config.lockfile:
        print(
            "aiopt: note: `lockfile: true` is not set in .aiopt.yaml, so checks do not compare against it yet",
            file=sys.stderr,
        )
    return 0
