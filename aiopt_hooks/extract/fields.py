"""Field reading shared by the extractors: parsing, key lookup, value coercion, selectors.

Stage: file text -> call specs.  The extractors decide which mapping is a call site and what
its feature is; this module turns such a mapping into a `CallSpec` with normalized fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from aiopt_hooks.config import is_env_ref
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.formats import BOM, PROMPT_SUFFIXES
from aiopt_hooks.records import CallSpec
from aiopt_hooks.yamlio import load_yaml

MODEL_KEYS = ("model", "model_id", "deployment", "azure_deployment", "llm", "model_name")
# A system prompt held in a config (open-interpreter's `system_message`, Gemini's `system_instruction`...).
SYSTEM_PROMPT_KEYS = (
    "system_message",
    "systemMessage",
    "systemPrompt",
    "custom_instructions",
    "system_instruction",
    "systemInstruction",
    "baseAgentSystemMessage",
    "baseSystemMessage",
)
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "max_output_tokens": (
        "max_tokens",
        "max_output_tokens",
        "max_completion_tokens",
        "maxOutputTokens",
        "maxTokens",
        "max_new_tokens",
        "max_tokens_to_sample",
    ),
    "provider": ("provider",),
    "retries": ("max_retries", "num_retries", "retries", "retry", "attempts", "max_retry_limit"),
    "fallbacks": ("fallbacks", "fallback_models", "fallback"),
    "n": ("n", "num_choices", "candidateCount", "candidate_count"),
    "reasoning_effort": ("reasoning_effort", "reasoningEffort", "reasoning.effort"),
    "thinking_budget": (
        "thinking.budget_tokens",
        "thinkingBudget",
        "thinking_budget",
        "thinkingConfig.thinkingBudget",
        "reasoningBudgetTokens",
    ),
    "traffic": ("sample_rate", "traffic_share", "rate", "enabled"),
    "prompt": (
        "prompt",
        "prompt_file",
        "prompt_path",
        "system_prompt",
        "system",
        "instructions",
        "template",
        *SYSTEM_PROMPT_KEYS,
        "chatOptions.baseAgentSystemMessage",
        "chatOptions.baseSystemMessage",
        "chatOptions.baseChatSystemMessage",
    ),
}
CONTAINERS = (
    "litellm_params",
    "parameters",
    "options",
    "config",
    "extra_params",
    "defaultCompletionOptions",
    "generation_config",
    "generationConfig",
    "model_parameters",
    "modelParameters",
    "params",
    "settings",
    "completion",
    "completion_kwargs",
    "model_kwargs",
    "llm_kwargs",
    "generate_kwargs",
    "generation_kwargs",
)
SECRET_KEY = re.compile(r"key|token|secret|password|credential|auth", re.IGNORECASE)
INT_FIELDS = ("max_output_tokens", "retries", "n", "thinking_budget")

Found = tuple[Any, "int | None", str]  # value, line, the key as written
NOT_FOUND: Found = (None, None, "")


def parse_document(path: str, text: str) -> Any:
    """Parse a YAML, JSON or TOML file (a leading BOM is ignored); errors carry the file and line."""
    lower = path.lower()
    text = text.removeprefix(BOM)
    if lower.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise AioptError(
                f"invalid JSON: {exc.msg}", file=path, line=exc.lineno, hint="fix the syntax, or unstage the file"
            ) from None
        except RecursionError:
            raise AioptError("invalid JSON: nested too deeply", file=path, line=1) from None
    if lower.endswith(".toml"):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            end = max(len(text.splitlines()), 1)  # tomllib says "at end of document" instead
            raise AioptError(f"invalid TOML: {exc}", file=path, line=int(found.group(1)) if found else end) from None
        except RecursionError:
            raise AioptError("invalid TOML: nested too deeply", file=path, line=1) from None

    return load_yaml(text, path)


def line_of(text: str, key: str, value: Any = None, start: int = 1) -> int | None:
    """Best line for `key` (and its value) from line `start` on, for parsers that keep no positions."""
    leaf = key.rsplit(".", 1)[-1]
    pattern = re.compile(rf"""(^|[\s"'{{,\[])({re.escape(leaf)})["']?\s*[:=]""")
    first = None
    for number, line in enumerate(text.splitlines()[start - 1 :], start):
        if line.lstrip().startswith(("#", "//")) or not pattern.search(line):
            continue
        if value is None or str(value) in line:
            return number
        first = first or number
    return first


def locate(text: str, where: Iterable[str | int]) -> int:
    """The line where a nested entry starts (`features.b` in JSON, `[llm.vision]` in TOML), found
    key by key, so that a later entry's fields are not looked up in an earlier one; 1 if unknown."""
    start = 1
    lines = text.splitlines()
    for part in where:
        if isinstance(part, int):
            continue
        pattern = re.compile(rf"""(^|[\s"'{{,\[.])({re.escape(part)})["']?\s*([:=.]|\]$)""")
        start = next(
            (
                number
                for number, line in enumerate(lines[start - 1 :], start)
                if not line.lstrip().startswith(("#", "//")) and pattern.search(line.strip())
            ),
            start,
        )
    return start


def line_with(text: str, needle: str) -> int | None:
    """The first non-comment line holding `needle` (for values written without a key)."""
    return next(
        (
            number
            for number, line in enumerate(text.splitlines(), 1)
            if needle in line and not line.lstrip().startswith(("#", "//"))
        ),
        None,
    )


def get_dotted(mapping: Mapping[str, Any], dotted: str) -> tuple[Any, Mapping[str, Any] | None, str]:
    """Value at a dotted key inside a mapping, with the mapping that holds the leaf."""
    *heads, leaf = dotted.split(".")
    holder: Any = mapping
    for head in heads:
        holder = holder.get(head) if isinstance(holder, Mapping) else None
    if isinstance(holder, Mapping) and leaf in holder:
        return holder[leaf], holder, leaf
    return None, None, leaf


def found_at(holder: Mapping[str, Any], key: str) -> Found:
    """The value of `key` in `holder` with its YAML line (None where the parser keeps none)."""
    if key not in holder or holder[key] is None:
        return NOT_FOUND
    return holder[key], getattr(holder, "lines", {}).get(key), key


def lookup(entry: Mapping[str, Any], keys: Iterable[str]) -> Found:
    """First of `keys` (dotted allowed) in the entry, then in its parameter blocks."""
    for block in (entry, *(entry[c] for c in CONTAINERS if isinstance(entry.get(c), Mapping))):
        for key in keys:
            value, holder, leaf = get_dotted(block, key)
            if holder is not None and value is not None:
                return found_at(holder, leaf)
    return NOT_FOUND


def model_of(entry: Mapping[str, Any]) -> Found:
    """The entry's model; a parameter block's `model` wins (a `model_name` beside it is an alias)."""
    for container in CONTAINERS:
        block = entry.get(container)
        if isinstance(block, Mapping) and isinstance(block.get("model"), str):
            return found_at(block, "model")
    for key in MODEL_KEYS:
        value = entry.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return found_at(entry, key)
    return NOT_FOUND


def _whole_number(field: str, raw: Any, path: str, line: int | None) -> int | None:
    def bad(expected: str) -> AioptError:
        return AioptError(
            f"`{field}` must be {expected}, got {raw!r}",
            file=path,
            line=line,
            hint="fix the value, or unstage the file",
        )

    if isinstance(raw, bool):
        raise bad("a whole number")
    if isinstance(raw, Mapping) and field == "retries":
        return None  # a retry *policy* block is read by the formats that define one
    if is_env_ref(raw):
        return None  # not statically known: treated as unset
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise bad("a whole number") from None
    if number != number or number < 0 or number > 1e12:
        raise bad("a non-negative whole number")
    return int(number)


def coerce(field: str, raw: Any, path: str, line: int | None) -> Any:
    """A raw config value as the normalized field value (None: not a value of this field)."""
    if field in INT_FIELDS:
        return _whole_number(field, raw, path, line)
    if field == "traffic":
        if isinstance(raw, bool):
            return 1.0 if raw else 0.0
        if isinstance(raw, (int, float)) and 0 <= raw <= 1:
            return float(raw)
        return None  # `rate: 100` is a rate limit, not a traffic share
    if field == "fallbacks":
        flat: list[str] = []
        for item in raw if isinstance(raw, (list, tuple)) else [raw]:
            if isinstance(item, Mapping):
                for key, value in item.items():
                    if SECRET_KEY.search(str(key)):
                        continue  # `{model: x, api_key: sk-...}`: a credential is not a fallback
                    flat.extend(str(v) for v in (value if isinstance(value, list) else [value]))
            elif item is not None:
                flat.append(str(item))
        return tuple(flat)
    if isinstance(raw, (Mapping, list)):
        return None
    return str(raw)


def prompt_value(raw: Any) -> tuple[str | None, str | None]:
    """(prompt file reference, inline prompt text) from a `prompt:` value."""
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    value = raw.strip()
    if "\n" not in value and (
        value.lower().endswith(PROMPT_SUFFIXES + (".prompty", ".prompt")) or value.startswith("file://")
    ):
        return value.removeprefix("file://"), None
    return None, raw


def read_spec(
    path: str,
    text: str,
    entry: Mapping[str, Any],
    feature: str,
    selector: str = "",
    *,
    keys: Mapping[str, tuple[str, ...]] = FIELD_KEYS,
    defaults: Mapping[str, Found] | None = None,
    exact_lines: bool = True,
    line_start: int = 1,
) -> CallSpec:
    """The call spec one mapping describes.  `keys` may add a `model` key list (else `model_of`);
    `defaults` fill the fields the entry does not set (file-wide settings, such as retries)."""
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    prompt_text = None
    found = {"model": lookup(entry, keys["model"]) if "model" in keys else model_of(entry)}
    found.update((field, lookup(entry, names)) for field, names in keys.items() if field != "model")
    for field, default in (defaults or {}).items():
        if found.get(field, NOT_FOUND)[0] is None:
            found[field] = default
    for field, (raw, line, key) in found.items():
        if raw is None:
            continue
        if not exact_lines and key:
            line = line_of(text, key, raw if isinstance(raw, (str, int, float)) else None, line_start) or line
        if field == "prompt":
            ref, prompt_text = prompt_value(raw)
            value: Any = ref or ("inline" if prompt_text else None)
        else:
            value = coerce(field, raw, path, line)
        if value is None:
            continue
        fields[field] = value
        if line:
            lines[field] = line
    return CallSpec(file=path, feature=feature, selector=selector, fields=fields, lines=lines, prompt_text=prompt_text)


def unique_selectors(prefix: str, names: Iterable[str]) -> list[str]:
    """`prefix.name` per name; a repeated name gets `.2`, `.3`, ... so that entries stay apart."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        base = f"{prefix}.{name}" if prefix else name
        out.append(base if seen[name] == 1 else f"{base}.{seen[name]}")
    return out
