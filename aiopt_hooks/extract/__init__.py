"""Call-spec extractors, one per file format, found through one table.

Stage: file text -> call specs.  A new format is one module with `EXTRACTOR` and one entry here;
the first extractor whose `matches(path)` is true reads the file.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from aiopt_hooks.records import CallSpec


class Extractor(NamedTuple):
    name: str
    matches: Callable[[str], bool]
    extract: Callable[[str, str], list[CallSpec]]


def _table() -> tuple[Extractor, ...]:
    from aiopt_hooks.extract import prompt_text, structured

    return (prompt_text.EXTRACTOR, structured.EXTRACTOR)


def extractor_for(path: str) -> Extractor | None:
    return next((e for e in _table() if e.matches(path)), None)


def extract_call_specs(path: str, text: str) -> list[CallSpec]:
    """All call specs a file version holds ([] for a format no extractor reads)."""
    extractor = extractor_for(path)
    return extractor.extract(path, text) if extractor else []
