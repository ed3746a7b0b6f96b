"""Helpers shared by the subcommands: output and the skip flag."""

from __future__ import annotations

import os
import sys
from typing import Any


def skip_requested() -> bool:
    return os.environ.get("AIOPT_SKIP", "").strip().lower() not in ("", "0", "false", "no")


def emit(result: Any, fmt: str) -> None:
    from aiopt_hooks.redact import redact
    from aiopt_hooks.render.text import RENDERERS

    sys.stdout.write(redact(RENDERERS[fmt](result)))
