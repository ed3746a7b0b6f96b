"""promptfoo eval configs (`promptfooconfig.yaml`, or any YAML/JSON with top-level `providers:` and
`prompts:`/`tests:`): one call spec per entry of `providers`.

A provider is a string `provider:model` / `provider:api:model` (`openai:chat:gpt-4o-mini`) or an
object `{id, label, config}`; the model is the id as written (`config.model` where the id names
an agent, e.g. `anthropic:claude-agent-sdk`), the settings come from `config` (`max_tokens`,
`reasoning.effort`, ...; YAML merge keys are expanded).  The feature is the label, else the id.
promptfoo runs every prompt against every provider; each spec carries the first of `prompts`
(inline text, or a `file://` / relative path, also inside `{label, raw}` objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiopt_hooks.extract.fields import (
    Found,
    found_at,
    line_of,
    line_with,
    parse_document,
    prompt_value,
    read_spec,
    unique_selectors,
)
from aiopt_hooks.records import CallSpec


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _providers(raw: Any, text: str) -> list[tuple[str, Mapping[str, Any], Found]]:
    """(feature, config, the id as found) per provider."""
    items = raw if isinstance(raw, list) else [raw] if raw else []
    out: list[tuple[str, Mapping[str, Any], Found]] = []
    for item in items:
        if isinstance(item, str):
            out.append((item, {}, (item, line_with(text, item), "")))
        elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
            feature = str(item.get("label") or item["id"])
            out.append((feature, _mapping(item.get("config")), found_at(item, "id")))
        elif isinstance(item, Mapping) and len(item) == 1:  # {"openai:gpt-4o": {label, config}}
            ident, body = next(iter(item.items()))
            out.append(
                (
                    str(_mapping(body).get("label") or ident),
                    _mapping(_mapping(body).get("config")),
                    (str(ident), line_with(text, str(ident)), ""),
                )
            )
    return out


def _first_prompt(raw: Any) -> tuple[str | None, str | None]:
    """(file reference, inline text) of the first prompt."""
    first = next(iter(raw), None) if isinstance(raw, (list, Mapping)) else raw
    if isinstance(first, Mapping):
        first = first.get("raw") or first.get("id")
    return prompt_value(first)


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    if not isinstance(document, Mapping):
        return []
    providers = _providers(document.get("providers"), text)
    ref, inline = _first_prompt(document.get("prompts"))
    prompt_line = line_of(text, "prompts")
    specs = []
    selectors = unique_selectors("providers", [feature for feature, _, _ in providers])
    for (feature, config, ident), selector in zip(providers, selectors):
        spec = read_spec(path, text, config, feature, selector, defaults={"model": ident})
        if ref or inline:
            spec = spec._replace(
                fields={**spec.fields, "prompt": ref or "inline"},
                prompt_text=inline,
                lines={**spec.lines, **({"prompt": prompt_line} if prompt_line else {})},
            )
        specs.append(spec)
    return specs
