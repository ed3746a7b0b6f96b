"""The extractor type: how one file format is recognised and read into call specs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import NamedTuple

from aiopt_hooks.records import CallSpec


class Extractor(NamedTuple):
    name: str
    module: str  # the module of `aiopt_hooks.extract` whose `extract(path, text)` reads the format
    matches: Callable[[str], bool]
    # For a format known by content rather than name (any YAML with `model_list:`): the text test.
    sniff: Callable[[str], bool] | None = None

    def extract(self, path: str, text: str) -> list[CallSpec]:
        """The module's `extract`, imported the first time a file of the format is read."""
        read: Callable[[str, str], list[CallSpec]] = importlib.import_module(f"{__package__}.{self.module}").extract
        return read(path, text)
