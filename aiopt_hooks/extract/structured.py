"""Structured YAML/JSON/TOML configs with named entries holding model settings (the fallback).

An entry is a mapping with a model key (or an output cap); its name in the parent mapping is the
feature (`features.summarize.model` -> `summarize`).  Settings may sit in the entry or in one
nested parameter block (`parameters`, `options`, `litellm_params`, `completion_kwargs`, ...).  A
`model:`/`llm:` block naming its model by `name` (SWE-agent's `agent.model.name`) is an entry too.
Also read, at any depth: app settings keys naming a model (`default_model`, `chat_model`,
`llm_model`, `completion_model`, `chatModel`, ...: one spec each, feature = the key's prefix), a
system prompt or agent template held beside the entries (`system_message`, `instructions`,
SWE-agent's `system_template`/`instance_template`, ...: the prompt of the file's one entry, else of
the enclosing name), and environment blocks (`env_yaml`).  Formats with
a known layout have their own extractor, found before this one in the table.
"""

from __future__ import annotations

import bisect
import re
from pathlib import PurePosixPath
from typing import Any

from aiopt_hooks.extract.crewai import framework_defaults
from aiopt_hooks.extract.env_yaml import env_specs_in_document
from aiopt_hooks.extract.fields import (
    CONTAINERS,
    FIELD_KEYS,
    SYSTEM_PROMPT_KEYS,
    found_at,
    locate,
    lookup,
    model_of,
    parse_document,
    read_spec,
)
from aiopt_hooks.records import CallSpec

ROLES = (
    "default",
    "chat",
    "llm",
    "completion",
    "fast",
    "smart",
    "strategic",
    "reasoning",
    "summary",
    "summarization",
    "vision",
    "embedding",
    "agent",
    "planner",
    "judge",
    "grader",
)
SETTING_MODEL = re.compile(rf"({'|'.join(ROLES)})(?:_model(?:_name|_id)?|Model(?:Name|Id)?)\Z")
NAMED_MODEL_KEYS = {**FIELD_KEYS, "model": ("name",)}
PROMPT_ONLY = (
    "system_message",
    "system_prompt",
    "instructions",
    "system_template",
    "instance_template",
    *SYSTEM_PROMPT_KEYS,
)
COST_KEYS = ("max_output_tokens", "reasoning_effort", "thinking_budget", "retries", "n")

GENERIC_NAMES = {
    "llm",
    "llms",
    "model",
    "models",
    "config",
    "configs",
    "settings",
    "parameters",
    "options",
    "llm_config",
    "model_config",
    "configuration",
    "features",
    "agents",
    "templates",
}
Where = tuple[str | int, ...]  # the keys and list indexes leading to an entry


def _named_model(node: dict[str, Any], where: Where) -> bool:
    """A `model:`/`llm:` block naming its model by `name`, or setting a cost field without naming it
    (SWE-agent's `agent.model: {name: openai/gpt-5, completion_kwargs: {reasoning_effort: high}}`)."""
    if not where or where[-1] not in ("model", "llm"):
        return False
    return isinstance(node.get("name"), str) or any(
        lookup(node, FIELD_KEYS[field])[0] is not None for field in COST_KEYS
    )


def _named_by_name(node: dict[str, Any], where: Where) -> bool:
    return _named_model(node, where) and model_of(node)[0] is None and isinstance(node.get("name"), str)


def _is_entry(node: dict[str, Any], where: Where = ()) -> bool:
    if model_of(node)[0] is not None or _named_model(node, where):
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
            entry = _is_entry(current, at)
            if entry:
                found.append((at, current))
            for key, child in current.items():
                if entry and key in CONTAINERS:
                    continue  # absorbed into the entry
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
    specs = [
        read_spec(
            path,
            text,
            entry,
            _feature_name(where, entry, stem),
            ".".join(str(p) for p in where),
            keys=NAMED_MODEL_KEYS if _named_by_name(entry, where) else FIELD_KEYS,
            exact_lines=exact_lines,
            line_start=1 if exact_lines else locate(text, where),
            defaults=framework_defaults(entry),
        )
        for where, entry in found
    ]
    extra = _settings_and_prompts(path, text, document, specs, stem, exact_lines)
    return specs + extra + env_specs_in_document(path, text, document)


class KeyLines:
    """Where each key is written in a JSON/TOML text (whose parser keeps no lines), indexed once, so
    that a nested key is found by walking its path (`app.chat_model`) with a bisection per part."""

    KEY = re.compile(r"""["']?([\w$@-]+)["']?\s*(?:[:=]|\]|\.)""")

    def __init__(self, text: str) -> None:
        self.index: dict[str, list[int]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.lstrip().startswith(("#", "//")):
                for found in self.KEY.finditer(line):
                    self.index.setdefault(found.group(1), []).append(number)

    def locate(self, where: Where) -> int | None:
        start = 1
        for part in where:
            if isinstance(part, int):
                continue
            numbers = self.index.get(part, [])
            at = bisect.bisect_left(numbers, start)
            if at == len(numbers):
                return None
            start = numbers[at]
        return start


def _inside(where: Where, entries: set[str]) -> bool:
    """Whether `where` is an entry or one of its parameter blocks (the entry reads its prompt itself)."""
    here = ".".join(str(p) for p in where)
    parent = ".".join(str(p) for p in where[:-1])
    return here in entries or (bool(where) and str(where[-1]) in CONTAINERS and parent in entries)


def _settings_and_prompts(
    path: str, text: str, document: Any, entries: list[CallSpec], stem: str, exact_lines: bool
) -> list[CallSpec]:
    """App settings keys naming a model, and system prompts held outside any entry."""
    taken = {s.selector for s in entries}
    only = entries[0] if len(entries) == 1 else None
    lines = KeyLines(text)
    out: list[CallSpec] = []
    stack: list[tuple[Any, Where]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((child, (*where, i)) for i, child in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        here = ".".join(str(p) for p in where)
        for key, child in node.items():
            stack.append((child, (*where, str(key))))
            if not isinstance(child, str) or not child.strip():
                continue
            role = SETTING_MODEL.match(str(key))
            prompt = key in PROMPT_ONLY and not _inside(where, taken)
            if not role and not prompt:
                continue
            line = found_at(node, str(key))[1] if exact_lines else lines.locate((*where, str(key)))
            selector = f"{here}.{key}" if here else str(key)
            if role:
                out.append(
                    read_spec(
                        path, text, {}, role.group(1), selector, keys={}, defaults={"model": (child, line, str(key))}
                    )
                )
            else:
                feature = only.feature if only else _feature_name(where, node, stem)
                inherited = {"model": (only.fields["model"], None, "")} if only and "model" in only.fields else {}
                out.append(
                    read_spec(
                        path,
                        text,
                        {},
                        feature,
                        selector,
                        keys={},
                        defaults={**inherited, "prompt": (child, line, str(key))},
                    )
                )
    return sorted(out, key=lambda s: s.selector)
