"""aider configs: `.aider.model.settings.yml`, `.aider.conf.yml` and `.aider.model.metadata.json`
(also as committed templates: `.aider.conf.yml.example`, `.sample`, `.template`, `.dist`).

The settings file is a list of `{name, extra_params: {max_tokens, ...}, weak_model_name,
editor_model_name, ...}`: one call spec per entry (feature = `name`, the model it configures),
plus one per secondary model, which aider calls on its own (commit messages, edits): feature
`<name>:weak` and `<name>:editor`.  `.aider.conf.yml` picks the models in use (`model`,
`weak-model`, `editor-model`: features `aider`, `aider:weak`, `aider:editor`).  The metadata
JSON is a price and context-window table, not a call site: it yields no call spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiopt_hooks.extract.fields import FIELD_KEYS, found_at, parse_document, read_spec, unique_selectors
from aiopt_hooks.extract.formats import AIDER_METADATA, AIDER_SETTINGS, aider_name
from aiopt_hooks.records import CallSpec

KEYS = {**FIELD_KEYS, "model": ("name",)}
SECONDARY = (("weak", "weak_model_name"), ("editor", "editor_model_name"))
CONF_MODELS = (("", "model"), ("weak", "weak-model"), ("editor", "editor-model"))


def _settings(path: str, text: str, document: Any) -> list[CallSpec]:
    items = document if isinstance(document, list) else []
    entries = [e for e in items if isinstance(e, Mapping) and e.get("name")]
    names = [str(e["name"]) for e in entries]
    specs = []
    for entry, name, selector in zip(entries, names, unique_selectors("", names)):
        specs.append(read_spec(path, text, entry, name, selector, keys=KEYS))
        for role, key in SECONDARY:
            if entry.get(key):
                specs.append(
                    read_spec(
                        path,
                        text,
                        {},
                        f"{name}:{role}",
                        f"{selector}:{role}",
                        keys={},
                        defaults={"model": found_at(entry, key)},
                    )
                )
    return specs


def _conf(path: str, text: str, document: Any) -> list[CallSpec]:
    if not isinstance(document, Mapping):
        return []
    return [
        read_spec(
            path,
            text,
            {},
            f"aider:{role}" if role else "aider",
            role or "model",
            keys={},
            defaults={"model": found_at(document, key)},
        )
        for role, key in CONF_MODELS
        if document.get(key)
    ]


def extract(path: str, text: str) -> list[CallSpec]:
    name = aider_name(path)
    if name == AIDER_METADATA:
        return []
    document = parse_document(path, text)
    return _settings(path, text, document) if name == AIDER_SETTINGS else _conf(path, text, document)
