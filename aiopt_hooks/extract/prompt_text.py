"""Prompt text files (`prompts/summarize.txt`, `.md`, `.j2`, ...): one call spec, feature = stem."""

from __future__ import annotations

from pathlib import PurePosixPath

from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.records import CallSpec

SUFFIXES = (".txt", ".md", ".j2", ".jinja", ".jinja2", ".mustache", ".hbs")


def feature_of(path: str) -> str:
    """`prompts/summarize.system.txt` -> `summarize`."""
    return PurePosixPath(path).name.split(".", 1)[0]


def matches(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.lower().endswith(SUFFIXES) or ("prompt" in path.lower() and "." not in name)


def extract(path: str, text: str) -> list[CallSpec]:
    return [
        CallSpec(file=path, feature=feature_of(path), fields={"prompt": path}, lines={"prompt": 1}, prompt_text=text)
    ]


EXTRACTOR = Extractor("prompt text", matches, extract)
