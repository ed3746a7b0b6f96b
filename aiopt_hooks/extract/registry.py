"""Call-spec extractors, one per file format, in one explicit table.

Stage: file text -> call specs.  A new format is one module with `EXTRACTOR` and one entry in
`EXTRACTORS`; the first extractor whose `matches(path)` is true (and, for one with a `sniff`,
whose `sniff(text)` is true too) reads the file.  Specialized formats come before the generic
structured one, which stays the fallback for any YAML/JSON/TOML file.
"""

from __future__ import annotations

from aiopt_hooks.extract import (
    aider,
    continue_dev,
    crewai,
    dotenv,
    dotprompt,
    litellm,
    openmanus,
    prompt_text,
    promptfoo,
    prompty,
    semantic_kernel,
    source_js,
    source_python,
    structured,
)
from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.records import CallSpec

EXTRACTORS: tuple[Extractor, ...] = (
    # known by name
    prompty.EXTRACTOR,
    dotprompt.EXTRACTOR,
    aider.EXTRACTOR,
    promptfoo.EXTRACTOR,
    dotenv.EXTRACTOR,
    # known by name and content
    crewai.EXTRACTOR,
    # known by content, any name
    litellm.EXTRACTOR,
    semantic_kernel.EXTRACTOR,
    continue_dev.EXTRACTOR,
    promptfoo.BY_CONTENT,
    openmanus.EXTRACTOR,
    prompt_text.EXTRACTOR,
    # source code (Python, TypeScript/JavaScript)
    source_python.EXTRACTOR,
    source_js.EXTRACTOR,
    # the fallback for any YAML/JSON/TOML
    structured.EXTRACTOR,
)


def extractor_for(path: str, text: str | None = None) -> Extractor | None:
    """The extractor for a file.  Without its text: the first one that may read it by its name."""
    for extractor in EXTRACTORS:
        if extractor.matches(path) and (extractor.sniff is None or text is None or extractor.sniff(text)):
            return extractor
    return None


def extract_call_specs(path: str, text: str) -> list[CallSpec]:
    """All call specs a file version holds ([] for a format no extractor reads)."""
    extractor = extractor_for(path, text)
    return extractor.extract(path, text) if extractor else []
