"""Baseline summary: per (feature, provider, model), everything the estimator needs, exactly.

Requests are kept as exact counts per (input tier class, output tokens, truncated): the tier class
says which price tier any model applies (tier thresholds come from the price data), and exact
output values make cap changes exact.  So every request is still priced on its own tokens,
never on summed tokens, while the summary stays small.
"""
from __future__ import annotations

import bisect
import glob
import json
import os
from dataclasses import dataclass, field
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiopt_hooks.baseline import Request, detect_dialect
from aiopt_hooks.baseline.files import iter_rows
from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.safepaths import confine

# (tier class, output tokens, truncated) -> [count, input, cached, cache_write, reasoning] sums
Cells = dict[tuple[int, int, bool], list[float]]
# UTC day (days since the epoch) -> [count, input, cached, cache_write, output, reasoning] sums:
# the daily trend and the risk bootstrap, per day rather than per request.
Days = dict[int, list[float]]
MAX_BAD_LINES = 5
MAX_TRACKED_USERS = 100_000   # keeps memory bounded on logs with millions of end users


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
    days: Days = field(default_factory=dict)
    failed_tokens: list[float] = field(default_factory=lambda: [0.0] * 5)   # failed rows' input, cached,
    # cache_write, output, reasoning sums
    max_input: int = 0          # the largest request (against a new model's context window)
    cache_write_1h: float = 0.0   # 1-hour cache writes, a part of the cells' cache writes (Anthropic)
    _totals: dict[int, tuple[float, ...]] | None = field(default=None, init=False, repr=False, compare=False)

    def class_totals(self) -> dict[int, tuple[float, ...]]:
        """klass -> (count, input, cached, cache_write, output, reasoning) sums: enough to price
        the group exactly while no output cap changes (computed once; cells must not change after)."""
        if self._totals is not None:
            return self._totals
        totals: dict[int, list[float]] = {}
        for (klass, out, _), (count, s_in, s_cached, s_write, s_reason) in self.cells.items():
            t = totals.setdefault(klass, [0.0] * 6)
            t[0] += count
            t[1] += s_in
            t[2] += s_cached
            t[3] += s_write
            t[4] += out * count
            t[5] += s_reason
        self._totals = {k: tuple(v) for k, v in totals.items()}
        return self._totals


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
    duplicates: int = 0       # rows repeating a request id (aiopt_hooks.baseline.dedupe)
    duplicate_lines: list[str] = field(default_factory=list)
    users: int = 0            # distinct end-user ids (per log; summed across logs; at most MAX_TRACKED_USERS)
    _seen_users: set[str] = field(default_factory=set, repr=False, compare=False)

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
        if req.input > group.max_input:
            group.max_input = req.input
        if req.cache_write_1h:
            group.cache_write_1h += req.cache_write_1h
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
        if not req.ok:
            add_sums(group.failed_tokens, (req.input, req.cached, req.cache_write, req.output,
                                           min(req.reasoning, req.output)))
        self.requests += 1
        self.untagged += not req.feature
        if req.user and len(self._seen_users) < MAX_TRACKED_USERS and req.user not in self._seen_users:
            self._seen_users.add(req.user)   # bounded: past the cap the count is a lower bound
            self.users += 1
        if req.ts is not None:
            day = group.days.get(int(req.ts // 86400))
            if day is None:
                group.days[int(req.ts // 86400)] = [1, req.input, req.cached, req.cache_write, req.output,
                                                    min(req.reasoning, req.output)]
            else:
                day[0] += 1
                day[1] += req.input
                day[2] += req.cached
                day[3] += req.cache_write
                day[4] += req.output
                day[5] += min(req.reasoning, req.output)
            if self.first_ts is None or req.ts < self.first_ts:
                self.first_ts = req.ts
            if self.last_ts is None or req.ts > self.last_ts:
                self.last_ts = req.ts


def add_sums(target: list[float], values: Sequence[float]) -> None:
    for i, v in enumerate(values):
        target[i] += v


def _merge_group(target: Group, other: Group) -> None:
    """Add `other`'s counts, days and failed sums into `target` (cells are merged by the caller)."""
    target.requests += other.requests
    target.failed += other.failed
    target.retries += other.retries
    target.stated_cost += other.stated_cost
    target.stated_cost_rows += other.stated_cost_rows
    add_sums(target.failed_tokens, other.failed_tokens)
    target.max_input = max(target.max_input, other.max_input)
    target.cache_write_1h += other.cache_write_1h
    for day, values in other.days.items():
        add_sums(target.days.setdefault(day, [0.0] * 6), values)


SUMMARY_VERSION = 3     # 3: per-day sums and failed rows' sums per group


def summary_to_dict(summary: BaselineSummary) -> dict[str, object]:
    """The versioned, JSON-ready form of a summary (cache files and summary files)."""
    return {
        "aiopt_summary": SUMMARY_VERSION, "paths": summary.paths, "thresholds": list(summary.thresholds),
        "requests": summary.requests, "untagged": summary.untagged, "bad_rows": summary.bad_rows,
        "bad_lines": summary.bad_lines, "first_ts": summary.first_ts, "last_ts": summary.last_ts,
        "duplicates": summary.duplicates, "duplicate_lines": summary.duplicate_lines,
        "users": summary.users, "groups": [{"feature": g.feature, "provider": g.provider, "model": g.model, "requests": g.requests,
                    "failed": g.failed, "retries": g.retries, "stated_cost": g.stated_cost,
                    "stated_cost_rows": g.stated_cost_rows,
                    "cells": [[k, o, int(t), *v] for (k, o, t), v in g.cells.items()],
                    "days": [[d, *v] for d, v in sorted(g.days.items())], "failed_tokens": g.failed_tokens,
                    "max_input": g.max_input, "cache_write_1h": g.cache_write_1h}
                   for g in summary.groups.values()],
    }


def summary_from_dict(data: dict[str, Any]) -> BaselineSummary:
    """Inverse of `summary_to_dict`; raises ValueError/KeyError/TypeError on a malformed document."""
    if data.get("aiopt_summary") not in (2, SUMMARY_VERSION):   # 2: no per-day data
        raise ValueError(f"unsupported summary version {data.get('aiopt_summary')!r}")
    summary = BaselineSummary(paths=list(data["paths"]), thresholds=tuple(data["thresholds"]),
                              requests=int(data["requests"]), untagged=int(data["untagged"]),
                              bad_rows=int(data["bad_rows"]), bad_lines=list(data["bad_lines"]),
                              first_ts=data["first_ts"], last_ts=data["last_ts"], users=int(data.get("users", 0)),
                              duplicates=int(data.get("duplicates", 0)),
                              duplicate_lines=[str(x) for x in data.get("duplicate_lines", [])])
    for g in data["groups"]:
        group = Group(g["feature"], g["provider"], g["model"], int(g["requests"]), int(g["failed"]),
                      int(g["retries"]), float(g["stated_cost"]), int(g["stated_cost_rows"]))
        group.cells = {(int(c[0]), int(c[1]), bool(c[2])): [float(x) for x in c[3:8]] for c in g["cells"]}
        group.days = {int(d[0]): [float(x) for x in d[1:7]] for d in g.get("days", ())}
        group.failed_tokens = [float(x) for x in g.get("failed_tokens", [0.0] * 5)]
        group.max_input = int(g.get("max_input", 0))
        group.cache_write_1h = float(g.get("cache_write_1h", 0.0))
        summary.groups[(group.feature, group.provider, group.model)] = group
    return summary


def rebucket(summary: BaselineSummary, thresholds: tuple[int, ...]) -> BaselineSummary:
    """The same summary on other tier thresholds: each cell moves to the class of its mean input
    (exact unless a new threshold falls inside a cell's input range)."""
    if tuple(summary.thresholds) == tuple(thresholds):
        return summary
    out = BaselineSummary(paths=summary.paths, thresholds=tuple(thresholds), requests=summary.requests,
                          untagged=summary.untagged, bad_rows=summary.bad_rows, bad_lines=summary.bad_lines,
                          first_ts=summary.first_ts, last_ts=summary.last_ts, users=summary.users,
                          duplicates=summary.duplicates, duplicate_lines=summary.duplicate_lines)
    for key, g in summary.groups.items():
        group = out.groups[key] = Group(g.feature, g.provider, g.model)
        _merge_group(group, g)
        for (_, o, t), values in g.cells.items():
            klass = bisect.bisect_left(thresholds, values[1] / values[0] if values[0] else 0)
            add_sums(group.cells.setdefault((klass, o, t), [0.0] * 5), values)
    return out


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
        raise AioptError(f"not a valid baseline summary: {exc}", file=name,
                         hint="rebuild it with `aiopt baseline summarize LOG -o FILE`") from None


def merge_into(target: BaselineSummary, other: BaselineSummary) -> None:
    """Add `other` (same thresholds) into `target`."""
    if tuple(other.thresholds) != tuple(target.thresholds):
        raise ValueError("summaries with different tier thresholds")
    for key, g in other.groups.items():
        mine = target.groups.setdefault(key, Group(g.feature, g.provider, g.model))
        _merge_group(mine, g)
        for cell_key, values in g.cells.items():
            add_sums(mine.cells.setdefault(cell_key, [0.0] * 5), values)
    target.requests += other.requests
    target.users += other.users
    target.untagged += other.untagged
    target.bad_rows += other.bad_rows
    target.bad_lines.extend(other.bad_lines[: MAX_BAD_LINES - len(target.bad_lines)])
    target.duplicates += other.duplicates
    target.duplicate_lines.extend(other.duplicate_lines[: MAX_BAD_LINES - len(target.duplicate_lines)])
    for ts in (other.first_ts, other.last_ts):
        if ts is not None:
            target.first_ts = ts if target.first_ts is None else min(target.first_ts, ts)
            target.last_ts = ts if target.last_ts is None else max(target.last_ts, ts)


def expand_paths(patterns: list[str] | tuple[str, ...], root: Path) -> list[Path]:
    """Baseline paths relative to the repo root; globs allowed.  A path that matches nothing is an error."""
    found: list[Path] = []
    for pattern in patterns:
        explicit = os.path.isabs(pattern)   # an absolute path is read as written; a relative one stays inside
        full = pattern if explicit else str(root / pattern)
        matches = sorted(glob.glob(full, recursive=True)) if glob.has_magic(full) else [full]
        matches = [m for m in matches if os.path.isfile(m)]
        if not explicit:
            matches = confine(pattern, matches, root)
        if not matches:
            raise AioptError("baseline log not found", file=pattern,
                             hint="set `baseline.path` in .aiopt.yaml, pass --baseline PATH, or set AIOPT_BASELINE")
        found.extend(Path(m) for m in matches)
    return found


def summarize_baseline(paths: list[Path], thresholds: tuple[int, ...], forced_format: str | None = None,
                       display_root: Path | None = None, cache_dir: Path | None = None,
                       dedupe: bool = False) -> BaselineSummary:
    """One summary of every log: from the cache when the log is unchanged, else streamed (or,
    for a large log, aggregated by DuckDB).  Malformed rows are counted;
    a baseline with no usable row is an error.  Rows repeating a request id are counted, and
    left out with `dedupe`."""
    shown = [_display(p, display_root) for p in paths]
    summary = BaselineSummary(paths=shown, thresholds=thresholds)
    for path, name in zip(paths, shown):
        merge_into(summary, _summarize_one(path, name, thresholds, forced_format, cache_dir, dedupe))
    summary.paths = shown
    if summary.requests == 0:
        detail = f"; first bad lines: {', '.join(summary.bad_lines)}" if summary.bad_lines else ""
        raise AioptError(f"the baseline has no usable request rows{detail}", file=", ".join(shown),
                         hint="point `baseline.path` at a usage log (JSONL or CSV with model and token counts)")
    return summary


def read_baseline(patterns: list[str] | tuple[str, ...], root: Path, config: Config, thresholds: tuple[int, ...],
                  cache_dir: Path | None) -> BaselineSummary:
    """The configured baseline: paths (globs) from the repo root, summarized as the config says."""
    return summarize_baseline(expand_paths(list(patterns), root), thresholds, config.baseline_format,
                              display_root=root, cache_dir=cache_dir, dedupe=config.baseline_dedupe)


def _summarize_one(path: Path, name: str, thresholds: tuple[int, ...], forced: str | None,
                   cache_dir: Path | None, dedupe: bool = False) -> BaselineSummary:
    from aiopt_hooks.baseline import cache

    try:
        key = cache.cache_key(path, thresholds, forced, dedupe) if cache_dir else None
    except OSError as exc:
        raise AioptError(f"cannot read the baseline log: {exc.strerror}", file=name) from None
    if cache_dir is not None and key is not None:
        cached = cache.load(cache_dir, key)
        if cached is not None:
            cached.paths = [name]
            return cached
    summary_file = read_summary_file(path, name)
    if summary_file is not None:
        return rebucket(summary_file, thresholds)
    one = None if dedupe else _fast_summary(path, name, thresholds, forced)
    if one is None:
        one = BaselineSummary(paths=[name], thresholds=thresholds)
        _read_one(path, name, one, forced, dedupe)
    if cache_dir is not None and key is not None:
        cache.store(cache_dir, key, one)
    return one


def _fast_summary(path: Path, name: str, thresholds: tuple[int, ...], forced: str | None) -> BaselineSummary | None:
    """DuckDB for a large AIOpt-dialect log (when DuckDB imports); else None."""
    from aiopt_hooks.baseline import duck

    if path.stat().st_size < duck.MIN_BYTES or not duck.available():
        return None
    first = next((row for _, row in iter_rows(path) if row is not None), None)
    dialect = detect_dialect(first, forced) if first is not None else None
    if dialect is None or dialect.name != "aiopt":
        return None
    return duck.summarize_with_duckdb(path, name, thresholds)


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def _read_one(path: Path, name: str, summary: BaselineSummary, forced: str | None, dedupe: bool = False) -> None:
    from aiopt_hooks.baseline import dialects
    from aiopt_hooks.baseline.dedupe import SeenIds, note_duplicate, request_id

    if forced and forced not in (names := [d.name for d in dialects()]):
        raise AioptError(f"unknown log format {forced!r} (`baseline.format`)", file=name,
                         hint=f"use one of: {', '.join(names)}, or remove the key to detect it")
    dialect = None
    seen = SeenIds()
    for line, row in iter_rows(path):
        if row is not None and dialect is None:
            dialect = detect_dialect(row, forced)
        if row is None or dialect is None:
            _bad(summary, name, line, "not a usage record")
            continue
        try:
            for record in (dialect.unpack(row) if dialect.unpack else (row,)):
                request = dialect.normalize(record)
                if (rid := request_id(record)) is not None and seen.repeated(rid):
                    summary.duplicates += 1
                    note_duplicate(summary.duplicate_lines, name, line)
                    if dedupe:
                        continue
                summary.add(request)
        except (ValueError, KeyError, TypeError, OverflowError, AttributeError) as exc:
            _bad(summary, name, line, str(exc) or type(exc).__name__)


def _bad(summary: BaselineSummary, name: str, line: int, why: str) -> None:
    summary.bad_rows += 1
    if len(summary.bad_lines) < MAX_BAD_LINES:
        summary.bad_lines.append(f"{name}:{line} ({why[:120]})")   # a reason quotes values: kept short
