"""The extractor type: how one file format is recognised and read into call specs."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from aiopt_hooks.records import CallSpec


class Extractor(NamedTuple):
    name: str
    matches: Callable[[str], bool]
    extract: Callable[[str, str], list[CallSpec]]
    # For a format known by content rather than name (any YAML with `model_list:`): the text test.
    sniff: Callable[[str], bool] | None = None
