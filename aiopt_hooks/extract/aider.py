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

from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.extract.fields import FIELD_KEYS, found_at, name_of, parse_document, read_spec, unique_selectors
from aiopt_hooks.records import CallSpec

SETTINGS = "aider.model.settings.yml"
CONF = "aider.conf.yml"
METADATA = "aider.model.metadata.json"
KEYS = {**FIELD_KEYS, "model": ("name",)}
SECONDARY = (("weak", "weak_model_name"), ("editor", "editor_model_name"))
CONF_MODELS = (("", "model"), ("weak", "weak-model"), ("editor", "editor-model"))


TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")


def _name(path: str) -> str:
    """The file's aider name: `.aider.conf.yml.example` is read as `.aider.conf.yml`."""
    name = name_of(path).lstrip(".").lower()
    for suffix in TEMPLATE_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def matches(path: str) -> bool:
    return _name(path) in (SETTINGS, CONF, METADATA)


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
    name = _name(path)
    if name == METADATA:
        return []
    document = parse_document(path, text)
    return _settings(path, text, document) if name == SETTINGS else _conf(path, text, document)


EXTRACTOR = Extractor("aider config", matches, extract)
