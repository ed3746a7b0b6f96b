"""LiteLLM proxy configs (`litellm_config.yaml`, `litellm/config.yaml`, any YAML with `model_list:`).

One call spec per `model_list` entry: the feature is its `model_name` (the alias clients call),
the model is `litellm_params.model` (the real, provider-prefixed model), the cap
`litellm_params.max_tokens`.  Entries sharing a `model_name` (a load-balanced group) stay apart
by their model, `model_list.<name>@<model>` (not by position: a reordered or regenerated list
pairs each deployment with itself, and an added or removed one is a change of the group's
deployments; a deployment's `weight` is kept for its traffic share).  File-wide settings apply to every entry that does not set its own: retries from
`num_retries` (`router_settings`, `litellm_settings` or top level), `retry_policy` (error class
-> retries, kept as written, `RateLimitErrorRetries=2, TimeoutErrorRetries=1`; errors it does not
name get `num_retries`), fallbacks from `fallbacks`,
`context_window_fallbacks` and `content_policy_fallbacks` (one-key maps alias -> [aliases]; each
alias is resolved to its real model through this file's `model_list`) and `default_fallbacks`.
`os.environ/NAME` values stay as written (a model given so is "not statically known").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.fields import (
    NOT_FOUND,
    Found,
    found_at,
    parse_document,
    read_spec,
)
from aiopt_hooks.records import CallSpec

SETTINGS = ("router_settings", "litellm_settings")
FALLBACK_KEYS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")


def _blocks(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Where file-wide settings may sit, most specific first."""
    return [*(document[s] for s in SETTINGS if isinstance(document.get(s), Mapping)), document]


def _retries(blocks: list[Mapping[str, Any]]) -> Found:
    return next((found_at(b, "num_retries") for b in blocks if b.get("num_retries") is not None), NOT_FOUND)


def _retry_policy(path: str, blocks: list[Mapping[str, Any]]) -> Found:
    """`retry_policy` as one canonical string, `RateLimitErrorRetries=2, TimeoutErrorRetries=1`."""
    value, line, key = next(
        (found_at(b, "retry_policy") for b in blocks if isinstance(b.get("retry_policy"), Mapping)), NOT_FOUND
    )
    if value is None:
        return NOT_FOUND
    parts = []
    for error, count in sorted(value.items()):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise AioptError(
                f"`retry_policy.{error}` must be a non-negative whole number, got {count!r}",
                file=path,
                line=getattr(value, "lines", {}).get(error, line),
                hint="fix the value, or unstage the file",
            )
        parts.append(f"{error}={count}")
    return (", ".join(parts), line, key) if parts else NOT_FOUND


def _real_models(entries: list[Mapping[str, Any]]) -> dict[str, str]:
    """alias -> the real model of its first deployment."""
    real: dict[str, str] = {}
    for entry in entries:
        params = entry.get("litellm_params")
        if isinstance(params, Mapping) and isinstance(params.get("model"), str):
            real.setdefault(str(entry.get("model_name")), params["model"])
    return real


def _targets(value: Any) -> list[str]:
    return [str(t) for t in (value if isinstance(value, list) else [value]) if t is not None]


def _fallbacks(blocks: list[Mapping[str, Any]], alias: str, real: dict[str, str]) -> Found:
    """The alias's fallback chain (every kind, in order) as real models."""
    chain: list[str] = []
    line = None
    for block in blocks:
        for key in FALLBACK_KEYS:
            for item in block.get(key) or ():
                if isinstance(item, Mapping) and item.get(alias) is not None:
                    chain += _targets(item[alias])
                    line = line or getattr(item, "lines", {}).get(alias)
    if not chain:  # `default_fallbacks` serve every alias without a chain of its own
        default = next((found_at(b, "default_fallbacks") for b in blocks if b.get("default_fallbacks")), NOT_FOUND)
        chain, line = _targets(default[0]), default[1]
    if not chain:
        return NOT_FOUND
    return list(dict.fromkeys(real.get(target, target) for target in chain)), line, "fallbacks"


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    if not isinstance(document, Mapping) or not isinstance(document.get("model_list"), list):
        return []
    entries = [e for e in document["model_list"] if isinstance(e, Mapping)]
    names = [str(e.get("model_name") or "") for e in entries]
    blocks = _blocks(document)
    real = _real_models(entries)
    defaults = {"retries": _retries(blocks), "retry_policy": _retry_policy(path, blocks)}
    specs = []
    for entry, name, selector in zip(entries, names, _selectors(entries, names)):
        spec = read_spec(
            path, text, entry, name, selector, defaults={**defaults, "fallbacks": _fallbacks(blocks, name, real)}
        )
        weight = _weight(entry)
        specs.append(spec._replace(fields={**spec.fields, "weight": weight}) if weight is not None else spec)
    return specs


def _weight(entry: Mapping[str, Any]) -> float | None:
    """A deployment's `litellm_params.weight` (its share of the alias's traffic under simple-shuffle)."""
    params = entry.get("litellm_params")
    value = params.get("weight") if isinstance(params, Mapping) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _deployment(entry: Mapping[str, Any]) -> str:
    params = entry.get("litellm_params")
    model = params.get("model") if isinstance(params, Mapping) else None
    return str(model if model is not None else entry.get("model") or "")


def _selectors(entries: list[Mapping[str, Any]], names: list[str]) -> list[str]:
    """`model_list.<name>` for a group of one deployment, `model_list.<name>@<model>` for each
    deployment of a load-balanced group (`#2`, ... where one model is deployed twice)."""
    sizes = {name: names.count(name) for name in names}
    keys = [f"{name}@{_deployment(entry)}" if sizes[name] > 1 else name for entry, name in zip(entries, names)]
    return _numbered("model_list", keys)


def _numbered(prefix: str, keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        out.append(f"{prefix}.{key}" if seen[key] == 1 else f"{prefix}.{key}#{seen[key]}")
    return out
