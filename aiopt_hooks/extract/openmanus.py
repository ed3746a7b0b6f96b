"""OpenManus-style TOML (`config/config.toml`): an `[llm]` table and per-use `[llm.<name>]` tables.

`[llm]` is feature `llm`; `[llm.vision]` is feature `vision` and, as OpenManus merges them, takes
every setting it does not set from `[llm]`.  Fields: `model`, `max_tokens`, `api_type` (the
provider), and the common retry/reasoning keys.  Commented-out alternative blocks are ignored
(TOML comments), also when lines are looked up.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiopt_hooks.extract.fields import FIELD_KEYS, Found, locate, parse_document, read_spec
from aiopt_hooks.records import CallSpec

KEYS = {**FIELD_KEYS, "provider": ("api_type", "provider")}


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    base = document.get("llm") if isinstance(document, Mapping) else None
    if not isinstance(base, Mapping):
        return []
    own = {k: v for k, v in base.items() if not isinstance(v, Mapping)}
    main = read_spec(path, text, own, "llm", "llm", keys=KEYS, exact_lines=False, line_start=locate(text, ["llm"]))
    inherited: dict[str, Found] = {f: (v, main.lines.get(f), "") for f, v in main.fields.items()}
    specs = [main] if main.fields else []
    for name, table in base.items():
        if isinstance(table, Mapping):
            specs.append(
                read_spec(
                    path,
                    text,
                    table,
                    str(name),
                    f"llm.{name}",
                    keys=KEYS,
                    defaults=inherited,
                    exact_lines=False,
                    line_start=locate(text, ["llm", str(name)]),
                )
            )
    return specs
