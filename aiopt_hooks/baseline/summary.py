"""Baseline summary: per (feature, provider, model), everything the estimator needs, exactly.

Requests are kept as exact counts per (input tier class, output tokens, truncated): the tier class
says which price tier any model applies (tier thresholds come from the price data), and exact
output values make cap changes exact.  So every request is still priced on its own tokens,
never on summed tokens, while the summary stays small.
"""
from __future__ import annotations

import bisect
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from aiopt_hooks.baseline import Request, detect_dialect
from aiopt_hooks.baseline.files import iter_rows
from aiopt_hooks.errors import AioptError

# (tier class, output tokens, truncated) -> [count, input, cached, cache_write, reasoning] sums
Cells = dict[tuple[int, int, bool], list[float]]
MAX_BAD_LINES = 5


@dataclass
class Group:
    feature: str
    provider: str
    model: str
    requests: int = 0
    failed: int = 0
    retries: int = 0
    stated_cost: float = 0.0
    stated_cost_rows: int = 0
    cells: Cells = field(default_factory=dict)


@dataclass
class BaselineSummary:
    paths: list[str]
    thresholds: tuple[int, ...]
    groups: dict[tuple[str, str, str], Group] = field(default_factory=dict)
    requests: int = 0
    untagged: int = 0
    bad_rows: int = 0
    bad_lines: list[str] = field(default_factory=list)
    first_ts: float | None = None
    last_ts: float | None = None

    @property
    def span_days(self) -> float:
        if self.first_ts is None or self.last_ts is None:
            return 0.0
        return (self.last_ts - self.first_ts) / 86400.0

    def add(self, req: Request) -> None:
        key = (req.feature, req.provider, req.model)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(req.feature, req.provider, req.model)
        group.requests += 1
        group.failed += not req.ok
        group.retries += req.retries
        if req.cost is not None:
            group.stated_cost += req.cost
            group.stated_cost_rows += 1
        cell_key = (bisect.bisect_left(self.thresholds, req.input), req.output, req.truncated)
        cell = group.cells.get(cell_key)
        if cell is None:
            group.cells[cell_key] = [1, req.input, req.cached, req.cache_write, min(req.reasoning, req.output)]
        else:
            cell[0] += 1
            cell[1] += req.input
            cell[2] += req.cached
            cell[3] += req.cache_write
            cell[4] += min(req.reasoning, req.output)
        self.requests += 1
        self.untagged += not req.feature
        if req.ts is not None:
            if self.first_ts is None or req.ts < self.first_ts:
                self.first_ts = req.ts
            if self.last_ts is None or req.ts > self.last_ts:
                self.last_ts = req.ts


def expand_paths(patterns: list[str] | tuple[str, ...], root: Path) -> list[Path]:
    """Baseline paths relative to the repo root; globs allowed.  A path that matches nothing is an error."""
    found: list[Path] = []
    for pattern in patterns:
        full = pattern if os.path.isabs(pattern) else str(root / pattern)
        matches = sorted(glob.glob(full, recursive=True)) if glob.has_magic(full) else [full]
        matches = [m for m in matches if os.path.isfile(m)]
        if not matches:
            raise AioptError("baseline log not found", file=pattern,
                             hint="set `baseline.path` in .aiopt.yaml, pass --baseline PATH, or set AIOPT_BASELINE")
        found.extend(Path(m) for m in matches)
    return found


def summarize_baseline(paths: list[Path], thresholds: tuple[int, ...], forced_format: str | None = None,
                       display_root: Path | None = None) -> BaselineSummary:
    """Stream every log into one summary.  Malformed rows are counted; all-bad is an error."""
    shown = [_display(p, display_root) for p in paths]
    summary = BaselineSummary(paths=shown, thresholds=thresholds)
    for path, name in zip(paths, shown):
        _read_one(path, name, summary, forced_format)
    if summary.requests == 0:
        detail = f"; first bad lines: {', '.join(summary.bad_lines)}" if summary.bad_lines else ""
        raise AioptError(f"the baseline has no usable request rows{detail}", file=", ".join(shown),
                         hint="point `baseline.path` at a usage log (JSONL or CSV with model and token counts)")
    return summary


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def _read_one(path: Path, name: str, summary: BaselineSummary, forced: str | None) -> None:
    dialect = None
    for line, row in iter_rows(path):
        if row is not None and dialect is None:
            dialect = detect_dialect(row, forced)
        if row is None or dialect is None:
            _bad(summary, name, line, "not a usage record")
            continue
        try:
            for record in (dialect.unpack(row) if dialect.unpack else (row,)):
                summary.add(dialect.normalize(record))
        except (ValueError, KeyError, TypeError, OverflowError, AttributeError) as exc:
            _bad(summary, name, line, str(exc) or type(exc).__name__)


def _bad(summary: BaselineSummary, name: str, line: int, why: str) -> None:
    summary.bad_rows += 1
    if len(summary.bad_lines) < MAX_BAD_LINES:
        summary.bad_lines.append(f"{name}:{line} ({why})")
