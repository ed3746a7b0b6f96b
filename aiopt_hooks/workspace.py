"""Where the log commands (`whatif`, `compare`, `scan`, `report`) stand: the repository when there
is one (its `.aiopt.yaml`, the summary and price caches and the history under the git dir), or
else just a folder and the logs named on the command line (no cache, no history).

Stage: the first one these commands run, like `check.load_repo_config` for `check`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.baseline.read import read_baseline
from aiopt_hooks.config import Config, load_config
from aiopt_hooks.context import CheckOptions, baseline_patterns, load_repo_config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.pricing.prices import PriceBook
from aiopt_hooks.repo.git import repo_paths


class Workspace(NamedTuple):
    root: Path
    config: Config
    git_dir: Path | None  # None outside a repository: no cache, no history

    @property
    def cache_dir(self) -> Path | None:
        return self.git_dir / "aiopt" if self.git_dir else None


def open_workspace(args: argparse.Namespace) -> Workspace:

    folder = Path(args.repo)
    if not folder.is_dir():
        raise AioptError("no such directory", file=str(args.repo), hint="pass an existing folder to --repo")
    try:
        repo_paths(folder)
    except AioptError:  # not a repository: the logs and config named here, nothing cached
        path = Path(args.config) if args.config else folder / ".aiopt.yaml"
        if args.config and not path.is_file():
            raise AioptError("config file not found", file=str(args.config)) from None
        return Workspace(folder.resolve(), load_config(path), None)
    ctx = load_repo_config(CheckOptions(repo=args.repo, config=args.config))
    return Workspace(ctx.root, ctx.config, ctx.git_dir)


def log_patterns(args: argparse.Namespace, ws: Workspace, logs: list[str] | None = None) -> list[str]:
    """Logs named on the command line, else --baseline / AIOPT_BASELINE / `baseline.path`."""

    if logs:
        return [str(Path(p).resolve()) if Path(p).exists() else p for p in logs]
    return list(baseline_patterns(CheckOptions(baselines=tuple(getattr(args, "baseline", ()))), ws.config))


def read_summary(ws: Workspace, patterns: list[str], prices: PriceBook) -> BaselineSummary:

    return read_baseline(patterns, ws.root, ws.config, prices.thresholds, ws.cache_dir)
