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
from aiopt_hooks.gitio import BlobReader, FileChange, list_tree_files
from aiopt_hooks.globs import match_any
from aiopt_hooks.records import CallSpec, Change, Finding

if TYPE_CHECKING:
    from aiopt_hooks.baseline.summary import BaselineSummary, Group
    from aiopt_hooks.prices import PriceBook

# (feature, field) -> the change from nothing to the tree's value
CallSites = dict[tuple[str, str], Change]


def watched_files(root: Path, config: Config, ref: str | None) -> dict[str, str]:
    """path -> blob id of every watched file in `ref` (None = the index)."""
    patterns = config.watch_patterns()
    return {path: sha for path, sha in list_tree_files(root, ref).items() if match_any(path, patterns)}


def call_sites(root: Path, config: Config, ref: str | None,
               files: dict[str, str] | None = None) -> tuple[CallSites, list[Finding]]:
    """Every cost field of every watched file in `ref` (None = the index), keyed by (feature, field)."""
    sites, findings = _sites(root, config, ref, files)
    return {(c.feature, c.field): c for c in sites}, findings


def _sites(root: Path, config: Config, ref: str | None,
           files: dict[str, str] | None = None) -> tuple[list[Change], list[Finding]]:
    from aiopt_hooks.diffing import Tree, derive_changes

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
    except AioptError:   # one unreadable file: read them one by one to name it and keep the rest
        sites = []
        for path, sha in files.items():
            try:
                sites += _sites(root, config, ref, {path: sha})[0]
            except AioptError as exc:
                errors[path] = str(exc)
    for site in sites:
        by_file.setdefault(site.file, []).append(site)
    return by_file, errors


def load_baseline(root: Path, config: Config, patterns: list[str] | tuple[str, ...],
                  cache_dir: Path | None) -> tuple[BaselineSummary, PriceBook]:
    """The baseline summary (cached under the git dir) and the price book, as the check builds them."""
    from aiopt_hooks.baseline.summary import read_baseline
    from aiopt_hooks.prices import PriceBook

    prices = PriceBook(config, cache_dir)
    return read_baseline(patterns, root, config, prices.thresholds, cache_dir), prices


def feature_costs(summary: BaselineSummary, config: Config, prices: PriceBook,
                  features: list[str]) -> tuple[dict[str, tuple[int, float]], dict[str, tuple[int, float]]]:
    """feature -> (matched baseline requests, monthly USD); and the same per feature tag no feature claims
    ("" = untagged).  Requests of a model with no known price count, but add no cost."""
    from aiopt_hooks.estimate import Estimator, match_groups
    from aiopt_hooks.groupcost import State, group_cost

    est = Estimator(summary, config, prices)
    rules = {r.name: r for r in config.features}

    def cost(groups: list[Group]) -> tuple[int, float]:
        priced = [(g, p) for g in groups if (p := est.base_price(g)) is not None]
        return (sum(g.requests for g in groups),
                sum(group_cost(g, State(p), "expected") for g, p in priced) * est.monthly)
    claimed: dict[str, tuple[int, float]] = {}
    seen: set[int] = set()
    for feature in features:
        groups = match_groups(feature, rules.get(feature), summary)
        seen.update(id(g) for g in groups)
        claimed[feature] = cost(groups)
    rest: dict[str, list[Group]] = {}
    for group in summary.groups.values():
        if id(group) not in seen:
            rest.setdefault(group.feature, []).append(group)
    return claimed, {tag: cost(groups) for tag, groups in sorted(rest.items())}


NOT_APP_DIRS = {"test", "tests", "testdata", "fixtures", "cassettes", "__snapshots__", "logs", "node_modules",
                "vendor", "site-packages", ".venv", "venv"}


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
    from aiopt_hooks.extract import extract_call_specs, extractor_for

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
            specs = extract_call_specs(path, text)
        except UnicodeDecodeError:
            continue
        except AioptError as exc:
            if extractor.name not in ("structured config", "prompt text"):
                errors[path] = str(exc)
            continue
        specs = [s for s in specs if s.fields.get("model") or s.fields.get("max_output_tokens")
                 or (s.prompt_text is not None and (extractor.name != "prompt text" or _looks_like_prompt(path)))]
        if specs:
            found[path] = specs
    refs = [(spec.file, ref) for specs in list(found.values()) for spec in specs
            if isinstance(ref := spec.fields.get("prompt"), str) and ref != "inline"]
    for owner, ref in refs:
        for candidate in (str(PurePosixPath(ref)), str(PurePosixPath(owner).parent / ref)):
            if candidate in texts and candidate not in found:
                found[candidate] = extract_call_specs(candidate, texts[candidate])
    return dict(sorted(found.items())), errors
