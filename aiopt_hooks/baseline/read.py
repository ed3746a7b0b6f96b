"""Baseline log files -> one `BaselineSummary`: paths (globs) expanded, each log read through the
cache, the DuckDB engine or the streaming dialect readers, then merged.

Stage: log files -> summary (the only reader of log files besides `baseline/files.py`).
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiopt_hooks.baseline import duck
from aiopt_hooks.baseline.dialects.registry import DIALECTS, detect_dialect
from aiopt_hooks.baseline.files import Row, iter_rows
from aiopt_hooks.baseline.incremental import Readers, summarize_log
from aiopt_hooks.baseline.model import MAX_BAD_LINES, BaselineSummary, merge_into, summary_from_dict
from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.records import Finding
from aiopt_hooks.repo.safepaths import confine

if TYPE_CHECKING:
    from aiopt_hooks.baseline.dialects.base import Dialect

# The committable baseline summary: `aiopt baseline summarize LOG -o .aiopt/baseline-summary.json`,
# committed, is read when the raw log is absent (a teammate's clone, CI).
COMMITTED_SUMMARY = ".aiopt/baseline-summary.json"
COMMITTED_HINT = (
    f"or commit a summary for teammates and CI without the log: `aiopt baseline summarize LOG -o "
    f"{COMMITTED_SUMMARY}` (read when the log is absent)"
)


def read_summary_file(path: Path, name: str) -> BaselineSummary | None:
    """A summary file (`aiopt baseline summarize -o`, or a warehouse export), or None for a log."""
    if not path.name.endswith(".json"):
        return None
    with open(path, "rb") as fh:
        head = fh.read(64)
    if b'"aiopt_summary"' not in head:
        return None
    try:
        return summary_from_dict(json.loads(path.read_bytes()))
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise AioptError(
            f"not a valid baseline summary: {exc}",
            file=name,
            hint="rebuild it with `aiopt baseline summarize LOG -o FILE`",
        ) from None


def expand_paths(patterns: list[str] | tuple[str, ...], root: Path) -> list[Path]:
    """Baseline paths relative to the repo root; globs allowed.  A path that matches nothing is an error.

    A path naming an existing file is read literally first (a repository under `billing [v2]/`, a log
    named `usage[1].jsonl`); only the pattern a user wrote is a glob, never the repository's own path."""
    found: list[Path] = []
    for pattern in patterns:
        explicit = os.path.isabs(pattern)  # an absolute path is read as written; a relative one stays inside
        full = pattern if explicit else str(root / pattern)
        if not os.path.isfile(full) and glob.has_magic(pattern):
            base = "" if explicit else glob.escape(str(root)) + os.sep
            matches = sorted(glob.glob(base + pattern, recursive=True))
        else:
            matches = [full]
        matches = [m for m in matches if os.path.isfile(m)]
        if not explicit:
            matches = confine(pattern, matches, root)
        if not matches:
            raise AioptError(
                f"baseline log not found, and no committed summary at {COMMITTED_SUMMARY}",
                file=pattern,
                hint="set `baseline.path` in .aiopt.yaml, pass --baseline PATH, or set AIOPT_BASELINE; "
                + COMMITTED_HINT,
            )
        found.extend(Path(m) for m in matches)
    return found


def distinct_files(paths: list[Path], shown: list[str]) -> tuple[list[Path], list[str], list[str]]:
    """(paths, display names, notes) with each file once: two globs, a path and a glob, or a symlink
    (a log rotation's `current.jsonl`) or hard link naming a file already listed would count every
    request twice.  Files are the same when the system says so (device and inode: the real file)."""
    seen: dict[tuple[int, int], int] = {}
    kept: list[Path] = []
    names: list[str] = []
    notes: list[str] = []
    for path, name in zip(paths, shown):
        try:
            stat = path.stat()
        except OSError as exc:
            raise AioptError(f"cannot read the baseline log: {exc.strerror}", file=name) from None
        at = seen.get((stat.st_dev, stat.st_ino))
        if at is None:
            seen[(stat.st_dev, stat.st_ino)] = len(kept)
            kept.append(path)
            names.append(name)
            continue
        if names[at] == name:
            notes.append(f"baseline {name} is named twice: read once")
            continue
        if kept[at].is_symlink() and not path.is_symlink():  # report the real file, not the link
            kept[at], names[at], name = path, name, names[at]
        notes.append(f"baseline {name} is the same file as {names[at]}: read once")
    return kept, names, notes


def notes_findings(summary: BaselineSummary) -> list[Finding]:
    """How the baseline files were read (a file named twice), as `info` findings of the report."""
    return [Finding("info", "duplicate_baseline_file", note, file=", ".join(summary.paths)) for note in summary.notes]


def summarize_baseline(
    paths: list[Path],
    thresholds: tuple[int, ...],
    forced_format: str | None = None,
    display_root: Path | None = None,
    cache_dir: Path | None = None,
    dedupe: bool = False,
) -> BaselineSummary:
    """One summary of every log: from the cache when the log is unchanged, else streamed (or,
    for a large log, aggregated by DuckDB).  Malformed rows are counted;
    a baseline with no usable row is an error.  Rows repeating a request id are counted, and
    left out with `dedupe`."""
    paths, shown, notes = distinct_files(paths, [_display(p, display_root) for p in paths])
    summaries: list[BaselineSummary] = []
    reported: list[list[float]] = []
    for path, name in zip(paths, shown):
        if len(paths) > 1 and path.is_file():  # a cost report beside the usage: compared, not read as usage
            from aiopt_hooks.baseline.costreport import read_cost_report

            spans = read_cost_report(path, name)
            if spans is not None:
                reported.extend([list(span) for span in spans])
                continue
        summaries.append(_summarize_one(path, name, thresholds, forced_format, cache_dir, dedupe))
    if len(summaries) == 1:  # one log: its summary as it is, nothing to merge
        summary = summaries[0]
    else:
        summary = BaselineSummary(paths=shown, thresholds=thresholds)
        for one in summaries:
            merge_into(summary, one)
    summary.reported.extend(reported)
    summary.paths = shown
    summary.notes = notes
    if summary.requests == 0:
        detail = f"; first bad lines: {', '.join(summary.bad_lines)}" if summary.bad_lines else ""
        raise AioptError(
            f"the baseline has no usable request rows{detail}",
            file=", ".join(shown),
            hint="point `baseline.path` at a usage log (JSONL or CSV with model and token counts)",
        )
    return summary


def read_baseline(
    patterns: list[str] | tuple[str, ...],
    root: Path,
    config: Config,
    thresholds: tuple[int, ...],
    cache_dir: Path | None,
) -> BaselineSummary:
    """The configured baseline: paths (globs) from the repo root, summarized as the config says;
    the committed summary (COMMITTED_SUMMARY) when no configured log is present.  A baseline
    without a single timestamp has no window: an error unless `baseline.window_days` is set."""
    try:
        paths = expand_paths(list(patterns), root)
    except AioptError as exc:
        committed = committed_summary(root)
        if committed is None or not exc.message.startswith("baseline log not found"):
            raise
        paths = [committed]
    summary = summarize_baseline(
        paths, thresholds, config.baseline_format, display_root=root, cache_dir=cache_dir, dedupe=config.baseline_dedupe
    )
    if summary.first_ts is None and not config.window_days:
        raise AioptError(
            f"no row of the baseline has a timestamp ({summary.requests:,} requests read), so the "
            "window they cover, and so the monthly cost, is unknown",
            file=", ".join(summary.paths),
            hint="set `baseline.window_days` to the days the log covers, or log a `ts` per request",
        )
    return summary


def committed_summary(root: Path) -> Path | None:
    """The committed baseline summary, when the repository has one (never a symlink out of it)."""
    path = root / COMMITTED_SUMMARY
    if not path.is_file():
        return None
    kept = confine(COMMITTED_SUMMARY, [str(path)], root)
    return Path(kept[0]) if kept else None


def _summarize_one(
    path: Path, name: str, thresholds: tuple[int, ...], forced: str | None, cache_dir: Path | None, dedupe: bool = False
) -> BaselineSummary:

    readers = Readers(read_summary_file, _dialect_of, _fast_summary, _read_rows, _read_whole)
    return summarize_log(path, name, thresholds, forced, cache_dir, dedupe, readers)


def _dialect_of(path: Path, forced: str | None) -> str:
    """The dialect the log's first record is read as ("" when none)."""
    first = next((row for _, row in iter_rows(path) if row is not None), None)
    dialect = detect_dialect(first, forced) if first is not None else None
    return dialect.name if dialect else ""


def _fast_summary(path: Path, name: str, thresholds: tuple[int, ...], forced: str | None) -> BaselineSummary | None:
    """DuckDB for a large log in a dialect it reads (when DuckDB imports); else None."""

    if path.stat().st_size < duck.MIN_BYTES or not duck.available():
        return None
    first = next((row for _, row in iter_rows(path) if row is not None), None)
    dialect = detect_dialect(first, forced) if first is not None else None
    if first is not None:
        _check_signature(first, dialect, name)
    if dialect is None or first is None:
        return None
    return duck.summarize_log(path, name, thresholds, dialect.name, first)


def _check_signature(first: dict[str, Any], dialect: Dialect | None, name: str) -> None:
    """Refuse a file that must not be read as a baseline (a cost report, aggregated rows a
    per-request reader would count as single requests), naming what was recognised and the fix."""
    from aiopt_hooks.baseline.dialects.signatures import misread

    found = misread(first, dialect.name if dialect else None)
    if found is not None:
        what, fix = found
        raise AioptError(f"not read: the file is {what}", file=name, hint=fix)


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def _read_one(path: Path, name: str, summary: BaselineSummary, forced: str | None, dedupe: bool = False) -> None:
    _read_whole(path, name, summary, forced, dedupe)


def _read_whole(path: Path, name: str, summary: BaselineSummary, forced: str | None, dedupe: bool = False) -> str:
    return _read_rows(iter_rows(path), name, summary, forced, dedupe)


def _read_rows(
    rows: Iterator[Row], name: str, summary: BaselineSummary, forced: str | None, dedupe: bool = False
) -> str:
    """Add the rows to the summary; returns the name of the dialect they were read as ("" if none)."""
    from aiopt_hooks.baseline.dedupe import SeenIds, note_duplicate, request_id

    if forced and forced not in (names := [d.name for d in DIALECTS]):
        raise AioptError(
            f"unknown log format {forced!r} (`baseline.format`)",
            file=name,
            hint=f"use one of: {', '.join(names)}, or remove the key to detect it",
        )
    dialect = None
    seen = SeenIds()
    for line, row in rows:
        if row is not None and dialect is None:
            dialect = detect_dialect(row, forced)
            _check_signature(row, dialect, name)
        if row is None or dialect is None:
            _bad(summary, name, line, "not a usage record")
            continue
        try:
            for record in dialect.unpack(row) if dialect.unpack else (row,):
                request = dialect.normalize(record)
                if (rid := request_id(record)) is not None and seen.repeated(rid):
                    summary.duplicates += 1
                    note_duplicate(summary.duplicate_lines, name, line)
                    if dedupe:
                        continue
                summary.add(request)
        except (ValueError, KeyError, TypeError, OverflowError, AttributeError) as exc:
            _bad(summary, name, line, str(exc) or type(exc).__name__)
    return dialect.name if dialect else ""


def _bad(summary: BaselineSummary, name: str, line: int, why: str) -> None:
    summary.bad_rows += 1
    if len(summary.bad_lines) < MAX_BAD_LINES:
        summary.bad_lines.append(f"{name}:{line} ({why[:120]})")  # a reason quotes values: kept short
