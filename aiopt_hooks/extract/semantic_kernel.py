"""Semantic Kernel prompt configs: `<Function>/config.json` beside `skprompt.txt`, and prompt YAML.

`execution_settings` maps a service id (`default`, `gpt-4`, ...) to settings (`max_tokens`,
`model_id`, ...): one call spec per service, selector `execution_settings.<service>`; the legacy
(pre-1.0) `config.json` has one `completion` block instead, its model the first of
`default_backends`.  The prompt is its own spec (selector `template`), so that a template edit counts once however many services there are: the
inline `template:` of a prompt YAML, or the `skprompt.txt` beside a `config.json`.  The feature is
the folder of a `config.json` (`Joke/config.json` -> `Joke`), else the `name:` key or the stem.
A UTF-8 BOM at the start (common in SK's YAML files) is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from aiopt_hooks.extract.fields import (
    Found,
    found_at,
    line_of,
    line_with,
    locate,
    parse_document,
    read_spec,
)
from aiopt_hooks.extract.formats import is_yaml, name_of
from aiopt_hooks.records import CallSpec

PROMPT_FILE = "skprompt.txt"


def _feature(path: str, document: Mapping[str, object]) -> str:
    if name_of(path) == "config.json":
        return PurePosixPath(path).parent.name or "config"
    name = document.get("name")
    return str(name) if isinstance(name, str) and name else name_of(path).split(".", 1)[0]


def _prompt(path: str, text: str, document: Mapping[str, object], feature: str) -> CallSpec | None:
    template = document.get("template")
    if isinstance(template, str):
        line = found_at(document, "template")[1] or line_of(text, "template") or 1
        return CallSpec(
            file=path,
            feature=feature,
            selector="template",
            fields={"prompt": "inline"},
            lines={"prompt": line},
            prompt_text=template,
        )
    if name_of(path) == "config.json":  # the prompt is the `skprompt.txt` beside it
        return CallSpec(file=path, feature=feature, selector="template", fields={"prompt": PROMPT_FILE})
    return None


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    if not isinstance(document, Mapping):
        return []
    feature = _feature(path, document)
    settings = document.get("execution_settings")
    blocks = {
        f"execution_settings.{service}": block
        for service, block in (settings.items() if isinstance(settings, Mapping) else ())
    }
    backend: dict[str, Found] = {}
    if not blocks and isinstance(document.get("completion"), Mapping):
        blocks = {"completion": document["completion"]}  # the legacy (pre-1.0) schema
        backends = document.get("default_backends")  # its model: the first backend named
        if isinstance(backends, list) and backends and isinstance(backends[0], str):
            backend = {"model": (backends[0], line_with(text, f'"{backends[0]}"'), "default_backends")}
    specs = [
        read_spec(
            path,
            text,
            block,
            feature,
            selector,
            exact_lines=is_yaml(path),
            line_start=locate(text, selector.split(".", 1)),
            defaults=backend,
        )
        for selector, block in blocks.items()
        if isinstance(block, Mapping)
    ]
    prompt = _prompt(path, text, document, feature)
    return specs + ([prompt] if prompt else [])
