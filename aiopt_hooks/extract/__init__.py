"""Call-spec extractors, one per file format, found through one table.

Stage: file text -> call specs.  A new format is one module with `EXTRACTOR` and one entry here;
the first extractor whose `matches(path)` is true (and, for one with a `sniff`, whose
`sniff(text)` is true too) reads the file.  Specialized formats come before the generic
structured one, which stays the fallback for any YAML/JSON/TOML file.
"""
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


def _table() -> tuple[Extractor, ...]:
    from aiopt_hooks.extract import (aider, continue_dev, dotprompt, litellm, openmanus, prompt_text, prompty,
                                     promptfoo, semantic_kernel, structured)

    return (prompty.EXTRACTOR, dotprompt.EXTRACTOR, aider.EXTRACTOR, promptfoo.EXTRACTOR,
            litellm.EXTRACTOR, semantic_kernel.EXTRACTOR, continue_dev.EXTRACTOR, openmanus.EXTRACTOR,
            prompt_text.EXTRACTOR, structured.EXTRACTOR)


def extractor_for(path: str, text: str | None = None) -> Extractor | None:
    """The extractor for a file.  Without its text: the first one that may read it by its name."""
    for extractor in _table():
        if extractor.matches(path) and (extractor.sniff is None or text is None or extractor.sniff(text)):
            return extractor
    return None


def extract_call_specs(path: str, text: str) -> list[CallSpec]:
    """All call specs a file version holds ([] for a format no extractor reads)."""
    extractor = extractor_for(path, text)
    return extractor.extract(path, text) if extractor else []
