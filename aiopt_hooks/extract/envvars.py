"""LLM settings held in environment variables: `AZURE_OPENAI_CHAT_MODEL=gpt-4o-mini`.

Shared by the `.env` reader and the YAML layouts that set a service's environment (docker-compose
`environment:`, Kubernetes `env:` lists and ConfigMap `data:`, Helm values).  A variable is read
by the end of its name: `_MODEL`, `_MODEL_NAME`, `_MODEL_ID`, `_LLM`, `_DEPLOYMENT(_NAME)` (the
model; a `_MODEL` wins over a `_DEPLOYMENT` of the same prefix, which is an Azure alias),
`_MAX_TOKENS`, `_MAX_OUTPUT_TOKENS`, `_MAX_COMPLETION_TOKENS`, `_MAX_NEW_TOKENS` (the output cap),
`_MAX_RETRIES`/`_NUM_RETRIES`, `_REASONING_EFFORT`, `_SYSTEM_PROMPT`.  Variables sharing a prefix
are one call spec (`OPENAI_MODEL` + `OPENAI_MAX_TOKENS`): feature = the prefix in lower case
(`azure_openai_chat`), or `default` for bare `MODEL` / `MAX_TOKENS`.  A `${VAR}` value stays as
written (a model given so is "not statically known"); a cap that is not a number (`<your cap>`)
is not statically known either and is left unset.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from aiopt_hooks.extract.fields import coerce, prompt_value
from aiopt_hooks.records import CallSpec

NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")
# (suffix, field, rank): for one prefix and field, the lowest rank wins
SUFFIXES = (
    ("MAX_OUTPUT_TOKENS", "max_output_tokens", 0),
    ("MAX_COMPLETION_TOKENS", "max_output_tokens", 1),
    ("MAX_NEW_TOKENS", "max_output_tokens", 2),
    ("MAX_TOKENS", "max_output_tokens", 3),
    ("MAX_RETRIES", "retries", 0),
    ("NUM_RETRIES", "retries", 1),
    ("REASONING_EFFORT", "reasoning_effort", 0),
    ("SYSTEM_PROMPT", "prompt", 0),
    ("MODEL_NAME", "model", 1),
    ("MODEL_ID", "model", 2),
    ("MODEL", "model", 0),
    ("LLM", "model", 3),
    ("DEPLOYMENT_NAME", "model", 4),
    ("DEPLOYMENT", "model", 5),
)
INT_FIELDS = ("max_output_tokens", "retries")


class Variable(NamedTuple):
    name: str
    value: str
    line: int | None


def classify(name: str) -> tuple[str, str, int] | None:
    """(prefix, field, rank) of an LLM setting's variable name; None for any other variable."""
    if not NAME.match(name):
        return None
    for suffix, field, rank in SUFFIXES:
        if name == suffix:
            return "", field, rank
        if name.endswith("_" + suffix):
            return name[: -len(suffix) - 1], field, rank
    return None


def is_setting(name: str) -> bool:
    return classify(name) is not None


def _value(field: str, raw: str, path: str, line: int | None) -> object:
    if field in INT_FIELDS:
        if not re.fullmatch(r"\s*\d+\s*", raw):
            return None  # `${MAX_TOKENS}`, `<your cap>`: not statically known
        return coerce(field, raw.strip(), path, line)
    return raw


def env_specs(path: str, variables: list[Variable], selector: str, feature: str = "") -> list[CallSpec]:
    """One call spec per prefix among `variables` (in their order)."""
    best: dict[str, dict[str, tuple[int, Variable]]] = {}
    for var in variables:
        found = classify(var.name)
        if found is None or not var.value.strip():
            continue
        prefix, field, rank = found
        held = best.setdefault(prefix, {})
        if field not in held or rank < held[field][0]:
            held[field] = (rank, var)
    specs = []
    for prefix, held in best.items():
        fields: dict[str, object] = {}
        lines: dict[str, int] = {}
        prompt_text = None
        for field, (_, var) in held.items():
            if field == "prompt":
                ref, prompt_text = prompt_value(var.value)
                value: object = ref or ("inline" if prompt_text else None)
            else:
                value = _value(field, var.value, path, var.line)
            if value is None:
                continue
            fields[field] = value
            if var.line:
                lines[field] = var.line
        if fields:
            name = prefix.lower() or feature or "default"
            specs.append(
                CallSpec(
                    file=path,
                    feature=name,
                    selector=f"{selector}.{prefix or 'default'}",
                    fields=fields,
                    lines=lines,
                    prompt_text=prompt_text,
                )
            )
    return specs
