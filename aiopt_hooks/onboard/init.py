"""`aiopt init`: scan a repository for LLM config and prompt files (every format the extractors
know) and usage logs, and write a commented `.aiopt.yaml` whose thresholds start from the
baseline's own monthly cost.  The text is validated by the config parser before it is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PurePosixPath

from aiopt_hooks.baseline.dialects.registry import detect_dialect
from aiopt_hooks.baseline.files import iter_rows
from aiopt_hooks.config import Config, parse_config_text
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.inventory import scan_llm_files
from aiopt_hooks.pricing.costs import feature_costs, load_baseline
from aiopt_hooks.records import CallSpec
from aiopt_hooks.render.money import money
from aiopt_hooks.repo.git import list_repo_files

RENAME_SAFE_SUFFIXES = (".prompty", ".prompt")  # formats known by their extension alone
LOG_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".json", ".jsonl.gz", ".ndjson.gz", ".csv.gz", ".json.gz")
MAX_LOG_CANDIDATES = 200
LOG_HINTS = ("usage", "log", "llm", "call", "request", "spend", "trace")  # looked at first
VENDORED = {"node_modules", ".venv", "venv", "site-packages", "vendor", ".tox", "__pycache__", "dist", "build"}
# Folders of documentation, examples and samples: their LLM-looking files are not the app's settings.
NOT_SETTINGS_DIRS = {
    "docs",
    "doc",
    "documentation",
    "examples",
    "example",
    "samples",
    "sample",
    "demo",
    "demos",
    "tutorials",
    "tutorial",
    "cookbook",
    "cookbooks",
    "notebooks",
    "site",
    "website",
    "blog",
    "benchmarks",
    "evals",
    "playground",
}


@dataclass
class Scan:
    files: dict[str, list[CallSpec]]  # LLM config / prompt file -> its call specs
    features: dict[str, list[str]]  # feature -> its files
    logs: list[str] = field(default_factory=list)
    coverage: dict[str, tuple[int, float]] = field(default_factory=dict)  # feature -> (requests, $/month)
    unclaimed: dict[str, tuple[int, float]] = field(default_factory=dict)  # feature tag -> (requests, $/month)
    requests: int = 0
    monthly_usd: float | None = None
    baseline_error: str | None = None
    unreadable: dict[str, str] = field(default_factory=dict)
    ignored_logs: list[str] = field(default_factory=list)  # logs git ignores: absent from teammates' clones and CI
    left_out: list[str] = field(default_factory=list)  # LLM-looking files of docs and samples, not watched


def _features(files: dict[str, list[CallSpec]]) -> dict[str, list[str]]:
    """feature -> files; a prompt file named by an entry (`prompt: prompts/x.txt`) belongs to that entry."""
    owners: dict[str, str] = {}
    for path, specs in files.items():
        for spec in specs:
            ref = spec.fields.get("prompt")
            if isinstance(ref, str) and ref != "inline" and spec.selector:
                for candidate in (PurePosixPath(ref), PurePosixPath(path).parent / ref):
                    owners[str(candidate)] = spec.feature
    features: dict[str, list[str]] = {}
    for path, specs in files.items():
        for spec in specs:
            name = owners.get(path, spec.feature) if not spec.selector else spec.feature
            if path not in features.setdefault(name, []):
                features[name].append(path)
    return dict(sorted(features.items()))


def find_logs(root: Path, paths: list[str], skip: set[str]) -> list[str]:
    """Files whose first rows a log reader recognizes (ignored files included: logs often are)."""

    found = []
    candidates = [
        p
        for p in paths
        if p.lower().endswith(LOG_SUFFIXES) and p not in skip and not VENDORED.intersection(PurePosixPath(p).parts[:-1])
    ]
    candidates.sort(key=lambda p: (not any(hint in p.lower() for hint in LOG_HINTS), p.count("/"), p))
    for path in candidates[:MAX_LOG_CANDIDATES]:
        try:
            rows = [row for _, row in islice(iter_rows(root / path), 5) if row is not None]
        except (AioptError, OSError, ValueError):
            continue
        if rows and any(detect_dialect(row) is not None for row in rows):
            found.append(path)
    return found


def scan(root: Path, logs: list[str] | None = None) -> Scan:

    visible, ignored = list_repo_files(root)
    found, unreadable = scan_llm_files(root, visible, 1_000_000)
    files = {path: specs for path, specs in found.items() if not is_doc_or_sample(path)}
    result = Scan(
        files=files, features=_features(files), unreadable=unreadable, left_out=sorted(set(found) - set(files))
    )
    result.logs = logs if logs else find_logs(root, visible + ignored, set(files))
    result.ignored_logs = [log for log in result.logs if log in set(ignored)]
    if result.logs:
        _measure(root, result)
    return result


def _measure(root: Path, result: Scan) -> None:
    """Baseline coverage of each feature and the monthly cost, as the check would compute them."""

    config = Config(baseline_paths=tuple(result.logs))
    try:
        summary, prices = load_baseline(root, config, result.logs, None)
    except AioptError as exc:
        result.baseline_error = str(exc)
        return
    result.coverage, result.unclaimed = feature_costs(summary, config, prices, list(result.features))
    result.requests = summary.requests
    result.monthly_usd = sum(c for _, c in result.coverage.values()) + sum(c for _, c in result.unclaimed.values())


def _glob_for(path: str) -> str:
    """A glob that still matches the file after a rename: a format known by its extension anywhere
    (`**/*.prompty`), another file by its extension in its folder (`config/*.yaml`); a file at the
    root by its name (a tool's config: `.aider.conf.yml`, `.env.example`)."""
    pure = PurePosixPath(path)
    suffix = pure.suffix.lower()
    if suffix in RENAME_SAFE_SUFFIXES:
        return f"**/*{suffix}"
    folder = str(pure.parent)
    if folder == "." or not suffix or pure.name.startswith("."):
        return path
    return f"{folder}/*{suffix}"


def is_doc_or_sample(path: str) -> bool:
    """A file under docs/, examples/, samples/...: an edit there does not change what the app spends."""
    return bool(NOT_SETTINGS_DIRS.intersection(part.lower() for part in PurePosixPath(path).parts[:-1]))


def _suffix(path: str) -> str:
    return PurePosixPath(path).suffix


def watch_globs(paths: list[str]) -> list[str]:
    """Globs, never exact paths where a rename would slip past them: a folder with two or more LLM files
    of one kind is watched for that kind (`prompts/**/*.txt`, so a README beside them is not), other
    files by `_glob_for`."""
    by_dir: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        by_dir.setdefault((str(PurePosixPath(path).parent), _suffix(path)), []).append(path)
    globs: list[str] = []
    for (folder, suffix), members in sorted(by_dir.items()):
        whole = folder != "." and len(members) > 1 and suffix
        globs += [f"{folder}/**/*{suffix}"] if whole else [_glob_for(m) for m in sorted(members)]
    return sorted(dict.fromkeys(globs))


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}


def closest_tag(feature: str, tags: list[str]) -> str | None:
    """The log's tag that names this feature in other words (`financial_researcher` -> 'Senior Financial
    Researcher'): every word of the feature is in the tag; the tag with the fewest other words wins."""
    wanted = _words(feature)
    fits = [t for t in tags if wanted and wanted <= _words(t)]
    return min(fits, key=lambda t: (len(_words(t) - wanted), t)) if fits else None


def _threshold(scan: Scan, pct: float, fallback: float) -> str:
    if not scan.monthly_usd:
        return f"{fallback:g}    # no baseline cost to start from: the default"
    value = max(round(scan.monthly_usd * pct / 100, 2), 0.01)
    return f"{value:g}    # {pct:g}% of the current {money(scan.monthly_usd)}/month"


def _coverage_lines(scan: Scan) -> list[str]:
    missing = [n for n in scan.features if scan.logs and not scan.coverage.get(n, (0, 0))[0]]
    tags = [t for t in scan.unclaimed if t]
    named = {name: tag for name in missing if (tag := closest_tag(name, tags))}
    lines = ["# Features found (feature: files -> baseline requests tagged with it):"]
    for name, files in scan.features.items():
        requests, cost = scan.coverage.get(name, (0, 0.0))
        share = f" ({100 * requests / scan.requests:.1f}%), {money(cost)}/month" if scan.requests else ""
        traffic = f"{requests:,} requests{share}" if requests else "no tagged requests: a change to it is unmatched"
        if name in named:
            traffic = f"no request tagged {name!r}; tagged {named[name]!r}: mapped under `features:` below"
        lines.append(f"#   {name}: {', '.join(files)} -> {traffic if scan.logs else 'no usage log found'}")
    for tag, (requests, cost) in scan.unclaimed.items():
        if tag not in named.values():
            lines.append(
                f"#   (traffic {tag!r} no feature claims: {requests:,} requests, {money(cost)}/month)"
                if tag
                else f"#   (untagged traffic: {requests:,} requests, {money(cost)}/month)"
            )
    if named:
        lines += ["# Features whose requests carry a tag in other words (check each):", "features:"]
        for name, tag in named.items():
            lines += [f"  {name}:", f"    match: {{feature_tag: {json.dumps(tag)}}}"]
    rest = [n for n in missing if n not in named]
    if rest:
        known = f" (the log's tags: {', '.join(json.dumps(t) for t in tags[:5])})" if tags else ""
        lines += [f"# Map a feature whose requests carry another tag{known}, or price one without traffic:"]
        lines += [] if named else ["# features:"]
        for name in rest:
            lines += [
                f"#   {name}:",
                "#     match: {feature_tag: <its tag in the log>}",
                "#     expected_requests_per_day: 100",
            ]
    return lines


def render_config(scan: Scan, warn_pct: float = 5.0, block_pct: float = 20.0) -> str:
    baseline = (
        json.dumps(scan.logs[0])
        if len(scan.logs) == 1
        else json.dumps(scan.logs)
        if scan.logs
        else '"usage.jsonl"    # no usage log found: point this at your log (JSONL or CSV)'
    )
    from aiopt_hooks.extract.source_watch import is_source

    # Source files are read through `code:`, not `watch`: a source folder watched whole would make
    # every commit touching it a full check.
    sources = [p for p in scan.files if is_source(p)]
    configs = [p for p in scan.files if p not in sources]
    lines = [
        "# aiopt-guard configuration, written by `aiopt init` (keys: see the aiopt-hooks README).",
        "# `aiopt explain` shows what the guard sees with it.",
        "version: 1",
        "baseline:",
        f"  path: {baseline}",
        "  window_days: auto",
        *summary_offer(scan),
        "month_days: 30",
        "policy:",
        "  block:",
        f"    monthly_increase_usd: {_threshold(scan, block_pct, 100)}",
        "  warn:",
        f"    monthly_increase_usd: {_threshold(scan, warn_pct, 10)}",
        "  unknown_model: block         # a model with no known price is never priced as $0",
        "  unmatched_change: warn       # a change no baseline request matches",
        "# The LLM config and prompt files found (a folder holding several is watched whole):",
        f"watch: {json.dumps(watch_globs(configs))}"
        if configs
        else "# no LLM config or prompt file found: the default watch globs apply",
        f"code: true                     # changed source files that call an LLM SDK are read ({len(sources)} "
        "found now; see the README's Source code)",
    ]
    lines += _coverage_lines(scan) if scan.features else []
    lines += ["lockfile: false                # true: compare each change with aiopt.lock (`aiopt lock`)"]
    return "\n".join(lines) + "\n"


def summary_offer(scan: Scan) -> list[str]:
    """Comment lines offering the committed summary to teammates and CI without the raw log."""
    from aiopt_hooks.baseline.read import COMMITTED_SUMMARY

    logs = " ".join(scan.logs) or "LOG"
    why = (
        f"{', '.join(scan.ignored_logs)} is ignored by git, so teammates and CI will not have it"
        if scan.ignored_logs
        else "teammates and CI without the log"
    )
    return [
        f"  # {why}: commit a summary of it, read when the log is absent (`aiopt init --write-summary`",
        f"  # does it now; refresh it with `aiopt baseline summarize {logs} -o {COMMITTED_SUMMARY}`)",
    ]


def write_config(root: Path, text: str, force: bool) -> Path:

    target = root / ".aiopt.yaml"
    if target.exists() and not force:
        raise AioptError(
            "already exists",
            file=".aiopt.yaml",
            hint="pass --force to overwrite it, or run `aiopt explain` to see what it does",
        )
    parse_config_text(text.encode(), ".aiopt.yaml")  # what init writes must be a valid config
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AioptError(f"cannot write it: {exc.strerror}", file=".aiopt.yaml") from None
    return target
