"""Structured YAML/JSON/TOML configs with named entries holding model settings (the fallback).

An entry is a mapping with a model key (or an output cap); its name in the parent mapping is the
feature (`features.summarize.model` -> `summarize`).  Settings may sit in the entry or in one
nested parameter block (`parameters`, `options`, `litellm_params`, ...).  Formats with a known
layout have their own extractor, found before this one in the table.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.extract.fields import (
    CONTAINERS,
    FIELD_KEYS,
    Found,
    locate,
    lookup,
    model_of,
    parse_document,
    read_spec,
)
from aiopt_hooks.records import CallSpec

SUFFIXES = (".yaml", ".yml", ".json", ".toml")
GENERIC_NAMES = {"llm", "llms", "model", "models", "config", "configs", "settings", "parameters",
                 "options", "llm_config", "model_config", "configuration", "features", "agents"}
Where = tuple[str | int, ...]   # the keys and list indexes leading to an entry


def matches(path: str) -> bool:
    return path.lower().endswith(SUFFIXES)


def _is_entry(node: dict[str, Any]) -> bool:
    if model_of(node)[0] is not None:
        return True
    return lookup(node, FIELD_KEYS["max_output_tokens"])[0] is not None


def _feature_name(path: Where, entry: dict[str, Any], stem: str) -> str:
    if path and isinstance(path[-1], int):
        for key in ("name", "id", "model_name", "title", "alias"):
            if isinstance(entry.get(key), str) and entry[key]:
                return str(entry[key])
    for part in reversed(path):
        if isinstance(part, str) and part.lower() not in GENERIC_NAMES:
            return part
    return stem


def _walk(node: Any, where: Where, found: list[tuple[Where, dict[str, Any]]]) -> None:
    stack = [(node, where)]
    while stack:
        current, at = stack.pop()
        if isinstance(current, dict):
            entry = _is_entry(current)
            if entry:
                found.append((at, current))
            for key, child in current.items():
                if entry and key in CONTAINERS:
                    continue   # absorbed into the entry
                stack.append((child, at + (str(key),)))
        elif isinstance(current, list):
            stack.extend((child, at + (i,)) for i, child in enumerate(current))


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    stem = PurePosixPath(path).name.split(".", 1)[0]
    exact_lines = not path.lower().endswith((".json", ".toml"))
    found: list[tuple[Where, dict[str, Any]]] = []
    _walk(document, (), found)
    found.sort(key=lambda item: [str(p) for p in item[0]])
    return [read_spec(path, text, entry, _feature_name(where, entry, stem), ".".join(str(p) for p in where),
                      exact_lines=exact_lines, line_start=1 if exact_lines else locate(text, where),
                      defaults=framework_defaults(entry))
            for where, entry in found]


# CrewAI retries a failed LLM call twice unless an agent sets `max_retry_limit` (crewai.Agent's default).
CREWAI_AGENT_KEYS = {"role", "goal", "backstory"}
CREWAI_RETRIES = 2


def framework_defaults(entry: dict[str, Any]) -> dict[str, Found]:
    """The settings a framework applies when the entry leaves them out, so that adding one shows the real
    old value (`retries: 2 -> 5` for a CrewAI agent, not `(none) -> 5`)."""
    if len(CREWAI_AGENT_KEYS.intersection(entry)) >= 2:
        return {"retries": (CREWAI_RETRIES, None, "")}
    return {}


EXTRACTOR = Extractor("structured config", matches, extract)
