"""Environment variables set inside YAML/JSON: docker-compose `services.<name>.environment` (a map
or `KEY=value` items), Kubernetes `env: [{name, value}]` and ConfigMap `data:`, Helm values'
`env`/`extraEnv`/`config` maps.  The variables are read by `envvars`; their feature falls back to
the service (or other enclosing entry) when the variable has no prefix (`MODEL_NAME`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiopt_hooks.extract.envvars import Variable, env_specs, is_setting
from aiopt_hooks.extract.fields import line_with
from aiopt_hooks.records import CallSpec

CONTAINERS = {
    "environment",
    "env",
    "extraenv",
    "extra_env",
    "envvars",
    "env_vars",
    "envs",
    "variables",
    "config",
    "configmap",
    "settings",
}
GENERIC = {"services", "spec", "template", "containers", "values", "app", "deployment", "data", "env", "environment"}
Where = tuple[str | int, ...]


def _scalar(value: Any) -> str | None:
    return None if isinstance(value, (Mapping, list)) or value is None else str(value)


def _variables(block: Any, text: str) -> list[Variable]:
    out: list[Variable] = []
    if isinstance(block, Mapping):
        lines = getattr(block, "lines", {})
        for key, value in block.items():
            raw = _scalar(value)
            if isinstance(key, str) and raw is not None and is_setting(key):
                out.append(Variable(key, raw, lines.get(key)))
    elif isinstance(block, list):
        for item in block:
            if isinstance(item, str) and "=" in item:
                key, _, raw = item.partition("=")
                if is_setting(key.strip()):
                    out.append(Variable(key.strip(), raw.strip(), line_with(text, item)))
            elif isinstance(item, Mapping) and isinstance(item.get("name"), str) and is_setting(item["name"]):
                raw = _scalar(item.get("value"))
                if raw is not None:
                    out.append(Variable(item["name"], raw, getattr(item, "lines", {}).get("value")))
    return out


def _owner(where: Where) -> str:
    return next((str(p) for p in reversed(where) if isinstance(p, str) and p.lower() not in GENERIC), "")


def env_specs_in_document(path: str, text: str, document: Any) -> list[CallSpec]:
    """Every environment block's LLM settings, one spec per block and prefix."""
    specs: list[CallSpec] = []
    configmap = isinstance(document, Mapping) and document.get("kind") == "ConfigMap"
    stack: list[tuple[Any, Where]] = [(document, ())]
    while stack:
        node, where = stack.pop()
        if isinstance(node, Mapping):
            for key, child in node.items():
                lowered = str(key).lower()
                if lowered in CONTAINERS or (configmap and where == () and key == "data"):
                    found = _variables(child, text)
                    if found:
                        at = ".".join(str(p) for p in (*where, key))
                        specs += env_specs(path, found, at, _owner(where))
                stack.append((child, (*where, str(key))))
        elif isinstance(node, list):
            stack.extend((child, (*where, i)) for i, child in enumerate(node))
    specs.sort(key=lambda s: s.selector)
    return specs
