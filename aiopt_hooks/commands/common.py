"""Helpers shared by the subcommands: output, the skip flag and the help formatter."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, asking the terminal's width only when help or usage is printed.

    argparse builds a formatter for every `add_argument` (to check its nargs), and the default one asks
    shutil for the width at once: shutil imports bz2, lzma and more, ~2 ms of every commit."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, 80 if width is None else width)
        self._asked = (max_help_position, width)

    def format_help(self) -> str:
        max_help_position, width = self._asked
        if width is None:  # what HelpFormatter.__init__ does without a width
            import shutil

            self._width = shutil.get_terminal_size().columns - 2
            self._max_help_position = min(max_help_position, max(self._width - 20, self._indent_increment * 2))
        return super().format_help()


def skip_requested() -> bool:
    return os.environ.get("AIOPT_SKIP", "").strip().lower() not in ("", "0", "false", "no")


def emit(result: Any, fmt: str) -> None:
    from aiopt_hooks.redact import redact
    from aiopt_hooks.render.text import RENDERERS

    sys.stdout.write(redact(RENDERERS[fmt](result)))
