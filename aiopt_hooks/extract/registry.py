"""Call-spec extractors, one per file format, in one explicit table.

Stage: file text -> call specs.  A new format is one module with `extract(path, text)` and one
entry in `EXTRACTORS`, naming the module and the cheap tests that recognise the format (in
`formats`).  The first extractor whose `matches(path)` is true (and, for one with a `sniff`, whose
`sniff(text)` is true too) reads the file; its module is imported only then, so checking
`config/llm.yaml` loads the structured reader alone, not every parser.  Specialized formats come
before the generic structured one, which stays the fallback for any YAML/JSON/TOML file.
"""

from __future__ import annotations

from aiopt_hooks.extract import formats
from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.extract.source_watch import reads_llm_settings
from aiopt_hooks.records import CallSpec

EXTRACTORS: tuple[Extractor, ...] = (
    # known by name
    Extractor("Prompty", "prompty", formats.prompty),
    Extractor("dotprompt", "dotprompt", formats.dotprompt),
    Extractor("aider config", "aider", formats.aider),
    Extractor("promptfoo config", "promptfoo", formats.promptfoo),
    Extractor(".env file", "dotenv", formats.dotenv),
    # known by name and content
    Extractor("CrewAI agents/tasks", "crewai", formats.crewai, formats.crewai_text),
    # known by content, any name
    Extractor("LiteLLM proxy config", "litellm", formats.is_yaml, formats.litellm_text),
    Extractor(
        "Semantic Kernel prompt config", "semantic_kernel", formats.semantic_kernel, formats.semantic_kernel_text
    ),
    Extractor("continue config", "continue_dev", formats.is_yaml, formats.continue_text),
    Extractor("promptfoo config", "promptfoo", formats.yaml_or_json, formats.promptfoo_text),
    Extractor("OpenManus TOML config", "openmanus", formats.toml, formats.openmanus_text),
    Extractor("prompt text", "prompt_text", formats.prompt_text),
    # source code (Python, TypeScript/JavaScript)
    Extractor("Python source", "source_python", formats.python_source, reads_llm_settings),
    Extractor("TypeScript/JavaScript source", "source_js", formats.js_source, reads_llm_settings),
    # the fallback for any YAML/JSON/TOML
    Extractor("structured config", "structured", formats.structured),
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
