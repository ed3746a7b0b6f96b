"""continue.dev configs (`.continue/config.yaml`, hub `agent.yaml`): `schema: v1` with `models:`.

One call spec per model block: feature = its `name` (the display alias), model = `model`,
`provider`, the cap from `defaultCompletionOptions.maxTokens` (thinking budget from
`reasoningBudgetTokens`).  A hub block (`uses: org/package`) names no model here; it becomes a
spec (feature = the package) only where its `override:` sets a cost field.  Secrets
(`${{ secrets.NAME }}`) stay as written.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiopt_hooks.extract.fields import parse_document, read_spec, unique_selectors
from aiopt_hooks.records import CallSpec


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    blocks = document.get("models") if isinstance(document, Mapping) else None
    entries: list[tuple[str, Mapping[str, object]]] = []
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, Mapping) and block.get("model"):
            entries.append((str(block.get("name") or block["model"]), block))
        elif isinstance(block, Mapping) and isinstance(block.get("uses"), str):
            override = block.get("override")
            entries.append((block["uses"], override if isinstance(override, Mapping) else {}))
    specs = [
        read_spec(path, text, block, name, selector)
        for (name, block), selector in zip(entries, unique_selectors("models", [n for n, _ in entries]))
    ]
    return [spec for spec in specs if spec.fields]
