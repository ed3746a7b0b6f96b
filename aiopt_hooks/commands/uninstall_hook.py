"""`aiopt uninstall-hook`: remove the plain git hook `aiopt install-hook` wrote (restoring a chained one)."""

from __future__ import annotations

import argparse

from aiopt_hooks.commands.install_hook import add_hook_type
from aiopt_hooks.repo.git import hooks_dir, repo_paths
from aiopt_hooks.repo.hooks import uninstall


def configure(parser: argparse.ArgumentParser) -> None:
    add_hook_type(parser)


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    print(f"aiopt: {uninstall(hooks_dir(repo_paths(args.repo)[0]), args.hook_type)}")
    return 0
