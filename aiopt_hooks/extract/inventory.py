"""The repository's LLM setup as a whole, not just a diff: every call site of one tree and the
baseline traffic each feature matches.  Shared by `aiopt lock` (the lockfile's state), the
lockfile check, `aiopt explain` and `aiopt init`.

A tree's call sites are derived by the same code as a commit's changes, as the changes from an
empty tree: every cost field of every watched file becomes one `Change` with `old=None`.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.diffing import Tree, derive_changes
from aiopt_hooks.extract.registry import extract_call_specs, extractor_for
from aiopt_hooks.records import CallSpec, Change, Finding
from aiopt_hooks.repo.git import BlobReader, FileChange, list_tree_files
from aiopt_hooks.repo.globs import match_any

if TYPE_CHECKING:
    pass

# (feature, field) -> the change from nothing to the tree's value
CallSites = dict[tuple[str, str], Change]


def watched_files(root: Path, config: Config, ref: str | None) -> dict[str, str]:
    """path -> blob id of every watched file in `ref` (None = the index): the `watch` globs, and the
    source files `code:` reads (those importing an LLM SDK or declaring a model setting)."""
    patterns = config.watch_patterns()
    tree = list_tree_files(root, ref)
    files = {path: sha for path, sha in tree.items() if match_any(path, patterns)}
    if config.code:
        from aiopt_hooks.extract.source_watch import llm_sources_in_tree

        files.update(llm_sources_in_tree(root, {p: sha for p, sha in tree.items() if p not in files}, config))
    return files


def call_sites(
    root: Path, config: Config, ref: str | None, files: dict[str, str] | None = None
) -> tuple[CallSites, list[Finding]]:
    """Every cost field of every watched file in `ref` (None = the index), keyed by (feature, field)."""
    sites, findings = _sites(root, config, ref, files)
    return {(c.feature, c.field): c for c in sites}, findings


def _sites(
    root: Path, config: Config, ref: str | None, files: dict[str, str] | None = None
) -> tuple[list[Change], list[Finding]]:

    files = watched_files(root, config, ref) if files is None else files
    added = [FileChange("A", path, None, None, sha) for path, sha in sorted(files.items())]
    reader = BlobReader(root)
    try:
        return derive_changes(added, Tree(root, "", reader, config), Tree(root, ref, reader, config), config)
    finally:
        reader.close()


def call_sites_by_file(root: Path, config: Config, ref: str | None) -> tuple[dict[str, list[Change]], dict[str, str]]:
    """file -> its call sites, and file -> the error that kept it from being read (`aiopt explain`)."""
    files = watched_files(root, config, ref)
    by_file: dict[str, list[Change]] = {path: [] for path in files}
    errors: dict[str, str] = {}
    try:
        sites = _sites(root, config, ref, files)[0]
    except AioptError:  # one unreadable file: read them one by one to name it and keep the rest
        sites = []
        for path, sha in files.items():
            try:
                sites += _sites(root, config, ref, {path: sha})[0]
            except AioptError as exc:
                errors[path] = str(exc)
    for site in sites:
        by_file.setdefault(site.file, []).append(site)
    return by_file, errors


NOT_APP_DIRS = {
    "test",
    "tests",
    "testdata",
    "fixtures",
    "cassettes",
    "__snapshots__",
    "logs",
    "node_modules",
    "vendor",
    "site-packages",
    ".venv",
    "venv",
}


def _looks_like_prompt(path: str) -> bool:
    return "prompt" in path.lower()


def _app_file(path: str) -> bool:
    """Not a test fixture, recorded cassette, vendored file or aiopt's own file: those hold model names
    that are not the app's settings."""
    parts = PurePosixPath(path).parts
    return parts[0] not in (".aiopt", ".aiopt.yaml") and not NOT_APP_DIRS.intersection(p.lower() for p in parts[:-1])


def scan_llm_files(root: Path, paths: list[str], max_bytes: int) -> tuple[dict[str, list[CallSpec]], dict[str, str]]:
    """Work-tree files that hold LLM call specs, in every format the extractors know (for `init` and
    `explain`); and the files of a dedicated LLM format that could not be read, with why.

    Plain text and Markdown count as prompts only under a path that says so, or when a found config
    names them (`prompt: prompts/summarize.txt`); arbitrary YAML/JSON that fails to parse is skipped.
    """

    found: dict[str, list[CallSpec]] = {}
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for path in paths:
        extractor = extractor_for(path)
        full = root / path
        if extractor is None or not _app_file(path) or not full.is_file():
            continue
        if not 0 < full.stat().st_size <= max_bytes:
            continue
        try:
            texts[path] = text = full.read_bytes().decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
        reader = extractor_for(path, text)  # as a check reads it: by name and content (`sniff`)
        try:
            specs = extract_call_specs(path, text)
        except AioptError as exc:
            if reader is not None and reader.name not in ("structured config", "prompt text"):
                errors[path] = str(exc)
            continue
        specs = [
            s
            for s in specs
            if s.fields.get("model")
            or s.fields.get("max_output_tokens")
            or (s.prompt_text is not None and (extractor.name != "prompt text" or _looks_like_prompt(path)))
        ]
        if specs:
            found[path] = specs
    refs = [
        (spec.file, ref)
        for specs in list(found.values())
        for spec in specs
        if isinstance(ref := spec.fields.get("prompt"), str) and ref != "inline"
    ]
    for owner, ref in refs:
        for candidate in (str(PurePosixPath(ref)), str(PurePosixPath(owner).parent / ref)):
            if candidate in texts and candidate not in found:
                found[candidate] = extract_call_specs(candidate, texts[candidate])
    return dict(sorted(found.items())), errors
