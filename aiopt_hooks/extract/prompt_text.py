"""Prompt text files (`prompts/summarize.txt`, `.md`, `.j2`, ...): one call spec, feature = stem."""

from __future__ import annotations

from pathlib import PurePosixPath

from aiopt_hooks.records import CallSpec


def feature_of(path: str) -> str:
    """`prompts/summarize.system.txt` -> `summarize`."""
    return PurePosixPath(path).name.split(".", 1)[0]


def extract(path: str, text: str) -> list[CallSpec]:
    return [
        CallSpec(file=path, feature=feature_of(path), fields={"prompt": path}, lines={"prompt": 1}, prompt_text=text)
    ]
