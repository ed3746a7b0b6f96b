"""Structured YAML/JSON/TOML configs with named entries holding model settings.

An entry is a mapping with a model key (or an output cap); its name in the parent mapping is the
feature (`features.summarize.model` -> `summarize`).  Settings may sit in the entry or in one
nested parameter block (`parameters`, `options`, `litellm_params`, ...).
"""
from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract import Extractor
from aiopt_hooks.extract.prompt_text import SUFFIXES as PROMPT_SUFFIXES
from aiopt_hooks.records import CallSpec

SUFFIXES = (".yaml", ".yml", ".json", ".toml")
MODEL_KEYS = ("model", "model_id", "deployment", "azure_deployment", "llm", "model_name")
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "max_output_tokens": ("max_tokens", "max_output_tokens", "max_completion_tokens", "maxOutputTokens",
                          "maxTokens", "max_new_tokens", "max_tokens_to_sample"),
    "provider": ("provider",),
    "retries": ("max_retries", "num_retries", "retries", "retry", "attempts", "max_retry_limit"),
    "fallbacks": ("fallbacks", "fallback_models", "fallback"),
    "n": ("n", "num_choices", "candidateCount", "candidate_count"),
    "reasoning_effort": ("reasoning_effort", "reasoningEffort", "reasoning.effort"),
    "thinking_budget": ("thinking.budget_tokens", "thinkingBudget", "thinking_budget",
                        "thinkingConfig.thinkingBudget"),
    "traffic": ("sample_rate", "traffic_share", "rate", "enabled"),
    "prompt": ("prompt", "prompt_file", "prompt_path", "system_prompt", "system", "instructions",
               "template"),
}
CONTAINERS = ("litellm_params", "parameters", "options", "config", "extra_params",
              "defaultCompletionOptions", "generation_config", "generationConfig", "model_parameters",
              "modelParameters", "params", "settings", "completion")
GENERIC_NAMES = {"llm", "llms", "model", "models", "config", "configs", "settings", "parameters",
                 "options", "llm_config", "model_config", "configuration", "features", "agents"}
INT_FIELDS = ("max_output_tokens", "retries", "n", "thinking_budget")


def matches(path: str) -> bool:
    return path.lower().endswith(SUFFIXES)


def parse_document(path: str, text: str) -> Any:
    """Parse a YAML, JSON or TOML file; errors carry the file and line."""
    lower = path.lower()
    if lower.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise AioptError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno,
                             hint="fix the syntax, or unstage the file") from None
        except RecursionError:
            raise AioptError("invalid JSON: nested too deeply", file=path) from None
    if lower.endswith(".toml"):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            raise AioptError(f"invalid TOML: {exc}", file=path,
                             line=int(found.group(1)) if found else None) from None
    from aiopt_hooks.yamlio import load_yaml

    return load_yaml(text, path)


def line_of(text: str, key: str, value: Any = None) -> int | None:
    """Best line for `key` (and its value) in files whose parser keeps no positions."""
    leaf = key.rsplit(".", 1)[-1]
    pattern = re.compile(rf"""(^|[\s"'{{,\[])({re.escape(leaf)})["']?\s*[:=]""")
    first = None
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.search(line):
            if value is None or str(value) in line:
                return number
            first = first or number
    return first


def _get(mapping: dict[str, Any], dotted: str) -> tuple[Any, dict[str, Any] | None, str]:
    """Value at a dotted key inside a mapping, with the mapping that holds the leaf."""
    *heads, leaf = dotted.split(".")
    holder: Any = mapping
    for head in heads:
        holder = holder.get(head) if isinstance(holder, dict) else None
    if isinstance(holder, dict) and leaf in holder:
        return holder[leaf], holder, leaf
    return None, None, leaf


Found = tuple[Any, "int | None", str]   # value, line, the key as written


def _lookup(entry: dict[str, Any], keys: tuple[str, ...]) -> Found:
    """First of `keys` in the entry, then in its parameter blocks."""
    for block in (entry, *(entry[c] for c in CONTAINERS if isinstance(entry.get(c), dict))):
        for key in keys:
            value, holder, leaf = _get(block, key)
            if holder is not None and value is not None:
                return value, getattr(holder, "lines", {}).get(leaf), leaf
    return None, None, ""


def _model_of(entry: dict[str, Any]) -> Found:
    # A parameter block's `model` is the real model; `model_name` beside it is an alias.
    for container in CONTAINERS:
        block = entry.get(container)
        if isinstance(block, dict) and isinstance(block.get("model"), str):
            return block["model"], getattr(block, "lines", {}).get("model"), "model"
    for key in MODEL_KEYS:
        value = entry.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return value, getattr(entry, "lines", {}).get(key), key
    return None, None, ""


def _is_entry(node: dict[str, Any]) -> bool:
    if _model_of(node)[0] is not None:
        return True
    return _lookup(node, FIELD_KEYS["max_output_tokens"])[0] is not None


def _feature_name(path: tuple[str | int, ...], entry: dict[str, Any], stem: str) -> str:
    if path and isinstance(path[-1], int):
        for key in ("name", "id", "model_name", "title", "alias"):
            if isinstance(entry.get(key), str) and entry[key]:
                return str(entry[key])
    for part in reversed(path):
        if isinstance(part, str) and part.lower() not in GENERIC_NAMES:
            return part
    return stem


def _coerce(field: str, raw: Any, path: str, line: int | None) -> Any:
    def bad(expected: str) -> AioptError:
        return AioptError(f"`{field}` must be {expected}, got {raw!r}", file=path, line=line,
                          hint="fix the value, or unstage the file")
    if field in INT_FIELDS:
        if isinstance(raw, bool):
            raise bad("a whole number")
        if isinstance(raw, dict) and field == "retries":
            return None   # a retry *policy* block is read by the formats that define one
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise bad("a whole number") from None
        if number != number or number < 0 or number > 1e12:
            raise bad("a non-negative whole number")
        return int(number)
    if field == "traffic":
        if isinstance(raw, bool):
            return 1.0 if raw else 0.0
        if isinstance(raw, (int, float)) and 0 <= raw <= 1:
            return float(raw)
        return None   # `rate: 100` is a rate limit, not a traffic share
    if field == "fallbacks":
        items = raw if isinstance(raw, list) else [raw]
        flat: list[str] = []
        for item in items:
            if isinstance(item, dict):
                for value in item.values():
                    flat.extend(str(v) for v in (value if isinstance(value, list) else [value]))
            elif item is not None:
                flat.append(str(item))
        return tuple(flat)
    if isinstance(raw, (dict, list)):
        return None
    return str(raw)


def _prompt(raw: Any) -> tuple[str | None, str | None]:
    """(prompt file reference, inline prompt text) from a `prompt:` value."""
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    value = raw.strip()
    if "\n" not in value and (value.lower().endswith(PROMPT_SUFFIXES + (".prompty", ".prompt"))
                              or value.startswith("file://")):
        return value.removeprefix("file://"), None
    return None, raw


def _spec(path: str, text: str, where: tuple[str | int, ...], entry: dict[str, Any], stem: str,
          exact_lines: bool) -> CallSpec:
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    prompt_text = None
    found: dict[str, Found] = {"model": _model_of(entry)}
    for field, keys in FIELD_KEYS.items():
        found[field] = _lookup(entry, keys)
    for field, (raw, line, key) in found.items():
        if raw is None:
            continue
        if not exact_lines:
            line = line_of(text, key, raw if isinstance(raw, (str, int, float)) else None) or line
        if field == "prompt":
            ref, prompt_text = _prompt(raw)
            value: Any = ref or ("inline" if prompt_text else None)
        else:
            value = _coerce(field, raw, path, line)
        if value is None:
            continue
        fields[field] = value
        if line:
            lines[field] = line
    selector = ".".join(str(p) for p in where)
    return CallSpec(file=path, feature=_feature_name(where, entry, stem), selector=selector,
                    fields=fields, lines=lines, prompt_text=prompt_text)


def _walk(node: Any, where: tuple[str | int, ...], found: list[tuple[tuple[str | int, ...], dict[str, Any]]]) -> None:
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
    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    _walk(document, (), found)
    found.sort(key=lambda item: [str(p) for p in item[0]])
    return [_spec(path, text, where, entry, stem, exact_lines) for where, entry in found]


EXTRACTOR = Extractor("structured config", matches, extract)
