"""`aiopt init`: scan a repository for LLM config and prompt files (every format the extractors
know) and usage logs, and write a commented `.aiopt.yaml` whose thresholds start from the
baseline's own monthly cost.  The text is validated by the config parser before it is written.
"""
from __future__ import annotations

import json
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

RENAME_SAFE_SUFFIXES = (".prompty", ".prompt")   # formats known by their extension alone
LOG_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".json", ".jsonl.gz", ".ndjson.gz", ".csv.gz", ".json.gz")
MAX_LOG_CANDIDATES = 200
LOG_HINTS = ("usage", "log", "llm", "call", "request", "spend", "trace")   # looked at first
VENDORED = {"node_modules", ".venv", "venv", "site-packages", "vendor", ".tox", "__pycache__", "dist", "build"}
PRE_COMMIT_SNIPPET = """\
repos:
-   repo: https://github.com/<your-org>/aiopt-hooks   # or a local path to this tool's repository
    rev: v0.1.0
    hooks:
    -   id: aiopt-guard
"""


@dataclass
class Scan:
    files: dict[str, list[CallSpec]]                 # LLM config / prompt file -> its call specs
    features: dict[str, list[str]]                   # feature -> its files
    logs: list[str] = field(default_factory=list)
    coverage: dict[str, tuple[int, float]] = field(default_factory=dict)   # feature -> (requests, $/month)
    unclaimed: dict[str, tuple[int, float]] = field(default_factory=dict)  # feature tag -> (requests, $/month)
    requests: int = 0
    monthly_usd: float | None = None
    baseline_error: str | None = None
    unreadable: dict[str, str] = field(default_factory=dict)
    ignored_logs: list[str] = field(default_factory=list)   # logs git ignores: absent from teammates' clones and CI


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
    candidates = [p for p in paths if p.lower().endswith(LOG_SUFFIXES) and p not in skip
                  and not VENDORED.intersection(PurePosixPath(p).parts[:-1])]
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
    files, unreadable = scan_llm_files(root, visible, 1_000_000)
    result = Scan(files=files, features=_features(files), unreadable=unreadable)
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


def watch_globs(paths: list[str]) -> list[str]:
    """Globs, never exact paths where a rename would slip past them: a folder with two or more LLM
    files is watched whole (`prompts/**`), other files by `_glob_for`."""
    by_dir: dict[str, list[str]] = {}
    for path in paths:
        by_dir.setdefault(str(PurePosixPath(path).parent), []).append(path)
    globs: list[str] = []
    for folder, members in sorted(by_dir.items()):
        globs += [f"{folder}/**"] if folder != "." and len(members) > 1 else [_glob_for(m) for m in sorted(members)]
    return list(dict.fromkeys(globs))


def _threshold(scan: Scan, pct: float, fallback: float) -> str:
    if not scan.monthly_usd:
        return f"{fallback:g}    # no baseline cost to start from: the default"
    value = max(round(scan.monthly_usd * pct / 100, 2), 0.01)
    return f"{value:g}    # {pct:g}% of the current {money(scan.monthly_usd)}/month"


def _coverage_lines(scan: Scan) -> list[str]:
    lines = ["# Features found (feature: files -> baseline requests tagged with it):"]
    for name, files in scan.features.items():
        requests, cost = scan.coverage.get(name, (0, 0.0))
        share = f" ({100 * requests / scan.requests:.1f}%), {money(cost)}/month" if scan.requests else ""
        traffic = f"{requests:,} requests{share}" if requests else "no tagged requests: a change to it is unmatched"
        lines.append(f"#   {name}: {', '.join(files)} -> {traffic if scan.logs else 'no usage log found'}")
    for tag, (requests, cost) in scan.unclaimed.items():
        lines.append(f"#   (traffic {tag!r} no feature claims: {requests:,} requests, {money(cost)}/month)"
                     if tag else f"#   (untagged traffic: {requests:,} requests, {money(cost)}/month)")
    missing = [n for n in scan.features if scan.logs and not scan.coverage.get(n, (0, 0))[0]]
    if missing:
        lines += ["# Map a feature whose requests carry another tag, or price a new one without traffic:",
                  "# features:"]
        for name in missing:
            lines += [f"#   {name}:", f"#     match: {{feature_tag: {name}}}", "#     expected_requests_per_day: 100"]
    return lines


def render_config(scan: Scan, warn_pct: float = 5.0, block_pct: float = 20.0) -> str:
    baseline = (json.dumps(scan.logs[0]) if len(scan.logs) == 1 else json.dumps(scan.logs) if scan.logs
                else '"usage.jsonl"    # no usage log found: point this at your log (JSONL or CSV)')
    from aiopt_hooks.extract.source_watch import is_source

    # Source files are read through `code:`, not `watch`: a source folder watched whole would make
    # every commit touching it a full check.
    sources = [p for p in scan.files if is_source(p)]
    configs = [p for p in scan.files if p not in sources]
    lines = ["# aiopt-guard configuration, written by `aiopt init` (keys: see the aiopt-hooks README).",
             "# `aiopt explain` shows what the guard sees with it.", "version: 1", "baseline:",
             f"  path: {baseline}", "  window_days: auto",
             *summary_offer(scan), "month_days: 30", "policy:", "  block:",
             f"    monthly_increase_usd: {_threshold(scan, block_pct, 100)}", "  warn:",
             f"    monthly_increase_usd: {_threshold(scan, warn_pct, 10)}",
             "  unknown_model: block         # a model with no known price is never priced as $0",
             "  unmatched_change: warn       # a change no baseline request matches",
             "# The LLM config and prompt files found (a folder holding several is watched whole):",
             f"watch: {json.dumps(watch_globs(configs))}" if configs else
             "# no LLM config or prompt file found: the default watch globs apply",
             f"code: true                     # changed source files that call an LLM SDK are read ({len(sources)} "
             "found now; see the README's Source code)"]
    lines += _coverage_lines(scan) if scan.features else []
    lines += ["lockfile: false                # true: compare each change with aiopt.lock (`aiopt lock`)"]
    return "\n".join(lines) + "\n"


def summary_offer(scan: Scan) -> list[str]:
    """Comment lines offering the committed summary to teammates and CI without the raw log."""
    from aiopt_hooks.baseline.read import COMMITTED_SUMMARY

    logs = " ".join(scan.logs) or "LOG"
    why = (f"{', '.join(scan.ignored_logs)} is ignored by git, so teammates and CI will not have it"
           if scan.ignored_logs else "teammates and CI without the log")
    return [f"  # {why}: commit a summary of it, read when the log is absent (`aiopt init --write-summary`",
            f"  # does it now; refresh it with `aiopt baseline summarize {logs} -o {COMMITTED_SUMMARY}`)"]


def write_config(root: Path, text: str, force: bool) -> Path:

    target = root / ".aiopt.yaml"
    if target.exists() and not force:
        raise AioptError("already exists", file=".aiopt.yaml",
                         hint="pass --force to overwrite it, or run `aiopt explain` to see what it does")
    parse_config_text(text.encode(), ".aiopt.yaml")   # what init writes must be a valid config
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AioptError(f"cannot write it: {exc.strerror}", file=".aiopt.yaml") from None
    return target
