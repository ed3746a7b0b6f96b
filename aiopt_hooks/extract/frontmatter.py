"""Front matter files (Prompty, dotprompt): `---`, YAML, `---`, then the prompt body.

Stage: file text -> call specs (a helper of the extractors of those formats).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.formats import BOM
from aiopt_hooks.records import CallSpec
from aiopt_hooks.yamlio import load_yaml


class FrontMatter(NamedTuple):
    yaml_text: str  # the front matter, preceded by blank lines so its line numbers are the file's
    body: str  # everything after the closing `---`
    body_line: int  # 1-based line where the body starts


def split_front_matter(text: str) -> FrontMatter | None:
    """`---` YAML `---` body, as in Prompty and dotprompt; blank and `#` lines may come first."""
    lines = text.removeprefix(BOM).split("\n")
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].lstrip().startswith("#")):
        start += 1
    if start >= len(lines) or lines[start].rstrip() != "---":
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return None
    yaml_text = "\n" * (start + 1) + "\n".join(lines[start + 1 : end])
    return FrontMatter(yaml_text, "\n".join(lines[end + 1 :]), end + 2)


def _only_blocks(yaml_text: str, keys: tuple[str, ...]) -> str:
    """The top-level blocks `keys` of a YAML text, other lines blanked (line numbers kept)."""
    kept, keep = [], False
    for line in yaml_text.split("\n"):
        if line[:1] not in ("", " ", "\t", "#"):
            keep = line.split(":", 1)[0].strip().strip("'\"") in keys
        kept.append(line if keep else "")
    return "\n".join(kept)


def read_front_matter(path: str, text: str, needed: tuple[str, ...] = ()) -> tuple[Mapping[str, Any], FrontMatter]:
    """The parsed front matter ({} when there is none: the whole file is then the body).  Where the
    whole front matter is not valid YAML (schema DSLs), the `needed` top-level blocks alone are read."""
    front = split_front_matter(text)
    if front is None:
        return {}, FrontMatter("", text.removeprefix(BOM), 1)

    try:
        document = load_yaml(front.yaml_text, path)
    except AioptError:
        if not needed:
            raise
        document = load_yaml(_only_blocks(front.yaml_text, needed), path)
    if document is None:
        return {}, front
    if not isinstance(document, Mapping):
        raise AioptError(
            "the front matter is not a YAML mapping", file=path, line=1, hint="fix the file, or unstage it"
        )
    return document, front


def with_prompt(spec: CallSpec, front: FrontMatter) -> CallSpec:
    """`spec` plus the body after its front matter as prompt text (the file itself is the prompt)."""
    return CallSpec(
        file=spec.file,
        feature=spec.feature,
        selector=spec.selector,
        fields={**spec.fields, "prompt": spec.file},
        lines={**spec.lines, "prompt": front.body_line},
        prompt_text=front.body,
    )
