"""LiteLLM proxy configs (`litellm_config.yaml`, `litellm/config.yaml`, any YAML with `model_list:`).

One call spec per `model_list` entry: the feature is its `model_name` (the alias clients call),
the model is `litellm_params.model` (the real, provider-prefixed model), the cap
`litellm_params.max_tokens`.  Entries sharing a `model_name` (load balancing) stay apart as
`model_list.<name>`, `model_list.<name>.2`, ...  File-wide settings apply to every entry that does
not set its own: retries from `num_retries` (`router_settings`, `litellm_settings` or top level)
and `retry_policy` (error -> retries; the most any error gets), fallbacks from `fallbacks`,
`context_window_fallbacks` and `content_policy_fallbacks` (one-key maps alias -> [aliases]; each
alias is resolved to its real model through this file's `model_list`) and `default_fallbacks`.
`os.environ/NAME` values stay as written (a model given so is "not statically known").
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.extract.fields import (
    NOT_FOUND,
    Found,
    found_at,
    is_yaml,
    parse_document,
    read_spec,
    top_level_key,
    unique_selectors,
)
from aiopt_hooks.records import CallSpec

SETTINGS = ("router_settings", "litellm_settings")
FALLBACK_KEYS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
MODEL_LIST = top_level_key("model_list")


def matches(path: str) -> bool:
    return is_yaml(path)


def sniff(text: str) -> bool:
    return MODEL_LIST.search(text) is not None


def _blocks(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Where file-wide settings may sit, most specific first."""
    return [*(document[s] for s in SETTINGS if isinstance(document.get(s), Mapping)), document]


def _retries(blocks: list[Mapping[str, Any]]) -> Found:
    num = next((found_at(b, "num_retries") for b in blocks if b.get("num_retries") is not None), NOT_FOUND)
    policy = next((found_at(b, "retry_policy") for b in blocks if isinstance(b.get("retry_policy"), Mapping)),
                  NOT_FOUND)
    if policy[0] is None:
        return num
    counts = [v for v in policy[0].values() if isinstance(v, int) and not isinstance(v, bool)]
    if isinstance(num[0], int) and not isinstance(num[0], bool):
        counts.append(num[0])   # errors the policy does not name still get `num_retries`
    return (max(counts), policy[1], "retry_policy") if counts else num


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
    if not chain:   # `default_fallbacks` serve every alias without a chain of its own
        default = next((found_at(b, "default_fallbacks") for b in blocks if b.get("default_fallbacks")),
                       NOT_FOUND)
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
    retries = _retries(blocks)
    return [read_spec(path, text, entry, name, selector,
                      defaults={"retries": retries, "fallbacks": _fallbacks(blocks, name, real)})
            for entry, name, selector in zip(entries, names, unique_selectors("model_list", names))]


EXTRACTOR = Extractor("LiteLLM proxy config", matches, extract, sniff)
